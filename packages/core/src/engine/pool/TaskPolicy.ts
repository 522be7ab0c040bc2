import { Duration } from "effect"

/**
 * How long a task may take before its worker counts as hung: from the bytes it reads at
 * the slowest healthy rate (hashing, encryption), from an estimate of its CPU time that
 * the caller gives (a KDF, a key generation), or no limit at all.
 */
export type Deadline =
  | { readonly _tag: "Bytes"; readonly bytes: number }
  | { readonly _tag: "Cpu"; readonly estimate: Duration.Input }
  | { readonly _tag: "None" }

export const Deadline = {
  bytes: (bytes: number): Deadline => ({ _tag: "Bytes", bytes }),
  cpu: (estimate: Duration.Input): Deadline => ({ _tag: "Cpu", estimate }),
  none: { _tag: "None" } as Deadline
}

/**
 * What an operation declares of each of its tasks, so that the pool can supervise it
 * knowing nothing else of it.
 */
export interface TaskPolicy {
  readonly deadline: Deadline
  /**
   * Streamed tasks: the longest they may go without an event before their worker counts
   * as hung. `"pool"` is the pool's own limit (workers report every 100 ms); undefined
   * never stops a stream for silence (a pipe whose writer pauses, a task with no events).
   */
  readonly stall?: Duration.Input | "pool" | undefined
  /** The task gives the same result when run again: it may be retried after a transient failure. */
  readonly idempotent: boolean
  /**
   * The task may run on the calling thread: while the breaker is open, after its worker
   * crashed (`retryCrashedInline`), or when the workers cannot run at all.
   */
  readonly fallback: boolean
}

/** The slowest rate a healthy worker is allowed: below it, a task has hung. */
export const SLOWEST_HEALTHY_BYTES_PER_SECOND = 16 * 1024 * 1024
/** Every deadline includes this much for a worker's start and a busy machine. */
export const DEADLINE_BASE = Duration.seconds(2)
/**
 * A CPU-time estimate is stretched this much: the machine may be shared, and a worker
 * may get a fraction of a core.
 */
export const CPU_ESTIMATE_MARGIN = 4
/** A streamed task that reports nothing for this long has hung (workers report every 100 ms). */
export const DEFAULT_STALL_TIMEOUT = Duration.seconds(5)

/** The deadline of a task of `bytes`: the base, plus the bytes at the slowest healthy rate. */
export const defaultDeadline = (bytes: number): Duration.Duration =>
  Duration.sum(DEADLINE_BASE, Duration.millis((bytes / SLOWEST_HEALTHY_BYTES_PER_SECOND) * 1000))

/**
 * The limit a deadline sets, undefined for none. `bytesDeadline` is the pool's rule for
 * bytes (tests shorten it).
 */
export const deadlineDuration = (
  deadline: Deadline,
  bytesDeadline: (bytes: number) => Duration.Input = defaultDeadline
): Duration.Duration | undefined => {
  switch (deadline._tag) {
    case "Bytes":
      return Duration.fromInputUnsafe(bytesDeadline(deadline.bytes))
    case "Cpu":
      return Duration.sum(DEADLINE_BASE, Duration.times(Duration.fromInputUnsafe(deadline.estimate), CPU_ESTIMATE_MARGIN))
    case "None":
      return undefined
  }
}
