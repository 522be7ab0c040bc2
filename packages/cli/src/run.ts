/**
 * How a command's program runs: its pool, Ctrl-C, the lines it prints, the outputs it has
 * under way. Over whichever pool it is given, and nothing else: `sluice derive` runs on
 * derive's inline pool from here without loading what the other commands' pools and the
 * result cache need (runtime.ts builds those).
 */
import { Cause, Effect, Exit, Fiber, type Layer, Stream, SubscriptionRef } from "effect"
import { WorkerPool } from "@sluice/core/node/derive-engine"
import { rmSync } from "node:fs"
import type { Worker } from "node:worker_threads"
import { ExitCode } from "./exitCode.js"

/** `--workers N`: a whole number from 0 to 256, or undefined when the text is anything else. */
export const parseWorkers = (text: string): number | undefined =>
  /^\d+$/.test(text) && Number(text) <= 256 ? Number(text) : undefined

// After Ctrl-C nothing more reaches stdout or stderr but the line that says so: a
// result printed after the user asked to stop could be taken for a complete output.
let quiet = false

const NEWLINE = Buffer.from("\n")

/** A line (text, or bytes: a name that is not UTF-8 is printed as it is) and its newline. */
export const lineBytes = (line: string | Uint8Array): string | Buffer =>
  typeof line === "string" ? line + "\n" : Buffer.concat([line, NEWLINE])

/** A line on stdout, unless the run was interrupted. */
export const printOut = (line: string | Uint8Array): void => {
  if (!quiet) process.stdout.write(lineBytes(line))
}

/** A line on stderr, unless the run was interrupted. */
export const printErr = (line: string | Uint8Array): void => {
  if (!quiet) process.stderr.write(lineBytes(line))
}

/**
 * Output files being written (`-o`): their temporary file while it exists, and the
 * destinations that ended up not written. A command keeps these up to date; Ctrl-C
 * reads them to remove what finalizers had no time to, and to say what was not written.
 */
export const outputs = {
  pending: new Map<string, string>(),
  notWritten: new Set<string>()
}

/**
 * Finalizers (removing a temporary file, closing the pool) get this long after Ctrl-C;
 * then the process exits anyway.
 */
export const INTERRUPT_GRACE_MS = 500

const removePendingOutputs = () => {
  for (const [temp, path] of outputs.pending) {
    // A temporary file, or a directory of them (keygen's staging directories).
    rmSync(temp, { recursive: true, force: true })
    outputs.notWritten.add(path)
  }
  outputs.pending.clear()
}

const interruptedLine = () => {
  const lost = [...outputs.notWritten]
  const clearLine = process.stderr.isTTY ? "\r\x1b[2K" : ""
  return `${clearLine}sluice: interrupted${lost.length === 0 ? "" : `; not written: ${lost.join(", ")}`}\n`
}

/** The message stderr gets when the pool's circuit breaker opens: once per opening. */
export const breakerOpenedLine = (reason: string): string =>
  `sluice: warning: the worker threads keep failing (${reason}); going on on the main thread, more slowly`

/**
 * Says on stderr when work leaves the workers, so a slow run is not a mystery. A pool on
 * the calling thread has no workers to leave (its breaker never opens): nothing to watch.
 */
const withHealthWarnings = <A, E>(program: Effect.Effect<A, E, WorkerPool>) =>
  Effect.gen(function*() {
    const pool = yield* WorkerPool
    if (pool.kind === "inline") return yield* program
    let open = false
    yield* SubscriptionRef.changes(pool.health).pipe(
      Stream.runForEach(({ breaker }) =>
        Effect.sync(() => {
          if (breaker._tag === "open" && !open) printErr(breakerOpenedLine(breaker.reason))
          open = breaker._tag === "open"
        })
      ),
      Effect.forkScoped
    )
    return yield* program
  }).pipe(Effect.scoped)

/**
 * Runs a command's program to its exit code. Ctrl-C stops it within a moment: the
 * program's fiber is interrupted (its finalizers remove temporary files), and the
 * worker threads are terminated at once. A worker in a blocking read-and-hash loop
 * never reads the pool's interrupt message, and the pool's own shutdown would wait 5 s
 * for it to close, so terminating is the only prompt stop. A second Ctrl-C exits at once.
 */
export const runOnPool = async (
  program: Effect.Effect<ExitCode, never, WorkerPool>,
  /** The pool (and what else the program needs); `started` hears of every worker thread it starts. */
  layers: (started: (worker: Worker) => void) => Layer.Layer<WorkerPool, unknown>
): Promise<ExitCode> => {
  const workers = new Set<Worker>()
  let interrupted = false
  const started = (worker: Worker) => {
    // A worker started while the pool shuts down after Ctrl-C has nothing to do.
    if (interrupted) return void worker.terminate()
    workers.add(worker)
    worker.once("exit", () => workers.delete(worker))
  }
  const fiber = Effect.runFork(withHealthWarnings(program).pipe(Effect.provide(layers(started))))
  let grace: NodeJS.Timeout | undefined
  /** The workers stopping after Ctrl-C: their outputs are removed once they have (keygen's workers write files). */
  let terminated: Promise<unknown> = Promise.resolve()
  let onSigint = () => {}
  const stopped = new Promise<void>((resolve) => {
    onSigint = () => {
      if (interrupted) {
        removePendingOutputs()
        process.stderr.write(interruptedLine())
        process.exit(ExitCode.interrupted)
      }
      interrupted = true
      quiet = true
      Effect.runFork(Fiber.interrupt(fiber))
      terminated = Promise.allSettled([...workers].map((worker) => worker.terminate()))
      grace = setTimeout(resolve, INTERRUPT_GRACE_MS)
    }
  })
  process.on("SIGINT", onSigint)
  try {
    const exit = await Promise.race([Effect.runPromise(Fiber.await(fiber)), stopped])
    if (interrupted || exit === undefined) {
      // A worker still writing could make again what the finalizers removed: wait for them
      // to stop, within the grace (one stuck in a system call must not hold the exit).
      await Promise.race([terminated, stopped])
      removePendingOutputs()
      process.stderr.write(interruptedLine())
      return ExitCode.interrupted
    }
    if (Exit.isSuccess(exit)) return exit.value
    if (Cause.hasInterruptsOnly(exit.cause)) return ExitCode.interrupted
    process.stderr.write(`sluice: internal error: ${Cause.pretty(exit.cause)}\n`)
    return ExitCode.internal
  } finally {
    clearTimeout(grace)
    process.removeListener("SIGINT", onSigint)
    // Interrupted, the program is on its way out: another Ctrl-C before it exits ends it
    // the same way (exit 130, outputs already removed), never by the signal's default.
    if (interrupted) process.on("SIGINT", () => process.exit(ExitCode.interrupted))
  }
}
