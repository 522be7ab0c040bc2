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

// Streamed downloads (the Encrypt tool's output where the browser has no File System Access):
// the page sends a MessagePort under a random id (its writer thread holds the other end),
// then opens DOWNLOADS + id; the answer is a stream that asks the port for each piece as
// the browser saves it, never whole in memory. An error from the port (a failed decryption)
// errors the stream: the download fails and the browser drops the partial file. An id is
// answered once, and forgotten after a minute unclaimed.
const DOWNLOADS = new URL("./__sluice-download/", self.location.href).href
const downloads = new Map()

const portStream = (port) =>
  new ReadableStream({
    start(controller) {
      port.onmessage = (event) => {
        const data = event.data
        if (data.chunk instanceof ArrayBuffer) controller.enqueue(new Uint8Array(data.chunk))
        else if (data.done === true) {
          controller.close()
          port.close()
        } else if (typeof data.error === "string") {
          controller.error(new Error(data.error))
          port.close()
        }
      }
    },
    pull() {
      port.postMessage("pull")
    },
    cancel() {
      port.postMessage("cancel")
      port.close()
    }
  }, { highWaterMark: 4 })

self.addEventListener("message", (event) => {
  if (event.data === "sluice:activate-update") self.skipWaiting()
  const data = event.data
  if (data !== null && typeof data === "object" && data.type === "sluice:download" && typeof data.id === "string" && data.port instanceof MessagePort) {
    downloads.set(data.id, { name: String(data.name), stream: portStream(data.port) })
    setTimeout(() => {
      const left = downloads.get(data.id)
      if (left === undefined) return
      downloads.delete(data.id)
      left.stream.cancel().catch(() => undefined)
    }, 60_000)
    data.ack?.postMessage("ready")
  }
})

/** `attachment; filename*=UTF-8''…` (RFC 6266), with a plain ASCII fallback name. */
const disposition = (name) => {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_")
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

self.addEventListener("fetch", (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== "GET" || url.origin !== self.location.origin) return
  if (url.href.startsWith(DOWNLOADS)) {
    const id = url.href.slice(DOWNLOADS.length).split(/[/?#]/)[0]
    const download = downloads.get(id)
    downloads.delete(id)
    if (download === undefined) {
      event.respondWith(new Response("This download is no longer available.", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } }))
      return
    }
    const headers = {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": disposition(download.name),
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store"
    }
    event.respondWith(new Response(download.stream, { headers }))
    return
  }
  const key = request.mode === "navigate" ? "./" : request
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      // ignoreVary: module scripts are requested with an Origin header, the precache without.
      cache.match(key, { ignoreSearch: request.mode === "navigate", ignoreVary: true }).then((hit) => hit ?? fetch(request))
    )
  )
})
