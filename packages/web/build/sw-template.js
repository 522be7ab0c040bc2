// Sluice service worker: the app shell and its workers (with their WASM) are cached on
// install under a versioned name, served cache-first, so the app loads and hashes offline.
// A new version installs beside the old one and takes over when the page asks
// (the user accepts the update), then deletes every older cache.
const VERSION = __SLUICE_VERSION__
const CACHE = `sluice-shell-${VERSION}`
const SHELL = __SLUICE_SHELL__

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)))
})

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("sluice-shell-") && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  )
})

self.addEventListener("message", (event) => {
  if (event.data === "sluice:activate-update") self.skipWaiting()
})

self.addEventListener("fetch", (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== "GET" || url.origin !== self.location.origin) return
  const key = request.mode === "navigate" ? "./" : request
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      // ignoreVary: module scripts are requested with an Origin header, the precache without.
      cache.match(key, { ignoreSearch: request.mode === "navigate", ignoreVary: true }).then((hit) => hit ?? fetch(request))
    )
  )
})
