import { Effect, SubscriptionRef } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { makeCircuitBreaker } from "./CircuitBreaker.js"

const run = <A>(effect: Effect.Effect<A>) => Effect.runPromise(effect.pipe(Effect.provide(TestClock.layer())))

describe("CircuitBreaker", () => {
  it("stays closed below the threshold, and a success resets the count", () =>
    run(Effect.gen(function*() {
      const breaker = yield* makeCircuitBreaker({ threshold: 3 })
      yield* breaker.onFailure("crashed")
      yield* breaker.onFailure("crashed")
      yield* breaker.onSuccess
      yield* breaker.onFailure("crashed")
      yield* breaker.onFailure("crashed")
      expect(yield* SubscriptionRef.get(breaker.state)).toEqual({ _tag: "closed", failures: 2 })
      expect(yield* breaker.allow).toBe(true)
    })))

  it("opens after `threshold` failures in a row and sends work to the fallback until retryAt", () =>
    run(Effect.gen(function*() {
      const breaker = yield* makeCircuitBreaker({ threshold: 3, openFor: "5 seconds" })
      for (let i = 0; i < 3; i++) yield* breaker.onFailure("worker could not start")
      expect(yield* SubscriptionRef.get(breaker.state)).toMatchObject({ _tag: "open", retryAt: 5000, reason: "worker could not start" })
      expect(yield* breaker.allow).toBe(false)
      yield* TestClock.adjust("4999 millis")
      expect(yield* breaker.allow).toBe(false)
    })))

  it("half-opens after openFor, lets exactly one trial through, and closes when it succeeds", () =>
    run(Effect.gen(function*() {
      const breaker = yield* makeCircuitBreaker({ threshold: 1, openFor: "5 seconds" })
      yield* breaker.onFailure("crashed")
      yield* TestClock.adjust("5 seconds")
      expect(yield* breaker.allow).toBe(true)
      expect((yield* SubscriptionRef.get(breaker.state))._tag).toBe("half-open")
      expect(yield* breaker.allow).toBe(false)
      yield* breaker.onSuccess
      expect(yield* SubscriptionRef.get(breaker.state)).toEqual({ _tag: "closed", failures: 0 })
      expect(yield* breaker.allow).toBe(true)
    })))

  it("a failed trial reopens it for twice as long, up to maxOpenFor", () =>
    run(Effect.gen(function*() {
      const breaker = yield* makeCircuitBreaker({ threshold: 1, openFor: "5 seconds", maxOpenFor: "15 seconds" })
      yield* breaker.onFailure("crashed") // open until 5 s
      yield* TestClock.adjust("5 seconds")
      yield* breaker.allow
      yield* breaker.onFailure("crashed") // reopened at 5 s for 10 s
      expect(yield* SubscriptionRef.get(breaker.state)).toMatchObject({ _tag: "open", since: 5000, retryAt: 15000 })
      yield* TestClock.adjust("10 seconds")
      yield* breaker.allow
      yield* breaker.onFailure("crashed") // reopened at 15 s for min(20, 15) s
      expect(yield* SubscriptionRef.get(breaker.state)).toMatchObject({ _tag: "open", since: 15000, retryAt: 30000 })
    })))

  it("after closing, the next opening waits openFor again", () =>
    run(Effect.gen(function*() {
      const breaker = yield* makeCircuitBreaker({ threshold: 1, openFor: "5 seconds" })
      yield* breaker.onFailure("crashed")
      yield* TestClock.adjust("5 seconds")
      yield* breaker.allow
      yield* breaker.onSuccess
      yield* breaker.onFailure("crashed")
      expect(yield* SubscriptionRef.get(breaker.state)).toMatchObject({ _tag: "open", since: 5000, retryAt: 10000 })
    })))
})
