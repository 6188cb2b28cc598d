// Plein's service worker: the app shell from the cache, pages from the network, and the home
// feed and threads last read kept so that Plein opens offline. Nothing is kept of other pages,
// of any answer that is not a plain 200, or of anything but GET requests.
const VERSION = "plein-2026-12-07";
const SHELL_CACHE = `${VERSION}-shell`;
const PAGES_CACHE = `${VERSION}-pages`;
const SHELL = [
  "/offline",
  "/assets/plein.css",
  "/assets/feed.css",
  "/assets/files.css",
  "/assets/community.css",
  "/assets/plein.js",
  "/assets/feed.js",
  "/assets/files.js",
  "/assets/push.js",
  "/assets/app.js",
  "/assets/htmx.min.js",
  "/assets/favicon.svg",
  "/assets/icons/icon-192.png",
];
const KEPT_PAGES = 40; // the newest pages read, at most

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => !n.startsWith(VERSION)).map((n) => caches.delete(n)))
      )
      .then(() => self.clients.claim())
  );
});

// Signing out forgets every page kept (the sign-out answer also says Clear-Site-Data).
self.addEventListener("message", (event) => {
  if (event.data === "forget-pages") event.waitUntil(caches.delete(PAGES_CACHE));
});

function kept(url) {
  return url.pathname === "/" || url.pathname.startsWith("/posts/");
}

async function remember(request, response) {
  const cache = await caches.open(PAGES_CACHE);
  const url = new URL(request.url);
  // One copy per page, whatever its query (home's ?source=app, a thread's #reply).
  await cache.put(url.origin + url.pathname, response);
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - KEPT_PAGES))) await cache.delete(old);
}

// A page from the cache says so: its offline note (base.html) is shown.
async function asKept(cached) {
  const html = (await cached.text()).replace(" data-kept hidden>", " data-kept>");
  return new Response(html, { status: 200, headers: cached.headers });
}

async function page(event) {
  const url = new URL(event.request.url);
  try {
    const response = await fetch(event.request);
    if (kept(url) && response.ok && response.status === 200 && !response.redirected) {
      event.waitUntil(remember(event.request, response.clone()));
    }
    return response;
  } catch (offline) {
    const cached = kept(url) && (await caches.match(url.origin + url.pathname));
    if (cached) return asKept(cached);
    return (await caches.match("/offline")) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith("/assets/")) {
    // The shell: from the cache when there, refreshed in the background.
    event.respondWith(
      caches.open(SHELL_CACHE).then(async (cache) => {
        const cached = await cache.match(request);
        const fresh = fetch(request)
          .then((response) => {
            if (response.ok) cache.put(request, response.clone());
            return response;
          })
          .catch(() => cached || Response.error());
        return cached || fresh;
      })
    );
  }
});

// Web Push: show what notify pushed (decrypted by the browser): its sentence as the title, the
// post's text when the person may see it there, and one notification per inbox entry (`tag`).
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (notJson) {
    data = {};
  }
  const options = {
    body: data.body || "",
    tag: data.id || undefined,
    icon: "/assets/icons/icon-192.png",
    badge: "/assets/icons/icon-192.png",
    data: { id: data.id, url: data.url },
  };
  event.waitUntil(self.registration.showNotification(data.title || "Plein", options));
});

// A click opens the thread through /notifications/<id>/open, which marks the entry read as the
// inbox does; only a path on Plein's own origin is followed.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const { id, url } = event.notification.data || {};
  let path = "/notifications";
  try {
    path = new URL(url, self.location.origin).pathname;
  } catch (badUrl) {
    path = "/notifications";
  }
  const target = id
    ? `/notifications/${encodeURIComponent(id)}/open?next=${encodeURIComponent(path)}`
    : path;
  event.waitUntil(self.clients.openWindow(target));
});
