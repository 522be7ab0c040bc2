import { Duration, Effect, Schedule, Stream } from "effect"
import { isTransientError } from "../transient.js"

/** The first retry waits this long; each later one twice as long, with ±20 % jitter. */
export const RETRY_BASE = Duration.millis(50)
/** At most this many retries of one task. */
export const RETRY_TIMES = 6
/** No retry starts later than this after the first failure: recovery stays under 5 s. */
export const RETRY_WINDOW = Duration.seconds(4)

/**
 * Exponential backoff with jitter, bounded in count and in time: 50, 100, 200, 400, 800,
 * 1600 ms (±20 %), and none after 4 s. Jitter keeps the tasks of a crashed worker from all
 * returning at once.
 */
export const retrySchedule: Schedule.Schedule<unknown, unknown> = Schedule.max([
  Schedule.jittered(Schedule.exponential(RETRY_BASE)),
  Schedule.recurs(RETRY_TIMES),
  Schedule.during(RETRY_WINDOW)
]).pipe(
  // A crashed worker has been replaced already: waiting would only idle the new one.
  Schedule.modifyDelay(({ duration, input }) => Effect.succeed(crashedWorker(input) ? Duration.zero : duration))
)

const crashedWorker = (input: unknown): boolean => {
  const reason = (input as { reason?: { _tag?: string; kind?: string } } | undefined)?.reason
  return reason?._tag === "WorkerFailure" && reason.kind === "crashed"
}

/** Retries a task while it fails transiently (`isTransient`); a permanent failure is reported at once. */
export const retryTransient = <A, E, R>(
  task: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<unknown, unknown> = retrySchedule
): Effect.Effect<A, E, R> => Effect.retry(task, { schedule, while: isTransientError })

/** `retryTransient` for a stream: it starts again from its beginning. */
export const retryTransientStream = <A, E, R>(
  stream: Stream.Stream<A, E, R>,
  schedule: Schedule.Schedule<unknown, unknown> = retrySchedule
): Stream.Stream<A, E, R> =>
  Stream.retry(stream, Schedule.setInputType<E>()(schedule).pipe(
    Schedule.while(({ input }) => isTransientError(input))
  ))
