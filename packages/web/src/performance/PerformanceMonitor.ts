/**
 * Polls core's metrics (through the app's runtime) and the page's activity while someone
 * watches, and keeps what the Performance page draws: the last `capacity` points, the
 * latest reading, the job being watched, and the recommendations. Polling runs only while
 * the page is open and the tab visible; nothing else in the app pays for it.
 */
import { type HashAlgorithm, type PerformanceSnapshot, type Rates, type Recommendation, recommend } from "@sluice/core"
import type { JobActivity } from "../jobs/activity.js"
import { followJob, type JobWindow, pointBetween, type PerformancePoint, ratesBetween, type Reading } from "./points.js"
import { makeRingBuffer } from "./RingBuffer.js"

/** Where hashing runs, as the runtime built it. */
export interface PoolFacts {
  readonly kind: "workers" | "inline"
  /** The most workers the pool may run. */
  readonly size: number
  readonly kernel: "wasm" | "js"
}

/** Bytes per second by algorithm, measured on this page. */
export type Calibration = Readonly<Record<string, number>>

export interface MonitorSources {
  readonly snapshot: () => Promise<PerformanceSnapshot>
  readonly activity: () => JobActivity
  readonly pool: () => Promise<PoolFacts>
  /** The algorithms of the files listed: what the recommendations compare. */
  readonly algorithms: () => ReadonlyArray<HashAlgorithm>
  /** Speeds of these algorithms off the main thread, or undefined where that cannot be measured. */
  readonly calibrate?: (algorithms: ReadonlyArray<HashAlgorithm>) => Promise<Calibration | undefined>
  readonly now?: () => number
}

export interface PerformanceView {
  /** Oldest first, at most `capacity`. */
  readonly points: ReadonlyArray<PerformancePoint>
  readonly latest: Reading | undefined
  /** The job running now, or the last one, with its rates over its whole span. */
  readonly job: { readonly running: boolean; readonly rates: Rates } | undefined
  readonly recommendations: ReadonlyArray<Recommendation>
  readonly pool: PoolFacts | undefined
  readonly calibration: Calibration | undefined
  /** Readings taken since the page loaded. */
  readonly readings: number
}

export interface PerformanceMonitor {
  /** The first listener starts polling, the last one to leave stops it. */
  readonly subscribe: (listener: () => void) => () => void
  readonly getView: () => PerformanceView
}

export const POLL_MS = 400
/** 48 s of history at 400 ms: enough to see a job's shape, few enough to draw in a few ms. */
export const POINTS = 120
/** Compared whenever anything else is: the fastest algorithm here. */
const ALWAYS_CALIBRATED: ReadonlyArray<HashAlgorithm> = ["sha256", "blake3"]

const EMPTY: PerformanceView = {
  points: [],
  latest: undefined,
  job: undefined,
  recommendations: [],
  pool: undefined,
  calibration: undefined,
  readings: 0
}

const hidden = () => typeof document !== "undefined" && document.visibilityState === "hidden"

export interface MonitorOptions {
  readonly everyMs?: number
  readonly capacity?: number
  /**
   * How long after the page's `load` the long tasks of loading it are counted (compiling the
   * scripts takes a task or two over 50 ms): those are shown, but recommend nothing. `null`:
   * no such allowance.
   */
  readonly loadingMs?: number | null
}

/** Long tasks of loading the page, counted this long after `load`. */
const LOADING_MS = 1_000

