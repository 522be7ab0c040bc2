/** A checkpoint level in a Map, for tests: counts its calls and can be told to fail. */
import { Effect } from "effect"
import { CheckpointFailed, type CheckpointLevel, isStoredCheckpoint, type StoredCheckpoint } from "./CheckpointLevel.js"

export interface MemoryCheckpointLevel extends CheckpointLevel {
  /** The records, by key (a test may put anything in it: an old format, a damaged record). */
  readonly entries: Map<string, unknown>
  readonly calls: { get: number; put: number; remove: number; list: number; prune: number }
  /** Every record a put was asked to write, written or not (a failing level still hears of them). */
  readonly puts: Array<StoredCheckpoint>
  /** From now on every call fails, as IndexedDB does in some private modes. */
  readonly fail: (on?: boolean) => void
}

export const makeMemoryCheckpointLevel = (): MemoryCheckpointLevel => {
  const entries = new Map<string, unknown>()
  const calls = { get: 0, put: 0, remove: 0, list: 0, prune: 0 }
  const puts: Array<StoredCheckpoint> = []
  let failing = false
  const call = <A>(name: keyof typeof calls, run: () => A): Effect.Effect<A, CheckpointFailed> =>
    Effect.suspend(() => {
      calls[name]++
      return failing
        ? Effect.fail(new CheckpointFailed({ level: "memory", detail: "QuotaExceededError: The quota has been exceeded." }))
        : Effect.sync(run)
    })
  return {
    name: "memory",
    entries,
    calls,
    puts,
    fail: (on = true) => void (failing = on),
    get: (key) => call("get", () => structuredClone(entries.get(key))),
    put: (record: StoredCheckpoint) =>
      Effect.suspend(() => {
        puts.push(structuredClone(record))
        return call("put", () => void entries.set(record.key, structuredClone(record)))
      }),
    remove: (keys) => call("remove", () => keys.forEach((key) => entries.delete(key))),
    list: call("list", () => [...entries].map(([key, record]) => ({ key, record: structuredClone(record) }))),
    pruneBefore: (before) =>
      call("prune", () => {
        let removed = 0
        for (const [key, record] of entries) {
          if (!isStoredCheckpoint(record) || record.savedAt < before) {
            entries.delete(key)
            removed++
          }
        }
        return removed
      })
  }
}
