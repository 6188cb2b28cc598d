// The feed people act in (web-feed): a character counter under every text box with a limit,
// which says clearly, before posting, what is too long (nothing is ever cut).
(function () {
  "use strict";
  // The words come with the box (data-too-long), translated by the server.
  const number = new Intl.NumberFormat(document.documentElement.lang === "nl" ? "nl-NL" : "en-GB");

  function wireCounter(area) {
    if (area.dataset.counted) return;
    area.dataset.counted = "1";
    const max = Number(area.dataset.limit);
    const counter = document.createElement("p");
    counter.className = "counter";
    counter.id = (area.id || "text") + "-counter";
    counter.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", counter);
    const described = (area.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    area.setAttribute("aria-describedby", [...described, counter.id].join(" "));
    function update() {
      const n = area.value.length;
      const over = n > max;
      // Quiet until the text is long: the count shows from 80% of the limit on.
      counter.hidden = n < max * 0.8;
      counter.className = "counter" + (over ? " over" : n >= max * 0.9 ? " near" : "");
      counter.textContent = over
        ? area.dataset.tooLong.replace("{count}", number.format(n)).replace("{max}", number.format(max))
        : `${number.format(n)} / ${number.format(max)}`;
      area.setCustomValidity(over ? counter.textContent : "");
      if (over) area.setAttribute("aria-invalid", "true");
      else if (!area.closest("form").querySelector(".problem")) area.removeAttribute("aria-invalid");
    }
    area.addEventListener("input", update);
    update();
  }

  function enhance(root) {
    root.querySelectorAll("textarea[data-limit]").forEach(wireCounter);
  }
  document.addEventListener("DOMContentLoaded", () => enhance(document));
  document.addEventListener("htmx:afterSettle", () => enhance(document));
})();
