/**
 * Registers the service worker of a production build and reports when a new version is
 * waiting; `activate` hands control to it and reloads once it has taken over.
 */
export const registerServiceWorker = (onUpdateReady: (activate: () => void) => void): void => {
  if (!("serviceWorker" in navigator) || import.meta.env.DEV) return
  // The first install claims the page too; only a version taking over needs a reload.
  const updating = navigator.serviceWorker.controller !== null
  let reloading = false
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!updating || reloading) return
    reloading = true
    location.reload()
  })
  navigator.serviceWorker.register("./sw.js").then((registration) => {
    const offer = (worker: ServiceWorker) => onUpdateReady(() => worker.postMessage("sluice:activate-update"))
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting)
    registration.addEventListener("updatefound", () => {
      const installing = registration.installing
      installing?.addEventListener("statechange", () => {
        // A first install is not an update: only offer one when a page is already controlled.
        if (installing.state === "installed" && navigator.serviceWorker.controller) offer(installing)
      })
    })
  }).catch(() => {
    // Offline use is a bonus: the app works the same without it.
  })
}
