import { Cause, Effect, Exit, Fiber, Layer } from "effect"
import * as SluiceNode from "@sluice/core/node"
import type { WorkerPool } from "@sluice/core"
import { Worker } from "node:worker_threads"
import type { EarlyWorker } from "./earlyWorker.js"
import { ExitCode } from "./exitCodes.js"

export interface PoolOptions {
  readonly workers?: string | undefined
  /** Workers the entry started early, given to the pool as its first ones. */
  readonly early?: ReadonlyArray<EarlyWorker> | undefined
}

/** `--workers N`: a whole number from 0 to 256, or undefined when the text is anything else. */
export const parseWorkers = (text: string): number | undefined =>
  /^\d+$/.test(text) && Number(text) <= 256 ? Number(text) : undefined

/** `--workers 0` runs inline on the main thread; the default is one worker per core. */
export const poolLayer = (options: PoolOptions): Layer.Layer<WorkerPool, unknown> => {
  const workers = options.workers === undefined ? undefined : parseWorkers(options.workers)
  if (workers === 0) return SluiceNode.layerInline
  const early = [...(options.early ?? [])]
  const spawn = () => early.shift()?.adopt() ?? new Worker(new URL("./worker.js", import.meta.url))
  return SluiceNode.layer(workers === undefined ? { spawn } : { workers, spawn })
}

/**
 * Runs a command's program to its exit code. Ctrl-C interrupts it: finalizers stop the
 * workers before the process exits with 130.
 */
export const runCommand = async (
  program: Effect.Effect<ExitCode, never, WorkerPool>,
  options: PoolOptions
): Promise<ExitCode> => {
  const fiber = Effect.runFork(program.pipe(Effect.provide(poolLayer(options))))
  let interrupted = false
  const onSigint = () => {
    interrupted = true
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.once("SIGINT", onSigint)
  try {
    const exit = await Effect.runPromise(Fiber.await(fiber))
    if (Exit.isSuccess(exit)) return exit.value
    if (interrupted || Cause.hasInterruptsOnly(exit.cause)) return ExitCode.interrupted
    process.stderr.write(`sluice: internal error: ${Cause.pretty(exit.cause)}\n`)
    return ExitCode.internal
  } finally {
    process.removeListener("SIGINT", onSigint)
  }
}
