// Inside the embed's frame: tell the embedding page how tall it is, sign in in a pop-up, and
// fetch the conversation again every 15 s while it is on screen (unless a reply is being typed).
(() => {
  "use strict";
  if (document.querySelector("[data-signed-in]") && window.opener) {
    try { window.opener.location.reload(); window.close(); } catch (e) { /* another origin */ }
    return;
  }
  const tell = () => parent.postMessage({ plein: "height", height: document.documentElement.scrollHeight }, "*");
  new ResizeObserver(tell).observe(document.body);
  const signIn = document.querySelector("[data-sign-in]");
  if (signIn) {
    signIn.addEventListener("click", (event) => {
      event.preventDefault();
      window.open(signIn.href, "plein-sign-in", "popup,width=480,height=640");
    });
  }
  const main = document.getElementById("conversation");
  setInterval(async () => {
    const box = document.getElementById("embed-text");
    if (document.hidden || (box && (box.value || document.activeElement === box))) return;
    const answer = await fetch(location.href, { credentials: "same-origin" });
    if (!answer.ok) return;
    const fresh = new DOMParser().parseFromString(await answer.text(), "text/html").getElementById("conversation");
    if (fresh && fresh.innerHTML !== main.innerHTML) main.innerHTML = fresh.innerHTML;
  }, 15000);
})();
