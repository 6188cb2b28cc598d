// Files in the compose box: uploads as soon as files are chosen, dropped or pasted, each with
// its progress (XMLHttpRequest: fetch reports no upload progress), a description asked for
// each photo, removal before posting, and the refusal of a file shown next to it. Without this
// script the form still sends its files as a plain multipart form. Also: keys for the lightbox.
(function () {
  "use strict";

  function csrf() { return document.body.dataset.csrf || ""; }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text; // names are text, never markup
    return node;
  }

  function enhance(box) {
    if (box.dataset.enhanced) return;
    box.dataset.enhanced = "1";
    box.classList.add("enhanced");
    const form = box.closest("form");
    const list = box.querySelector(".attached");
    const words = box.dataset;
    const textarea = form.querySelector("textarea");
    let uploading = 0;

    function attachedCount() { return list.querySelectorAll("input[name=attachments]").length; }

    function textNeeded() {
      // A post may be only files: the text is optional once a file is attached.
      if (textarea) textarea.required = attachedCount() === 0;
    }

    function describe(id, alt) {
      const body = new URLSearchParams({ alt: alt });
      fetch("/files/" + id + "/alt", {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf() },
      });
    }

    function upload(file) {
      const item = element("li", "attached-item");
      item.appendChild(element("span", "attached-name", file.name || "image"));
      const remove = element("button", "small", words.remove);
      remove.type = "button";
      item.appendChild(remove);
      const progress = element("progress");
      progress.max = 100; progress.value = 0;
      progress.setAttribute("aria-label", words.uploading + " " + (file.name || ""));
      item.appendChild(progress);
      list.appendChild(item);

      const data = new FormData();
      data.append("file", file, file.name || "image.png");
      const xhr = new XMLHttpRequest();
      let fileId = null;
      uploading += 1;
      xhr.open("POST", "/files/upload");
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) progress.value = Math.round(100 * event.loaded / event.total);
      });
      function done() { uploading -= 1; progress.remove(); textNeeded(); }
      xhr.addEventListener("load", function () {
        let answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
        done();
        if (xhr.status !== 201 || !answer.id) {
          item.classList.add("refused");
          const problem = element("p", "problem small", answer.error || words.failed);
          problem.setAttribute("role", "alert");
          item.appendChild(problem);
          return;
        }
        fileId = answer.id;
        const meta = element("span", "muted small", answer.type + " · " + answer.size);
        item.insertBefore(meta, remove);
        const hidden = element("input");
        hidden.type = "hidden"; hidden.name = "attachments"; hidden.value = answer.id;
        item.appendChild(hidden);
        if (answer.asks_alt) {
          const label = element("label", "attached-alt small", words.alt);
          const input = element("input");
          input.maxLength = 1000;
          input.addEventListener("change", function () { describe(answer.id, input.value); });
          label.appendChild(input);
          item.appendChild(label);
        }
        textNeeded();
      });
      xhr.addEventListener("error", function () {
        done();
        const problem = element("p", "problem small", words.failed);
        problem.setAttribute("role", "alert");
        item.appendChild(problem);
      });
      remove.addEventListener("click", function () {
        if (xhr.readyState !== 4) xhr.abort();
        if (fileId) {
          fetch("/files/" + fileId + "/delete", {
            method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf() },
          });
        }
        item.remove();
        textNeeded();
      });
      xhr.send(data);
    }

    function take(files) { Array.prototype.forEach.call(files, upload); }

    box.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () {
        take(input.files);
        input.value = ""; // sent already: the form must not send the bytes again
      });
    });
    form.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        box.classList.add("dragging");
      }
    });
    form.addEventListener("dragleave", function () { box.classList.remove("dragging"); });
    form.addEventListener("drop", function (event) {
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      event.preventDefault();
      box.classList.remove("dragging");
      take(event.dataTransfer.files);
    });
    form.addEventListener("paste", function (event) {
      const files = event.clipboardData ? event.clipboardData.files : [];
      if (files && files.length) {
        event.preventDefault();
        take(files);
      }
    });
    form.addEventListener("submit", function (event) {
      if (uploading > 0) {
        event.preventDefault();
        event.stopImmediatePropagation();
        window.alert(words.wait);
      }
    }, true);
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("[data-attach]").forEach(enhance);
  }

  // The lightbox is CSS (:target); keys close it and step through the photos.
  document.addEventListener("keydown", function (event) {
    const open = document.querySelector(".lightbox:target");
    if (!open) return;
    const link = event.key === "Escape" ? open.querySelector(".lightbox-close")
      : event.key === "ArrowLeft" ? open.querySelector(".lightbox-prev")
      : event.key === "ArrowRight" ? open.querySelector(".lightbox-next") : null;
    if (link) { event.preventDefault(); link.click(); }
  });

  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
})();
