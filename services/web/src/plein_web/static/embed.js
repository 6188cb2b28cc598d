// Plein's embed: <script src="https://plein.example.com/assets/embed.js" async></script>
// puts this page's conversation where the tag is. Options: data-plein-group (a group's id),
// data-plein-url (another address than this page's), data-plein-accent / -background / -text.
(() => {
  "use strict";
  const tag = document.currentScript;
  if (!tag) return;
  const plein = new URL(tag.src).origin;
  const data = tag.dataset;
  const query = new URLSearchParams({ url: data.pleinUrl || location.href.split("#")[0] });
  if (data.pleinGroup) query.set("group", data.pleinGroup);
  for (const name of ["accent", "background", "text"]) {
    const value = data["plein" + name[0].toUpperCase() + name.slice(1)];
    if (value) query.set(name, value);
  }
  const frame = document.createElement("iframe");
  frame.src = `${plein}/embed?${query}`;
  frame.title = data.pleinTitle || "Plein";
  frame.referrerPolicy = "origin"; // Plein checks which site embeds it
  frame.loading = "lazy";
  frame.className = "plein-embed";
  frame.style.cssText = "border:0;width:100%;height:240px;display:block";
  tag.after(frame);
  addEventListener("message", (event) => {
    if (event.origin === plein && event.source === frame.contentWindow && event.data && event.data.plein === "height") {
      frame.style.height = `${Math.min(Number(event.data.height) || 240, 4000)}px`;
    }
  });
})();
