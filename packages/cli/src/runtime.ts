import { type Effect, Layer } from "effect"
import * as SluiceNode from "@sluice/core/node"
import type { WorkerPool } from "@sluice/core"
import type { ResourceLimits, Worker } from "node:worker_threads"
import type { EarlyWorker } from "./earlyWorker.js"
import type { ExitCode } from "./exitCodes.js"
import { parseWorkers, runOnPool } from "./run.js"

export {
  breakerOpenedLine,
  INTERRUPT_GRACE_MS,
  lineBytes,
  outputs,
  parseWorkers,
  printErr,
  printOut,
  runOnPool
} from "./run.js"

export interface PoolOptions {
  readonly workers?: string | undefined
  /** `--no-cache` makes it false: nothing is read from or written to the result cache. */
  readonly cache?: boolean | undefined
  /** Workers the entry started early, given to the pool as its first ones. */
  readonly early?: ReadonlyArray<EarlyWorker> | undefined
  /** V8 heap limits of the workers the pool starts itself (keygen's: see its command). */
  readonly workerHeap?: ResourceLimits | undefined
  /** Tasks a worker is given at once (the pool's `tasksPerWorker`; keygen: 2, its batches made in turn). */
  readonly tasksPerWorker?: number | undefined
}

/**
 * `--workers 0` runs inline on the main thread; the default is one worker per core.
 * `started` hears of every worker thread the pool starts.
 */
export const poolLayer = (
  options: PoolOptions,
  started: (worker: Worker) => void = () => {}
): Layer.Layer<WorkerPool, unknown> => {
  const workers = options.workers === undefined ? undefined : parseWorkers(options.workers)
  if (workers === 0) return SluiceNode.layerInline
  const early = [...(options.early ?? [])]
  const spawn = () => {
    // worker_threads loads with the first worker: a run that starts none never evaluates it.
    const worker = early.shift()?.adopt() ??
      new (process.getBuiltinModule("node:worker_threads").Worker)(
        new URL("./worker.js", import.meta.url),
        options.workerHeap === undefined ? {} : { resourceLimits: options.workerHeap }
      )
    started(worker)
    return worker
  }
  // No worker is adopted until a task needs one: a job the cache answers whole exits
  // without waiting for the early worker to finish starting and then close.
  // A job of at most 16 MiB (a re-check where a few files changed, one small file) is
  // hashed here before a worker would have finished starting.
  const supervision = {
    minWorkers: 0,
    inlineJobsBelow: 16 * 1024 * 1024,
    ...(options.tasksPerWorker === undefined ? {} : { tasksPerWorker: options.tasksPerWorker })
  }
  return SluiceNode.layer(workers === undefined ? { spawn, supervision } : { workers, spawn, supervision })
}

/**
 * Runs a command's program to its exit code on the pool `options` ask for, with the
 * result cache unless `cache` is false (`runOnPool`: Ctrl-C, outputs).
 */
export const runCommand = (program: Effect.Effect<ExitCode, never, WorkerPool>, options: PoolOptions): Promise<ExitCode> =>
  runOnPool(program, (started) =>
    options.cache === false
      ? poolLayer(options, started)
      // One run asks for each file once: the disk level alone answers it (no copy in memory).
      : Layer.merge(poolLayer(options, started), SluiceNode.cacheLayer({ memory: false })))
