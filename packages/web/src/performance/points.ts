/**
 * The Performance page's arithmetic, kept pure: a chart point between two readings, a
 * job's rates from its first reading to its last, and the cache's hit rate. Throughput
 * and utilisation come from the page's own activity counters (files in progress
 * included); everything else from core's metrics snapshot.
 */
import type { PerformanceSnapshot, Rates } from "@sluice/core"
import type { JobActivity } from "../jobs/activity.js"

/** One poll: core's metrics and the page's activity, at `at` (ms, the page's clock). */
export interface Reading {
  readonly at: number
  readonly snapshot: PerformanceSnapshot
  readonly activity: JobActivity
}

/** What the charts draw for one interval. `null` is a gap (nothing known). */
export interface PerformancePoint {
  /** End of the interval, ms (the page's clock). */
  readonly at: number
  /** Bytes read per second, in MB/s (decimal, as the rest of the app). */
  readonly mbPerSecond: number
  /** Share of the workers' time spent on files, 0 to 100. */
  readonly busyPercent: number
  /** The page's JS heap, MB (Chromium only). */
  readonly heapMB: number | null
  /** Main-thread tasks over 50 ms that ended in the interval. */
  readonly longTasks: number
  /** Files the cache answered, of every lookup so far, 0 to 100. */
  readonly cacheHitPercent: number | null
}

const MB = 1e6

/** Workers to share the time among: the live ones, or the page's thread when there are none. */
const workersOf = (before: Reading, after: Reading): number =>
  Math.max(1, before.snapshot.pool.workers, after.snapshot.pool.workers)

const filesDone = (snapshot: PerformanceSnapshot): number =>
  snapshot.files.hashed + snapshot.files.cached + snapshot.files.failed

/** Hits of every level over the lookups of the first one (each file asks it first), or undefined before any lookup. */
export const cacheHitRate = (snapshot: PerformanceSnapshot): number | undefined => {
  const first = snapshot.cache[0]
  const lookups = first === undefined ? 0 : first.hits + first.misses
  if (lookups === 0) return undefined
  return snapshot.cache.reduce((hits, level) => hits + level.hits, 0) / lookups
}

/** What happened between two readings, as core's `Rates` (bytes and busy time from the page's activity). */
export const ratesBetween = (before: Reading, after: Reading): Rates => {
  const seconds = Math.max(after.at - before.at, 1) / 1000
  const busyMs = after.activity.busyMs - before.activity.busyMs
  return {
    seconds,
    bytesPerSecond: Math.max(0, after.activity.bytes - before.activity.bytes) / seconds,
    filesPerSecond: Math.max(0, filesDone(after.snapshot) - filesDone(before.snapshot)) / seconds,
    utilisation: Math.min(1, Math.max(0, busyMs) / (seconds * 1000 * workersOf(before, after)))
  }
}

export const pointBetween = (before: Reading, after: Reading): PerformancePoint => {
  const r = ratesBetween(before, after)
  const heap = after.snapshot.memory["heap"]
  const hits = cacheHitRate(after.snapshot)
  return {
    at: after.at,
    mbPerSecond: r.bytesPerSecond / MB,
    busyPercent: r.utilisation * 100,
    heapMB: heap === undefined ? null : heap / MB,
    longTasks: Math.max(0, after.snapshot.longTaskMs.count - before.snapshot.longTaskMs.count),
    cacheHitPercent: hits === undefined ? null : hits * 100
  }
}

/** The job being watched: from the reading before its first work to now, or to its end. */
export interface JobWindow {
  readonly from: Reading
  readonly to: Reading
  readonly running: boolean
}

const worked = (before: Reading, after: Reading): boolean =>
  after.activity.running > 0 ||
  after.activity.bytes > before.activity.bytes ||
  after.activity.busyMs > before.activity.busyMs ||
  filesDone(after.snapshot) > filesDone(before.snapshot)

/**
 * Follows jobs across readings: a job starts at the last reading before work shows and
 * ends at the first reading after which nothing more happened; the last job stays until
 * the next one starts (the page shows what it did, and recommendations are about it).
 */
export const followJob = (job: JobWindow | undefined, before: Reading, after: Reading): JobWindow | undefined => {
  if (worked(before, after)) {
    return job?.running === true ? { from: job.from, to: after, running: true } : { from: before, to: after, running: true }
  }
  return job?.running === true ? { ...job, running: false } : job
}
