/**
 * Rules over a snapshot that tell the user something they can act on. Each rule is a
 * pure function of what was measured; none fires on a job too small to say anything.
 */
import type { PerformanceSnapshot, Rates } from "./Snapshot.js"

export interface Recommendation {
  readonly id: string
  readonly severity: "info" | "warning"
  /** What was seen and what to do, in words any front end can show. */
  readonly message: string
  /** The same action on the command line (`-a blake3`, `-w 1`), for the CLI to add. */
  readonly cli?: string
}

export interface Observed {
  readonly snapshot: PerformanceSnapshot
  /** What happened over the job (or the last interval of a live view). */
  readonly rates?: Rates | undefined
  /** Calibrated speeds here, bytes per second by algorithm (`sluice doctor`, the bench). */
  readonly calibration?: Readonly<Record<string, number>> | undefined
  /** The algorithms the job used. */
  readonly algorithms?: ReadonlyArray<string> | undefined
  /** The most workers the pool may run. */
  readonly poolSize?: number | undefined
  /** Memory the job should stay under, bytes (RSS in Node, JS heap in a page). */
  readonly memoryBudget?: number | undefined
  /** The kernels in use: native (node:crypto), wasm, or js (no WebAssembly). */
  readonly kernel?: "native" | "wasm" | "js" | undefined
}

type Rule = (observed: Observed) => Recommendation | undefined

const percent = (x: number) => `${Math.round(x * 100)} %`
const MiB = 1024 * 1024

/** Where BLAKE3 beats the SHA-2 or legacy algorithm the job used by half again or more. */
export const fasterAlgorithm: Rule = ({ algorithms, calibration }) => {
  const blake3 = calibration?.["blake3"]
  if (blake3 === undefined || algorithms === undefined || algorithms.includes("blake3")) return undefined
  const used = algorithms.find((a) => calibration?.[a] !== undefined)
  if (used === undefined) return undefined
  const ratio = blake3 / calibration![used]!
  if (ratio < 1.5) return undefined
  return {
    id: "faster-algorithm",
    severity: "info",
    message: `BLAKE3 is ${ratio.toFixed(1)}× faster than ${used.toUpperCase()} on this machine: for integrity checks of your own files, BLAKE3 does the same job faster (keep ${used} where a peer expects it).`,
    cli: "-a blake3"
  }
}

/** Tasks waited while every worker was busy: the job is bound by the CPU. */
export const poolSaturated: Rule = ({ poolSize, rates, snapshot }) => {
  if (rates === undefined || rates.seconds < 1 || rates.utilisation < 0.9) return undefined
  if (snapshot.pool.queueDepth < 1 || (poolSize !== undefined && snapshot.pool.workers < poolSize)) return undefined
  return {
    id: "pool-saturated",
    severity: "info",
    message: `All ${snapshot.pool.workers} workers were busy ${percent(rates.utilisation)} of the time with ${snapshot.pool.queueDepth} tasks waiting: the job is bound by the CPU, so more cores (or a faster algorithm) would make it faster.`
  }
}

/** Several workers, mostly idle: reading is the bottleneck, not hashing. */
export const poolIdle: Rule = ({ rates, snapshot }) => {
  if (rates === undefined || rates.seconds < 1 || snapshot.pool.workers < 2 || rates.bytesPerSecond === 0) return undefined
  if (rates.utilisation >= 0.3) return undefined
  return {
    id: "pool-idle",
    severity: "info",
    message: `The ${snapshot.pool.workers} workers were idle ${percent(1 - rates.utilisation)} of the time: the job waits on reading (the disk, the network), so fewer workers would be as fast and use less memory.`,
    cli: "-w 1"
  }
}

/** The cache answers rarely: most files changed since they were cached. */
export const cacheMissing: Rule = ({ snapshot }) => {
  const first = snapshot.cache[0]
  if (first === undefined) return undefined
  const lookups = first.hits + first.misses
  const hits = snapshot.cache.reduce((n, level) => n + level.hits, 0)
  if (lookups < 50 || hits === 0 || hits / lookups >= 0.5) return undefined
  return {
    id: "cache-missing",
    severity: "info",
    message: `Only ${percent(hits / lookups)} of ${lookups} files were answered from the cache: the others changed since they were cached (or were never hashed with these algorithms), so they were read again.`
  }
}

/** A cache level could not be used; results are right, runs slower. */
export const cacheDegraded: Rule = ({ snapshot }) => {
  const level = snapshot.cacheDegraded[0]
  if (level === undefined) return undefined
  return {
    id: "cache-degraded",
    severity: "warning",
    message: `The ${level.level} cache is not in use (${level.reason}): results are still right, but nothing is remembered between runs. Check where it is stored: the cache directory, or the site's storage in the browser's settings.`,
    cli: "sluice cache stats"
  }
}

/** Memory close to the budget it should stay under. */
export const memoryNearBudget: Rule = ({ memoryBudget, snapshot }) => {
  const used = snapshot.memory["rss"] ?? snapshot.memory["heap"]
  if (memoryBudget === undefined || used === undefined || used < 0.8 * memoryBudget) return undefined
  return {
    id: "memory-near-budget",
    severity: "warning",
    message: `Memory is at ${(used / MiB).toFixed(0)} MiB, ${percent(used / memoryBudget)} of the ${(memoryBudget / MiB).toFixed(0)} MiB budget: fewer workers use less.`,
    cli: "-w 1"
  }
}

/** Work ran on the calling thread because workers failed. */
export const fallbackInUse: Rule = ({ snapshot }) => {
  const { breaker, fallbackTasks, restarts } = snapshot.pool
  if (fallbackTasks === 0 && breaker === "closed") return undefined
  return {
    id: "fallback-in-use",
    severity: "warning",
    message: breaker === "closed"
      ? `${fallbackTasks} tasks ran on the main thread after their worker crashed (${restarts} workers replaced): if it keeps happening, the machine may be short of memory.`
      : `The worker threads keep failing, so work runs on the main thread (circuit breaker ${breaker}), more slowly. ${restarts} workers failed to start or crashed.`
  }
}

/** No WebAssembly: every kernel is the pure-JavaScript one. */
export const pureJsKernel: Rule = ({ calibration, kernel }) => {
  if (kernel !== "js") return undefined
  return {
    id: "pure-js-kernel",
    severity: "warning",
    message: `WebAssembly is not available here (a Content-Security-Policy without 'wasm-unsafe-eval' blocks it), so hashing runs in plain JavaScript${calibration?.["sha256"] === undefined ? "" : ` at ${(calibration["sha256"] / 1e6).toFixed(0)} MB/s for SHA-256`}, several times slower.`
  }
}

/** The main thread stalled: the page janked or the CLI's progress froze. */
export const mainThreadBlocked: Rule = ({ snapshot }) => {
  const longest = Math.max(snapshot.longTaskMs.max, snapshot.eventLoopDelayMs.max)
  if (longest <= 100) return undefined
  return {
    id: "main-thread-blocked",
    severity: "warning",
    message: `The main thread was blocked for up to ${longest.toFixed(0)} ms (${snapshot.longTaskMs.count} long tasks): something heavy ran outside the workers.`
  }
}

export const RULES: ReadonlyArray<Rule> = [
  cacheDegraded,
  fallbackInUse,
  pureJsKernel,
  memoryNearBudget,
  mainThreadBlocked,
  poolSaturated,
  poolIdle,
  cacheMissing,
  fasterAlgorithm
]

/** Every recommendation that applies, warnings first. */
export const recommend = (observed: Observed): ReadonlyArray<Recommendation> =>
  RULES.flatMap((rule) => rule(observed) ?? [])