export const makePerformanceMonitor = (sources: MonitorSources, options: MonitorOptions = {}): PerformanceMonitor => {
  const everyMs = options.everyMs ?? POLL_MS
  const now = sources.now ?? (() => performance.now())
  const points = makeRingBuffer<PerformancePoint>(options.capacity ?? POINTS)
  const listeners = new Set<() => void>()
  let view = EMPTY
  let timer: ReturnType<typeof setInterval> | undefined
  let reading = false
  /** The reading the next point starts from; none after a pause, so no point spans one. */
  let previous: Reading | undefined
  let job: JobWindow | undefined
  let pool: PoolFacts | undefined
  let calibration: Record<string, number> = {}
  let calibrating = false
  let calibrationRefused = false
  /** Long tasks seen by the time the page had loaded. */
  let loadingTasks: number | undefined

  const loadingMs = options.loadingMs === undefined ? LOADING_MS : options.loadingMs
  if (loadingMs !== null && typeof document !== "undefined") {
    const settled = () =>
      setTimeout(() => {
        sources.snapshot().then((snapshot) => {
          loadingTasks ??= snapshot.longTaskMs.count
        }, () => {})
      }, loadingMs)
    if (document.readyState === "complete") settled()
    else addEventListener("load", settled, { once: true })
  }

  /** The snapshot the rules judge: without long tasks when all of them were the page loading. */
  const judged = (snapshot: PerformanceSnapshot): PerformanceSnapshot =>
    loadingTasks !== undefined && snapshot.longTaskMs.count <= loadingTasks
      ? { ...snapshot, longTaskMs: { count: 0, p50: 0, p95: 0, p99: 0, max: 0 } }
      : snapshot

  const calibrateIfIdle = (activity: JobActivity) => {
    if (sources.calibrate === undefined || calibrating || calibrationRefused || activity.running > 0) return
    const missing = [...new Set([...ALWAYS_CALIBRATED, ...sources.algorithms()])].filter((a) => calibration[a] === undefined)
    if (missing.length === 0) return
    calibrating = true
    sources.calibrate(missing).then(
      (speeds) => {
        if (speeds === undefined) calibrationRefused = true
        else calibration = { ...calibration, ...speeds }
      },
      () => {
        calibrationRefused = true
      }
    ).finally(() => {
      calibrating = false
    })
  }

  const publish = (latest: Reading) => {
    const rates = job === undefined ? undefined : ratesBetween(job.from, job.to)
    const calibrated = Object.keys(calibration).length > 0 ? calibration : undefined
    view = {
      points: points.toArray(),
      latest,
      job: rates === undefined ? undefined : { running: job!.running, rates },
      recommendations: recommend({
        snapshot: judged(latest.snapshot),
        rates,
        calibration: calibrated,
        algorithms: sources.algorithms(),
        poolSize: pool?.size,
        kernel: pool?.kernel
      }),
      pool,
      calibration: calibrated,
      readings: view.readings + 1
    }
    for (const listener of listeners) listener()
  }

  const tick = async () => {
    if (reading) return
    reading = true
    try {
      pool ??= await sources.pool().catch(() => undefined)
      const snapshot = await sources.snapshot()
      if (timer === undefined) return
      const next: Reading = { at: now(), snapshot, activity: sources.activity() }
      if (previous !== undefined) {
        points.push(pointBetween(previous, next))
        job = followJob(job, previous, next)
      }
      previous = next
      publish(next)
      if (pool?.kind === "workers") calibrateIfIdle(next.activity)
    } catch {
      // A reading that failed (the runtime going away) is skipped; the next one tries again.
    } finally {
      reading = false
    }
  }

  const start = () => {
    if (timer !== undefined || hidden()) return
    timer = setInterval(() => void tick(), everyMs)
    void tick()
  }

  const stop = () => {
    if (timer === undefined) return
    clearInterval(timer)
    timer = undefined
    previous = undefined
  }

  const onVisibility = () => (hidden() ? stop() : start())

  return {
    subscribe: (listener) => {
      listeners.add(listener)
      if (listeners.size === 1) {
        document.addEventListener("visibilitychange", onVisibility)
        start()
      }
      return () => {
        listeners.delete(listener)
        if (listeners.size > 0) return
        document.removeEventListener("visibilitychange", onVisibility)
        stop()
      }
    },
    getView: () => view
  }
}
