import { Clock, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { ReadFailed, type SourceError, sourceError, WorkerError, WorkerFailure } from "../errors.js"
import { RETRY_TIMES, retryTransient } from "./retryPolicy.js"

/** Runs `fail` under retryTransient on the test clock; the times (ms) of every attempt. */
const attemptTimes = (failures: number, code: string | WorkerFailure) =>
  Effect.runPromise(Effect.gen(function*() {
    const times: Array<number> = []
    const task: Effect.Effect<string, SourceError | WorkerError> = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      times.push(now)
      return times.length <= failures
        ? Effect.fail(typeof code === "string" ? sourceError(new ReadFailed({ path: "f", code })) : new WorkerError({ reason: code }))
        : Effect.succeed("done")
    })
    const fiber = yield* Effect.forkChild(Effect.exit(retryTransient(task)))
    for (let ms = 0; ms < 10_000; ms += 10) yield* TestClock.adjust("10 millis")
    const exit = yield* Fiber.join(fiber)
    return { times, succeeded: exit._tag === "Success" }
  }).pipe(Effect.provide(TestClock.layer())))

describe("retryTransient", () => {
  it("backs off exponentially from 50 ms, with at most ±20 % jitter", async () => {
    const { succeeded, times } = await attemptTimes(4, "EAGAIN")
    expect(succeeded).toBe(true)
    expect(times).toHaveLength(5)
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    gaps.forEach((gap, i) => {
      const nominal = 50 * 2 ** i
      // The test clock moves in 10 ms steps, so a wake-up is late by up to 10 ms.
      expect(gap).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8 / 10) * 10)
      expect(gap).toBeLessThanOrEqual(nominal * 1.2 + 10)
    })
  })

  it("gives up after the attempt and RETRY_TIMES retries, all within 5 s", async () => {
    const { succeeded, times } = await attemptTimes(Number.POSITIVE_INFINITY, "EBUSY")
    expect(succeeded).toBe(false)
    expect(times).toHaveLength(1 + RETRY_TIMES)
    expect(times.at(-1)! - times[0]!).toBeLessThan(5_000)
  })

  it("never retries a permanent failure", async () => {
    const { succeeded, times } = await attemptTimes(Number.POSITIVE_INFINITY, "EIO")
    expect(succeeded).toBe(false)
    expect(times).toHaveLength(1)
  })

  it("retries a task whose worker crashed at once: the replacement worker is the remedy, not time", async () => {
    const { succeeded, times } = await attemptTimes(3, new WorkerFailure({ detail: "exited", kind: "crashed" }))
    expect(succeeded).toBe(true)
    expect(times).toEqual([0, 0, 0, 0])
  })

  it("backs off for a worker that missed its deadline, as for other transient failures", async () => {
    const { times } = await attemptTimes(2, new WorkerFailure({ detail: "no answer", kind: "timeout" }))
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(40)
  })
})
