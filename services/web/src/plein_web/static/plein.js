// Plein's small enhancements. The pages work without them: forms post, links navigate.
// No inline script anywhere (the Content-Security-Policy forbids it); state changes send the
// session's CSRF token, read from the page.
(function () {
  "use strict";
  const csrf = () => document.body.dataset.csrf || "";

  // -- posts on screen are reported as seen, each once, after it was half visible for 1 s --
  const reported = new Set();
  let pending = [];
  let flushTimer = null;
  function flush() {
    flushTimer = null;
    if (!pending.length) return;
    const ids = pending.splice(0, 100);
    fetch("/seen", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ post_ids: ids }),
      credentials: "same-origin",
      keepalive: true,
    }).catch(() => ids.forEach((id) => reported.delete(id)));
  }
  const timers = new Map();
  const observer = "IntersectionObserver" in window ? new IntersectionObserver((items) => {
    for (const item of items) {
      const id = item.target.dataset.seen;
      if (item.isIntersecting) {
        if (!timers.has(id) && !reported.has(id)) {
          timers.set(id, setTimeout(() => {
            timers.delete(id);
            reported.add(id);
            pending.push(id);
            if (!flushTimer) flushTimer = setTimeout(flush, 500);
          }, 1000));
        }
      } else if (timers.has(id)) {
        clearTimeout(timers.get(id));
        timers.delete(id);
      }
    }
  }, { threshold: 0.5 }) : null;
  function watchSeen(root) {
    if (!observer) return;
    root.querySelectorAll("[data-seen]").forEach((el) => {
      if (!el.dataset.watched) { el.dataset.watched = "1"; observer.observe(el); }
    });
  }
  window.addEventListener("pagehide", flush);

  // -- the unread badge, live over Server-Sent Events (relayed by the web service) --
  let source = null;
  function showUnread(count) {
    const badge = document.getElementById("unread");
    if (!badge) return;
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.hidden = count <= 0;
    // The word comes from the page (base.html), in the page's language.
    badge.setAttribute("aria-label", count + " " + (badge.dataset.unreadWord || "unread"));
    document.title = document.title.replace(/^\(\d+\+?\) /, "");
    if (count > 0) document.title = "(" + badge.textContent + ") " + document.title;
  }
  let lastUnread = 0;
  function connectLive() {
    const badge = document.getElementById("unread");
    if (!badge || !("EventSource" in window)) return;
    if (source) { showUnread(lastUnread); return; }
    source = new EventSource(badge.dataset.live);
    const onData = (event) => {
      try {
        const data = JSON.parse(event.data);
        if (typeof data.unread_count === "number") { lastUnread = data.unread_count; showUnread(lastUnread); }
        if (event.type === "notification") announce(data);
      } catch (e) { /* a keep-alive */ }
    };
    source.addEventListener("unread", onData);
    source.addEventListener("notification", onData);
  }
  function announce(data) {
    // The entry as the inbox page draws it (face included), rendered by the web service.
    const list = document.getElementById("inbox");
    if (list && data.html) {
      const drawn = document.createElement("template");
      drawn.innerHTML = data.html;
      const item = drawn.content.firstElementChild;
      if (!item) return;
      list.querySelectorAll(":scope > li.muted").forEach((empty) => empty.remove());
      list.prepend(item);
      if (window.htmx) window.htmx.process(item);
    }
  }

  // -- @mention autocomplete: people search as one types "@na…" --
  function wireMentions(form) {
    if (form.dataset.wired) return;
    form.dataset.wired = "1";
    const area = form.querySelector("textarea");
    const list = form.querySelector(".suggestions");
    if (!area || !list) return;
    let active = -1;
    let query = null;
    const close = () => {
      list.hidden = true; list.innerHTML = ""; active = -1;
      area.removeAttribute("aria-activedescendant");  // its option is gone with the list
    };
    list.id = (area.id || "compose") + "-suggestions";
    area.setAttribute("aria-controls", list.id);
    // A textarea keeps its own role (ARIA in HTML allows no combobox on it): it says that it
    // suggests from a list, and which suggestion is active.
    area.setAttribute("aria-autocomplete", "list");
    function mentionAtCursor() {
      const before = area.value.slice(0, area.selectionStart);
      const m = before.match(/(^|\s)@([\p{L}\p{N}._-]{1,40})$/u);
      return m ? m[2] : null;
    }
    function choose(person) {
      const pos = area.selectionStart;
      const before = area.value.slice(0, pos).replace(/@([\p{L}\p{N}._-]{1,40})$/u, "@" + person.name + " ");
      area.value = before + area.value.slice(pos);
      area.selectionStart = area.selectionEnd = before.length;
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "mentions";
      hidden.value = person.id;
      form.appendChild(hidden);
      close();
      area.focus();
    }
    function render(people) {
      list.innerHTML = "";
      people.forEach((person, i) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = "suggestion-" + person.id;
        li.textContent = person.name;
        if (person.title) {
          const small = document.createElement("span");
          small.className = "muted small";
          small.textContent = " · " + person.title;
          li.appendChild(small);
        }
        li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(person); });
        li._person = person;
        list.appendChild(li);
      });
      list.hidden = !people.length;
      active = people.length ? 0 : -1;
      highlight();
    }
    function highlight() {
      [...list.children].forEach((li, i) => li.setAttribute("aria-selected", i === active ? "true" : "false"));
      if (active >= 0) area.setAttribute("aria-activedescendant", list.children[active].id);
      else area.removeAttribute("aria-activedescendant");
    }
    let timer = null;
    area.addEventListener("input", () => {
      const q = mentionAtCursor();
      if (!q) { close(); return; }
      clearTimeout(timer);
      timer = setTimeout(() => {
        query = q;
        fetch("/people/suggest?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then((r) => r.json())
          .then((body) => { if (query === q) render(body.people || []); })
          .catch(close);
      }, 150);
    });
    area.addEventListener("keydown", (e) => {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { active = (active + 1) % list.children.length; highlight(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { active = (active - 1 + list.children.length) % list.children.length; highlight(); e.preventDefault(); }
      else if (e.key === "Enter" || e.key === "Tab") { if (active >= 0) { choose(list.children[active]._person); e.preventDefault(); } }
      else if (e.key === "Escape") { close(); }
    });
    area.addEventListener("blur", () => setTimeout(close, 150));
  }

  // -- a large photo is shrunk in the browser before upload (the server crops it square) --
  function wirePhoto(form) {
    if (form.dataset.wired) return;
    form.dataset.wired = "1";
    form.addEventListener("submit", (event) => {
      const input = form.querySelector("input[type=file]");
      const file = input && input.files && input.files[0];
      if (!file || file.size < 200 * 1024 || !window.createImageBitmap) return;
      event.preventDefault();
      createImageBitmap(file).then((bitmap) => {
        const scale = Math.min(1, 1024 / Math.max(bitmap.width, bitmap.height));
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob((blob) => {
          const data = new FormData(form);
          data.set("photo", blob, "photo.jpg");
          fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
            .then((r) => { window.location.href = r.url; });
        }, "image/jpeg", 0.85);
      }).catch(() => form.submit());
    });
  }

  // -- posting as a shared account: say at once whose name readers will see --
  function wirePostAs(select) {
    if (select.dataset.wired) return;
    select.dataset.wired = "1";
    const shown = select.form && select.form.querySelector("[data-post-as]");
    if (!shown) return;
    select.addEventListener("change", () => {
      const option = select.options[select.selectedIndex];
      shown.textContent = option.dataset.name || option.textContent;
    });
  }

  function enhance(root) {
    root.querySelectorAll("select[name=as_account]").forEach(wirePostAs);
    root.querySelectorAll("form[data-photo]").forEach(wirePhoto);
    watchSeen(root);
    root.querySelectorAll("form[data-mentions]").forEach(wireMentions);
    connectLive();
  }
  document.addEventListener("DOMContentLoaded", () => enhance(document));
  document.addEventListener("htmx:load", (e) => enhance(e.target.ownerDocument ? e.target : document));
  document.addEventListener("htmx:afterSettle", () => enhance(document));
})();
