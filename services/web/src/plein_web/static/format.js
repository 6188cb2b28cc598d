// The formatting toolbar over a text box (rich-text): each button puts Markdown marks around
// the selected words (or a placeholder word), so the text stays plain Markdown that works
// without this script too. The toolbar is hidden in the HTML and shown here, so a page without
// JavaScript offers no button that does nothing.
(function () {
  "use strict";

  // [before, after, placeholder] per button; "line" marks go in front of every selected line.
  const INLINE = { bold: ["**", "**"], italic: ["_", "_"], code: ["`", "`"] };
  const LINE = { list: "- ", quote: "> " };

  function apply(area, kind, button) {
    const start = area.selectionStart;
    const end = area.selectionEnd;
    const selected = area.value.slice(start, end);
    let text;
    if (kind in INLINE) {
      const [before, after] = INLINE[kind];
      const word = selected || button.title;
      text = before + word + after;
    } else if (kind in LINE) {
      const lineStart = area.value.lastIndexOf("\n", start - 1) + 1;
      area.setSelectionRange(lineStart, end);
      const lines = area.value.slice(lineStart, end) || button.title;
      text = lines.split("\n").map((line) => LINE[kind] + line).join("\n");
    } else if (kind === "link") {
      const address = window.prompt(button.dataset.linkPrompt, "https://");
      if (!address) return;
      text = "[" + (selected || address) + "](" + address.trim() + ")";
    } else {
      return;
    }
    area.focus();
    area.setRangeText(text, area.selectionStart, area.selectionEnd, "end");
    area.dispatchEvent(new Event("input", { bubbles: true })); // the counter counts again
  }

  function wire(tools) {
    if (tools.dataset.wired) return;
    tools.dataset.wired = "1";
    const area = document.getElementById(tools.dataset.formatTools);
    const bar = tools.querySelector(".format-bar");
    if (!area || !bar) return;
    bar.hidden = false;
    bar.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-format]");
      if (button) apply(area, button.dataset.format, button);
    });
  }

  function enhance(root) {
    root.querySelectorAll("[data-format-tools]").forEach(wire);
  }
  document.addEventListener("DOMContentLoaded", () => enhance(document));
  document.addEventListener("htmx:load", (event) => enhance(event.target.querySelectorAll ? event.target : document));
})();
