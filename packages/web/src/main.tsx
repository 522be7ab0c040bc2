/**
 * The page's entry: loads the app in stages, each evaluated in a task of its own: React,
 * then Effect in three parts, then the noble cryptography core links (in seven parts: see
 * stages/nobleSha2.ts), then core's modules (its age errors first) and its browser
 * platform, then the app, which renders over the page's static masthead (index.html).
 * Loaded as one module graph, they were evaluated in one task of 60-420 ms at page load
 * (47 ms of CPU in a trace): a long task on the main thread, the page frozen meanwhile; the
 * longest stage now is React's, 10-15 ms of CPU (Chromium traces at load 5-10).
 * The build preloads every stage's chunks from the page's head (build/preloadStages.ts), so
 * they are fetched and parsed in parallel and the stages cost a few task hops, not round
 * trips. Each stage leaves a performance mark (`sluice:load-<stage>`) at its end, to tell
 * the stages apart in a trace.
 */
import "./styles.css"

/** Resolves in a later task of the event loop (a message, which a background tab does not throttle as it does timers). */
const nextTask = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      channel.port1.close()
      resolve()
    }
    channel.port2.postMessage(undefined)
  })

const STAGES = [
  ["react", () => import("./stages/react.js")],
  ["effect", () => import("./stages/effect.js")],
  ["effect-streams", () => import("./stages/effectStreams.js")],
  ["schema", () => import("./stages/schema.js")],
  ["noble-sha2", () => import("./stages/nobleSha2.js")],
  ["noble-hashes", () => import("./stages/nobleHashes.js")],
  ["noble-curves", () => import("./stages/nobleCurves.js")],
  ["noble-post-quantum", () => import("./stages/noblePostQuantum.js")],
  ["noble-nist", () => import("./stages/nobleNist.js")],
  ["noble-aes", () => import("./stages/nobleAes.js")],
  ["noble-ml-dsa", () => import("./stages/nobleMlDsa.js")],
  ["core-errors", () => import("./stages/coreErrors.js")],
  ["core", () => import("./stages/core.js")],
  ["core-platform", () => import("./stages/corePlatform.js")],
  ["app", () => import("./start.js")]
] as const

try {
  for (const [name, load] of STAGES) {
    await load()
    performance.mark(`sluice:load-${name}`)
    await nextTask()
  }
} catch (error) {
  // A chunk that cannot be fetched (a new version deployed meanwhile, the network gone
  // before the service worker cached the app) would otherwise leave a blank page.
  const message = document.createElement("p")
  message.className = "hint"
  message.textContent = `Sluice could not load (${error instanceof Error ? error.message : String(error)}). Reload the page to try again.`
  document.getElementById("root")?.replaceChildren(message)
}
