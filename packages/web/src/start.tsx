/**
 * The app's start, the last stage of the page's load (main.tsx): the runtime, the stores,
 * and the first render.
 */
import { makeIndexedDbCheckpointLevel } from "@sluice/core/browser"
import { startTransition, StrictMode, useEffect } from "react"
import { createRoot } from "react-dom/client"
import { App } from "./App.js"
import { makeCachePreference } from "./cache/cachePreference.js"
import { Announcer } from "./components/Announcer.js"
import { nextFrame } from "./jobs/frame.js"
import { makeHashJobs } from "./jobs/HashJobs.js"
import { HashJobsContext } from "./jobs/useHashJobs.js"
import { registerServiceWorker } from "./offline/registerServiceWorker.js"
import { makeUpdateSignal, UpdateBanner } from "./offline/UpdateBanner.js"
import { whenQuiet } from "./offline/whenQuiet.js"
import { makeCheckpoints } from "./resume/Checkpoints.js"
import { makePerformanceMonitor } from "./performance/PerformanceMonitor.js"
import { cacheControl, describePool, flushCacheOnHide, makeRuntime, performanceSources, subscribePoolHealth } from "./runtime.js"

const runtime = makeRuntime()
const checkpoints = makeCheckpoints({ level: makeIndexedDbCheckpointLevel() })
void checkpoints.load()
const cachePreference = makeCachePreference()
const cache = { cache: cacheControl(runtime), preference: cachePreference }
flushCacheOnHide(runtime)
const jobs = makeHashJobs({ runtime, scheduleFrame: nextFrame, checkpoints, useCache: cachePreference.get })
// The pool (and the runtime around it) is built in a task of its own once React has
// committed the first render (`OnCommit`'s effect): built here, it joined the modules'
// evaluation in one long task at load; built after the first paint, its workers fetched
// and compiled their modules while React rendered, and the app was ready later (first
// visits, raw DevTools loads alternated with that build at load ~2: median 657 against
// 739 ms in a running browser, 800 against 895 ms right after its launch). A timer builds
// it anyway should the render never commit.
let committed: () => void = () => {}
const afterFirstCommit = new Promise<void>((resolve) => {
  committed = () => setTimeout(resolve, 0)
  setTimeout(resolve, 2000)
})
const OnCommit = () => {
  useEffect(() => committed(), [])
  return null
}
const pool = afterFirstCommit.then(() => describePool(runtime))
const performanceMonitor = makePerformanceMonitor(performanceSources(runtime, jobs))
const health = (listener: Parameters<typeof subscribePoolHealth>[1]) => subscribePoolHealth(runtime, listener)
const updates = makeUpdateSignal()
// Registered once the pool is built (the app ready), as a service worker is best registered
// after the page's load: a first install fetches the app's assets again for the offline
// copy, which at load competed with the page's modules and the workers'. And only once no
// file has hashed for `OFFLINE_COPY_QUIET_MS`: that install (~3.4 MB in ~160 files) took
// ~0.5 s of Chromium's CPU beside a job started right after load, which then hashed 256 MiB
// in 1.22-1.40 s instead of 0.85-1.1 (SHA-256, bench web-sha256: the first of 3 runs). The
// wait is short: a page left alone makes its copy within ~1.5 s of being ready, before most
// people have picked a file (2 s, tried first, moved the install to where they pick).
const OFFLINE_COPY_QUIET_MS = 500
void pool.then(() => whenQuiet(jobs.busy, OFFLINE_COPY_QUIET_MS))
  .then(() => registerServiceWorker(updates.offer))

// The first render in a transition: React renders the app in slices of a few ms, yielding
// to the browser between them, rather than in one task of ~60 ms (a long task at load).
const root = createRoot(document.getElementById("root")!)
startTransition(() => root.render(
  <StrictMode>
    <HashJobsContext.Provider value={jobs}>
      <Announcer>
        <UpdateBanner subscribe={updates.subscribe} />
        <App pool={pool} health={health} checkpoints={checkpoints} cache={cache} performanceMonitor={performanceMonitor} runtime={runtime} />
      </Announcer>
      <OnCommit />
    </HashJobsContext.Provider>
  </StrictMode>
))
