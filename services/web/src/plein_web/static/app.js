// Plein as an app: registers the service worker, says when the page shown is one kept from an
// earlier visit (no network), and puts the unread count on the installed app's icon.
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
    // Signing out: the pages kept for offline reading go with the session.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.getAttribute("action") === "/sign-out" && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage("forget-pages");
      }
    });
  }

  // A page the service worker served from its cache comes with the note shown already; a page
  // open when the connection drops shows it until the connection is back.
  function connection(event) {
    var note = document.getElementById("offline-note");
    if (note) note.hidden = event.type === "online";
  }
  window.addEventListener("online", connection);
  window.addEventListener("offline", connection);

  // The unread count that the page's live badge shows, on the app's icon too (Badging API).
  function badge() {
    var unread = document.getElementById("unread");
    if (!unread || !("setAppBadge" in navigator)) return;
    var count = parseInt(unread.textContent, 10);
    var done = count > 0 && !unread.hidden ? navigator.setAppBadge(count) : navigator.clearAppBadge();
    if (done && done.catch) done.catch(function () {});
  }
  document.addEventListener("DOMContentLoaded", function () {
    var unread = document.getElementById("unread");
    if (!unread) return;
    badge();
    new MutationObserver(badge).observe(unread, {
      childList: true,
      characterData: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["hidden"],
    });
  });
})();
