import { Clock, Effect } from "effect"
import type { WorkerError } from "../engine/errors.js"
import type { WorkerPool } from "../engine/pool/WorkerPool.js"
import { derive } from "./derive.js"
import type { DeriveError } from "./DeriveError.js"
import type { Argon2idParams, DeriveParams, Pbkdf2Params, ScryptParams } from "./params.js"
import { DERIVE_LIMITS, memoryCeiling } from "./validateDerive.js"

export const CALIBRATED_ALGORITHMS = ["argon2id", "scrypt", "pbkdf2-sha256", "pbkdf2-sha512"] as const
export type CalibratedAlgorithm = typeof CALIBRATED_ALGORITHMS[number]

export interface CalibrateOptions {
  readonly algorithm: CalibratedAlgorithm
  /** The time one derivation should take on this machine. */
  readonly targetMs: number
  /** The most memory the chosen parameters may need (bytes); the fixed 4 GiB at most. */
  readonly maxMemoryBytes?: number | undefined
  readonly length?: number | undefined
  /** Argon2id's lanes (default 4, RFC 9106 §4's recommendation). */
  readonly parallelism?: number | undefined
}

/** One measured derivation of the search. */
export interface CalibrationTrial {
  readonly params: DeriveParams
  readonly ms: number
}

export interface Calibration {
  /** The chosen parameters, with the calibration's stand-in password and salt (not to be used). */
  readonly params: DeriveParams
  /** Their measured time here, in milliseconds. */
  readonly ms: number
  /** What stopped the search: the time target, or the memory ceiling (Argon2id then adds passes). */
  readonly limitedBy: "time" | "memory"
  readonly trials: ReadonlyArray<CalibrationTrial>
}

const KiB = 1024
const MiB = 1024 * KiB
/** Stand-ins: what is timed is the parameters, never a real password. */
const PASSWORD = new TextEncoder().encode("sluice calibration")
const SALT = new TextEncoder().encode("sluice-calibrate")

/**
 * Picks parameters for a target time and a memory ceiling by timing real derivations on
 * the pool's workers (the same path, kernel and thread as `derive`), each a task with its
 * own CPU deadline. Every cost here grows linearly with its parameter, so each trial
 * predicts the next; the answer is the last measured one at or under the target (or the
 * cheapest allowed, if even that is over).
 * - Argon2id: memory first, up to the ceiling (RFC 9106 §4: as much memory as can be
 *   spared), then passes; lanes fixed.
 * - scrypt: r = 8, p = 1; N doubled while the doubled time fits and its memory is under the ceiling.
 * - PBKDF2: iterations, rounded to thousands.
 */
export const calibrate = (options: CalibrateOptions): Effect.Effect<Calibration, DeriveError | WorkerError, WorkerPool> =>
  Effect.gen(function*() {
    const ceiling = memoryCeiling({ maxMemoryBytes: options.maxMemoryBytes })
    const limits = { maxMemoryBytes: ceiling }
    const length = options.length ?? 32
    const target = options.targetMs
    const trials: Array<CalibrationTrial> = []
    const time = (params: DeriveParams) =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        const key = yield* derive(params, limits)
        const trial: CalibrationTrial = { params, ms: (yield* Clock.currentTimeMillis) - started }
        key.fill(0)
        trials.push(trial)
        return trial
      })
    // A first tiny derivation starts a worker: its start is not what is measured.
    yield* derive({ algorithm: "pbkdf2-sha256", password: PASSWORD, salt: SALT, iterations: 1, length: 32 })

    /**
     * Linear search of one cost in [min, max] (rounded by `round`): the best measured
     * trial at or under the target, else the cheapest measured.
     */
    const fit = (make: (cost: number) => DeriveParams, start: number, min: number, max: number, round: (cost: number) => number) =>
      Effect.gen(function*() {
        let cost = Math.min(Math.max(start, min), max)
        let last = yield* time(make(cost))
        const measured = [{ cost, trial: last }]
        for (let i = 0; i < 6; i++) {
          // Aim a little under the target: a second run is rarely faster than the first.
          const next = Math.min(max, Math.max(min, round(cost * (target * 0.95) / Math.max(last.ms, 1))))
          if (next === cost || measured.some((m) => m.cost === next)) break
          cost = next
          last = yield* time(make(cost))
          measured.push({ cost, trial: last })
          if (last.ms <= target && last.ms >= target * 0.85) break
        }
        const under = measured.filter((m) => m.trial.ms <= target).sort((a, b) => b.cost - a.cost)
        return under[0] ?? measured.sort((a, b) => a.cost - b.cost)[0]!
      })

    if (options.algorithm === "argon2id") {
      const p = options.parallelism ?? 4
      const make = (memoryKiB: number, passes: number): Argon2idParams =>
        ({ algorithm: "argon2id", password: PASSWORD, salt: SALT, memoryKiB, passes, parallelism: p, length })
      const maxKiB = Math.floor(ceiling / KiB)
      const toMiB = (kib: number) => kib >= 1024 ? Math.floor(kib / 1024) * 1024 : Math.max(8 * p, Math.floor(kib))
      const byMemory = yield* fit((m) => make(m, 1), Math.min(16 * 1024, maxKiB), 8 * p, maxKiB, toMiB)
      if (byMemory.cost < maxKiB || byMemory.trial.ms > target * 0.85) {
        return { ...byMemory.trial, limitedBy: byMemory.cost >= maxKiB ? "memory" : "time", trials }
      }
      // All the memory allowed takes less than the target: more passes over it.
      const byPasses = yield* fit((t) => make(maxKiB, t), Math.max(1, Math.floor(target / Math.max(byMemory.trial.ms, 1))), 1, DERIVE_LIMITS.maxArgon2Passes, Math.floor)
      return { ...(byPasses.cost === 1 && byPasses.trial.ms > byMemory.trial.ms ? byMemory.trial : byPasses.trial), limitedBy: "memory", trials }
    }

    if (options.algorithm === "scrypt") {
      const make = (logN: number): ScryptParams => ({ algorithm: "scrypt", password: PASSWORD, salt: SALT, logN, r: 8, p: 1, length })
      const fits = (logN: number) => 128 * 8 * (2 ** logN + 1) <= ceiling
      let logN = 10
      while (logN > 1 && !fits(logN)) logN--
      let best = yield* time(make(logN))
      let limitedBy: "time" | "memory" = "time"
      while (logN < DERIVE_LIMITS.maxScryptLogN) {
        if (!fits(logN + 1)) {
          limitedBy = "memory"
          break
        }
        // Doubling N doubles the time: predict, and measure only what should fit.
        if (best.ms * 2 > target * 1.05) break
        const next = yield* time(make(logN + 1))
        if (next.ms > target) break
        logN += 1
        best = next
      }
      return { ...best, limitedBy, trials }
    }

    const algorithm = options.algorithm
    const make = (iterations: number): Pbkdf2Params => ({ algorithm, password: PASSWORD, salt: SALT, iterations, length })
    const thousands = (n: number) => Math.max(1000, Math.floor(n / 1000) * 1000)
    const byIterations = yield* fit(make, 10_000, 1000, DERIVE_LIMITS.maxIterations, thousands)
    return { ...byIterations.trial, limitedBy: "time", trials }
  })
