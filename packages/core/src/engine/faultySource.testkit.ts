/**
 * Fault injection for tests (issue 4): a `ByteSource` that fails, crashes its thread or
 * hangs when it opens chosen sources, a set number of times. Counts live in an
 * `Int32Array`, which may be backed by a `SharedArrayBuffer` so that every worker of a
 * pool draws from the same budget: "fail the first 3 opens of big.bin", wherever they run.
 */
import { Effect, Layer } from "effect"
import { ReadFailed, sourceError } from "./errors.js"
import { sourceName } from "./Source.js"
import { ByteSource, type ByteReader } from "./ByteSource.js"

export type Fault =
  /** The open fails with `ReadFailed` and this errno code (EAGAIN is transient, EIO is not). */
  | { readonly _tag: "fail"; readonly code: string }
  /** The thread dies mid-task, as a worker does on an out-of-memory error or a bug. */
  | { readonly _tag: "crash" }
  /** The thread spins and never answers, as a worker stuck in a runaway loop does. */
  | { readonly _tag: "hang" }

export interface FaultRule {
  /** Sources whose name ends with this. */
  readonly match: string
  readonly fault: Fault
  /** How many reads of a matching source suffer the fault; later ones succeed. */
  readonly times: number
  /** The fault strikes the first read at or past this byte (0: the first read). */
  readonly atByte?: number
}

export interface FaultActions {
  /** Ends the current thread at once; a worker entry passes `() => process.exit(70)`. */
  readonly crash: () => never
}

/** A budget per rule: `counters[i]` counts the faults rule `i` has injected so far (at most its `times`). */
export const makeCounters = (rules: ReadonlyArray<FaultRule>): Int32Array =>
  new Int32Array(new SharedArrayBuffer(4 * Math.max(1, rules.length)))

const spin = (): never => {
  for (;;) {
    // Busy, not waiting: a hung handler gives its thread no chance to read messages.
  }
}

/** Wraps the environment's `ByteSource` so that reads obey `rules`. */
export const layerFaulty = (
  rules: ReadonlyArray<FaultRule>,
  counters: Int32Array,
  actions: FaultActions
): Layer.Layer<ByteSource, never, ByteSource> =>
  Layer.effect(ByteSource)(Effect.gen(function*() {
    const inner = yield* ByteSource
    return {
      open: (source) =>
        Effect.map(inner.open(source), (reader): ByteReader => {
          const name = sourceName(source)
          const index = rules.findIndex((rule) => name.endsWith(rule.match))
          const rule = rules[index]
          if (rule === undefined) return reader
          /** The fault this read suffers, if any; each one spends the rule's budget. */
          const strike = (position: number | undefined): Fault | undefined => {
            if ((position ?? 0) < (rule.atByte ?? 0)) return undefined
            for (;;) {
              const spent = Atomics.load(counters, index)
              if (spent >= rule.times) return undefined
              if (Atomics.compareExchange(counters, index, spent, spent + 1) === spent) return rule.fault
            }
          }
          const act = (fault: Fault) => {
            switch (fault._tag) {
              case "fail":
                return sourceError(new ReadFailed({ path: name, code: fault.code }))
              case "crash":
                return actions.crash()
              case "hang":
                return spin()
            }
          }
          const readSync = reader.readSync
          const readInto = reader.readInto
          return {
            size: reader.size,
            read: (buffer, position, length) =>
              Effect.suspend(() => {
                const fault = strike(position)
                return fault === undefined ? reader.read(buffer, position, length) : Effect.fail(act(fault))
              }),
            readInto: readInto && ((buffer, position, length, done) => {
              const fault = strike(position)
              if (fault === undefined) return readInto(buffer, position, length, done)
              done(act(fault), 0)
            }),
            readSync: readSync && ((buffer, position, length) => {
              const fault = strike(position)
              if (fault !== undefined) throw act(fault)
              return readSync(buffer, position, length)
            })
          }
        })
    }
  }))
