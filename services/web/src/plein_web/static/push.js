// Push on this device (Settings): asks the browser for a push subscription with the
// instance's VAPID public key and posts it to Plein's own server, which forwards it to notify
// with the session's token (the page never holds a token). Without this script, or in a
// browser without push, the button stays hidden and the rest of the page works.
(function () {
  "use strict";
  const section = document.querySelector("[data-push-key]");
  if (!section) return;
  const button = section.querySelector("[data-push-on]");
  const status = section.querySelector("[data-push-status]");
  const csrf = () => document.body.dataset.csrf || "";
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    section.querySelector("[data-push-unsupported]").hidden = false;
    return;
  }
  button.hidden = false;

  function applicationServerKey(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  button.addEventListener("click", async function () {
    button.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        status.textContent = button.dataset.denied || status.textContent;
        return;
      }
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: applicationServerKey(section.dataset.pushKey),
      });
      const answer = await fetch("/settings/devices", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify(subscription.toJSON()),
      });
      const said = await answer.json().catch(() => ({}));
      status.textContent = said.message || "";
      if (answer.ok) window.location.assign("/settings?saved=true#push");
    } catch (error) {
      status.textContent = button.dataset.failed || String(error);
    } finally {
      button.disabled = false;
    }
  });
})();
