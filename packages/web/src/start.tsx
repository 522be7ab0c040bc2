/**
 * The app's start, the last stage of the page's load (main.tsx): the runtime, the stores,
 * and the first render.
 */
import { makeIndexedDbCheckpointLevel } from "@sluice/core/browser"
import { startTransition, StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { App } from "./App.js"
import { makeCachePreference } from "./cache/cachePreference.js"
import { Announcer } from "./components/Announcer.js"
import { nextFrame } from "./jobs/frame.js"
import { makeHashJobs } from "./jobs/HashJobs.js"
import { HashJobsContext } from "./jobs/useHashJobs.js"
import { registerServiceWorker } from "./offline/registerServiceWorker.js"
import { makeUpdateSignal, UpdateBanner } from "./offline/UpdateBanner.js"
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
// The pool (and the runtime around it) is built in a task of its own once the page has
// painted: built here, it joined the modules' evaluation in one long task at load.
// A page opened in a background tab gets no animation frame until it is shown: a timer
// then builds the pool anyway.
const afterFirstPaint = new Promise<void>((resolve) => {
  requestAnimationFrame(() => setTimeout(resolve, 0))
  setTimeout(resolve, 250)
})
const pool = afterFirstPaint.then(() => describePool(runtime))
const performanceMonitor = makePerformanceMonitor(performanceSources(runtime, jobs))
const health = (listener: Parameters<typeof subscribePoolHealth>[1]) => subscribePoolHealth(runtime, listener)
const updates = makeUpdateSignal()
registerServiceWorker(updates.offer)

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
    </HashJobsContext.Provider>
  </StrictMode>
))
