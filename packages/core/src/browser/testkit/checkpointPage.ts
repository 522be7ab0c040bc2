/** The checkpoints' part of the test page: the IndexedDB checkpoint level in the browser, reporting plain data. */
import { Effect, Schema } from "effect"
import * as CheckpointPolicy from "../../engine/checkpoints/CheckpointPolicy.js"
import * as Checkpoints from "../../engine/checkpoints/Checkpoints.js"
import { makeIndexedDbCheckpointLevel } from "../indexedDbCheckpointLevel.js"

const Progress = CheckpointPolicy.kind({
  name: "test/progress",
  version: 1,
  schema: Schema.Struct({ bytes: Schema.Number, state: Schema.Uint8ArrayFromBase64 }),
  holds: ["offset", "publicState"]
})

const job = { kind: "test", path: "big.iso" }

interface RawDatabase {
  transaction(store: string, mode: string): { objectStore(name: string): { put(value: unknown): unknown }; oncomplete: (() => void) | null }
  close(): void
}
const rawPut = (database: string, value: unknown) =>
  new Promise<void>((resolve, reject) => {
    const request = (globalThis as unknown as {
      indexedDB: { open(name: string, version: number): { result: RawDatabase; onsuccess: (() => void) | null; onerror: (() => void) | null } }
    }).indexedDB.open(database, 1)
    request.onsuccess = () => {
      const tx = request.result.transaction("checkpoints", "readwrite")
      tx.objectStore("checkpoints").put(value)
      tx.oncomplete = () => {
        request.result.close()
        resolve()
      }
    }
    request.onerror = () => reject(new Error("open failed"))
  })

const settle = <A>(effect: Effect.Effect<A, { readonly _tag: string; readonly message: string }>) =>
  Effect.runPromise(Effect.match(effect, {
    onFailure: (failure) => ({ failed: `${failure._tag}: ${failure.message}` }),
    onSuccess: (value) => ({ value })
  }))

export const checkpointApi = {
  /** Saves through one level, reads through a new one (a reload), lists, forgets; old records of the web app are pruned. */
  checkpointRoundTrip: async (database: string) => {
    const first = Checkpoints.make({ level: makeIndexedDbCheckpointLevel({ database }) })
    const opened = await Effect.runPromise(first.open(job, "id", Progress))
    await Effect.runPromise(opened.save({ bytes: 32, state: new Uint8Array([1, 2, 3]) }))
    await Effect.runPromise(first.save({ ...job, path: "other.iso" }, "id", Progress, { bytes: 8, state: new Uint8Array([9]) }))
    // What the web app kept before checkpoints were a core service: no format, states as bytes.
    await rawPut(database, { key: "[\"old.iso\",1,2,[\"sha256\"]]", name: "old.iso", bytes: 5, states: { sha256: new Uint8Array(3) } })

    const second = Checkpoints.make({ level: makeIndexedDbCheckpointLevel({ database }) })
    const loaded = await Effect.runPromise(second.load(job, "id", Progress))
    const otherIdentity = await Effect.runPromise(second.load(job, "other", Progress))
    const unfinished = await Effect.runPromise(second.unfinished(Progress))
    const pruned = await Effect.runPromise(second.pruneStale)
    await Effect.runPromise(second.forget([job]))
    const left = await Effect.runPromise(second.unfinished(Progress))
    return {
      loaded: loaded === undefined ? null : { bytes: loaded.bytes, state: [...loaded.state] },
      otherIdentity: otherIdentity ?? null,
      unfinished: unfinished.map((u) => (u.job as typeof job).path),
      pruned,
      left: left.map((u) => (u.job as typeof job).path)
    }
  },

  /** Where IndexedDB refuses: a typed failure that says why, and `open` that goes on without. */
  checkpointRefused: async () => {
    const level = makeIndexedDbCheckpointLevel({
      factory: {
        open: () => {
          throw new DOMException("The user denied permission to access the database.", "SecurityError")
        }
      }
    })
    const service = Checkpoints.make({ level })
    const save = await settle(service.save(job, "id", Progress, { bytes: 1, state: new Uint8Array(1) }))
    const opened = await Effect.runPromise(service.open(job, "id", Progress))
    await Effect.runPromise(opened.save({ bytes: 2, state: new Uint8Array(1) }))
    await Effect.runPromise(opened.close)
    return { save, previous: opened.previous ?? null }
  }
}
