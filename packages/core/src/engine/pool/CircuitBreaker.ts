import { Clock, Duration, Effect, SubscriptionRef } from "effect"

/**
 * The pool's health as a breaker sees it. `closed`: work goes to the workers. `open`:
 * workers failed `threshold` times in a row, so work runs on the fallback until `retryAt`.
 * `half-open`: one task tries the workers again; its outcome closes or reopens the breaker.
 */
export type BreakerState =
  | { readonly _tag: "closed"; readonly failures: number }
  | { readonly _tag: "open"; readonly since: number; readonly retryAt: number; readonly reason: string }
  | { readonly _tag: "half-open"; readonly reason: string }

export interface BreakerOptions {
  /** Consecutive worker failures that open the breaker. */
  readonly threshold?: number
  /** How long it stays open before one task tries the workers again; doubles on each reopening. */
  readonly openFor?: Duration.Input
  /** The longest it stays open. */
  readonly maxOpenFor?: Duration.Input
}

export const DEFAULT_THRESHOLD = 3
export const DEFAULT_OPEN_FOR = Duration.seconds(5)
export const DEFAULT_MAX_OPEN_FOR = Duration.minutes(2)

export interface CircuitBreaker {
  /** The current state, for a status line or metrics; `changes` of it for a live UI. */
  readonly state: SubscriptionRef.SubscriptionRef<BreakerState>
  /**
   * Whether the next task may use the workers. In `open` past `retryAt` the breaker turns
   * `half-open` and lets exactly this one task through.
   */
  readonly allow: Effect.Effect<boolean>
  readonly onSuccess: Effect.Effect<void>
  /** A worker failure (crash, deadline, failed start); `reason` says which, for the UI. */
  readonly onFailure: (reason: string) => Effect.Effect<void>
}

export const makeCircuitBreaker = (options: BreakerOptions = {}): Effect.Effect<CircuitBreaker> =>
  Effect.gen(function*() {
    const threshold = options.threshold ?? DEFAULT_THRESHOLD
    const openFor = Duration.toMillis(Duration.fromInputUnsafe(options.openFor ?? DEFAULT_OPEN_FOR))
    const maxOpenFor = Duration.toMillis(Duration.fromInputUnsafe(options.maxOpenFor ?? DEFAULT_MAX_OPEN_FOR))
    const state = yield* SubscriptionRef.make<BreakerState>({ _tag: "closed", failures: 0 })
    /** Openings since the breaker last closed: each one doubles the wait. */
    let openings = 0

    const open = (now: number, reason: string): BreakerState => {
      const wait = Math.min(openFor * 2 ** openings, maxOpenFor)
      openings++
      return { _tag: "open", since: now, retryAt: now + wait, reason }
    }

    const allow = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      SubscriptionRef.modify(state, (current): [boolean, BreakerState] => {
        switch (current._tag) {
          case "closed":
            return [true, current]
          case "half-open":
            // One trial at a time; the rest wait on the fallback for its verdict.
            return [false, current]
          case "open":
            return now >= current.retryAt ? [true, { _tag: "half-open", reason: current.reason }] : [false, current]
        }
      }))

    const onSuccess = SubscriptionRef.update(state, (current): BreakerState => {
      if (current._tag === "closed" && current.failures === 0) return current
      if (current._tag === "open") return current
      openings = 0
      return { _tag: "closed", failures: 0 }
    })

    const onFailure = (reason: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        SubscriptionRef.update(state, (current): BreakerState => {
          switch (current._tag) {
            case "closed":
              return current.failures + 1 >= threshold ? open(now, reason) : { _tag: "closed", failures: current.failures + 1 }
            case "half-open":
              return open(now, reason)
            case "open":
              return current
          }
        }))

    return { state, allow, onSuccess, onFailure }
  })
