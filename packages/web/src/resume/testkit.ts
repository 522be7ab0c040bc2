/** Fakes for the checkpoint tests: a backend in a Map that can be told to fail. */
import type { CheckpointBackend, StoredCheckpoint } from "./Checkpoints.js"

export const makeMemoryBackend = () => {
  const entries = new Map<string, StoredCheckpoint>()
  const calls = { list: 0, put: 0, remove: 0 }
  /** Every checkpoint `put` was asked to write, in order, whether or not the write succeeded. */
  const puts: Array<StoredCheckpoint> = []
  let failing = false
  const check = () => {
    if (failing) return Promise.reject(new DOMException("The quota has been exceeded.", "QuotaExceededError"))
    return Promise.resolve()
  }
  const backend: CheckpointBackend = {
    list: async () => {
      calls.list++
      await check()
      return [...entries.values()]
    },
    put: async (checkpoint) => {
      calls.put++
      puts.push(structuredClone(checkpoint))
      await check()
      entries.set(checkpoint.key, structuredClone(checkpoint))
    },
    remove: async (keys) => {
      calls.remove++
      await check()
      for (const key of keys) entries.delete(key)
    }
  }
  return {
    backend,
    entries,
    calls,
    puts,
    /** From now on every call rejects, as IndexedDB does in some private modes. */
    fail: (on = true) => void (failing = on)
  }
}
