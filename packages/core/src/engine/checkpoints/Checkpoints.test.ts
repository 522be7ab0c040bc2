/** The checkpoint service over the memory level: save, load, forget, what it ignores and what it refuses. */
import { Cause, Effect, Exit, Schema } from "effect"
import { describe, expect, it, vi } from "vitest"
import { CHECKPOINT_FORMAT } from "./CheckpointLevel.js"
import * as CheckpointPolicy from "./CheckpointPolicy.js"
import { CheckpointRefused } from "./CheckpointPolicy.js"
import * as Checkpoints from "./Checkpoints.js"
import { makeMemoryCheckpointLevel } from "./MemoryCheckpointLevel.js"

const DAY = 24 * 60 * 60 * 1000

const Progress = CheckpointPolicy.kind({
  name: "test/progress",
  version: 1,
  schema: Schema.Struct({ bytes: Schema.Number, state: Schema.Uint8ArrayFromBase64 }),
  holds: ["offset", "publicState"]
})

const setup = (options: Partial<Checkpoints.CheckpointsOptions> = {}) => {
  const level = makeMemoryCheckpointLevel()
  let time = 1_700_000_000_000
  const service = Checkpoints.make({ level, now: () => time, staleAfterMs: 7 * DAY, ...options })
  return { level, service, advance: (ms: number) => void (time += ms), now: () => time }
}

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const job = { kind: "test", path: "/data/big.iso", algorithms: ["sha256"] }
const record = (bytes: number) => ({ bytes, state: new Uint8Array([bytes % 251, 1, 2]) })

describe("Checkpoints", () => {
  it("saves, loads and forgets a typed record, stored in its encoded form with format, kind, version and identity", async () => {
    const t = setup()
    await run(t.service.save(job, "id-1", Progress, record(42)))
    expect(await run(t.service.load(job, "id-1", Progress))).toEqual(record(42))
    const [stored] = t.level.entries.values()
    expect(stored).toEqual({
      key: Checkpoints.jobKey(job),
      format: CHECKPOINT_FORMAT,
      job,
      identity: "id-1",
      kind: "test/progress",
      version: 1,
      savedAt: t.now(),
      state: { bytes: 42, state: "KgEC" }
    })
    await run(t.service.forget([job]))
    expect(t.level.entries.size).toBe(0)
    expect(await run(t.service.load(job, "id-1", Progress))).toBeUndefined()
  })

  it("ignores a record of another identity, kind version, format, a damaged one and a stale one", async () => {
    const t = setup()
    await run(t.service.save(job, "id-1", Progress, record(1)))
    expect(await run(t.service.load(job, "id-2", Progress))).toBeUndefined()
    expect(await run(t.service.load(job, "id-1", { ...Progress, version: 2 }))).toBeUndefined()
    expect(await run(t.service.load(job, "id-1", { ...Progress, name: "test/other" }))).toBeUndefined()
    const key = Checkpoints.jobKey(job)
    const stored = t.level.entries.get(key) as Record<string, unknown>
    t.level.entries.set(key, { ...stored, format: 1 })
    expect(await run(t.service.load(job, "id-1", Progress))).toBeUndefined()
    t.level.entries.set(key, { ...stored, state: { bytes: "many", state: "KgEC" } })
    expect(await run(t.service.load(job, "id-1", Progress))).toBeUndefined()
    t.level.entries.set(key, stored)
    expect(await run(t.service.load(job, "id-1", Progress))).toEqual(record(1))
    t.advance(7 * DAY + 1)
    expect(await run(t.service.load(job, "id-1", Progress))).toBeUndefined()
  })

  it("refuses, as a defect, a record that declares itself secret, whatever the policy; and kinds the policy does not allow", async () => {
    const t = setup()
    const Secret = CheckpointPolicy.kind({
      name: "test/unlock",
      version: 1,
      schema: Schema.Struct({ bytes: Schema.Number, fileKey: Schema.String }),
      holds: ["offset", "fileKey"]
    })
    const refused = async (effect: Effect.Effect<unknown, unknown>) => {
      const exit = await Effect.runPromiseExit(effect)
      expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(defect).toBeInstanceOf(CheckpointRefused)
      return (defect as CheckpointRefused).message
    }
    expect(await refused(t.service.save(job, "id", Secret, { bytes: 1, fileKey: "k" }))).toMatch(/declares secret content \(fileKey\)/)
    expect(await refused(t.service.open(job, "id", Secret))).toMatch(/fileKey/)
    expect(t.level.calls.put).toBe(0)
    expect(t.level.entries.size).toBe(0)

    const offsetsOnly = setup({ policy: CheckpointPolicy.make(["offset", "count"]) })
    expect(await refused(offsetsOnly.service.save(job, "id", Progress, record(1)))).toMatch(/does not allow publicState/)
    expect(() => CheckpointPolicy.make(["offset", "passphrase"])).toThrow(CheckpointRefused)
  })

  it("open: the earlier record for this identity; one for another identity is removed; save, close and forget", async () => {
    const t = setup()
    const first = await run(t.service.open(job, "id-1", Progress))
    expect(first.previous).toBeUndefined()
    await run(first.save(record(10)))
    await run(first.close)
    expect((await run(t.service.open(job, "id-1", Progress))).previous).toEqual(record(10))

    const changed = await run(t.service.open(job, "id-2", Progress))
    expect(changed.previous).toBeUndefined()
    expect(t.level.entries.size).toBe(0)
    await run(changed.save(record(20)))
    await run(changed.forget)
    await run(changed.save(record(30)))
    expect(t.level.entries.size).toBe(0)
  })

  it("open with an interval writes at most once per interval, the latest record, and close writes what is left", async () => {
    const t = setup({ now: Date.now })
    const job1 = await run(t.service.open(job, "id", Progress, { saveIntervalMs: 60 }))
    for (let i = 1; i <= 5; i++) await run(job1.save(record(i)))
    await vi.waitFor(() => expect(t.level.calls.put).toBe(2), { timeout: 1000 })
    expect(await run(t.service.load(job, "id", Progress))).toEqual(record(5))
    await run(job1.save(record(6)))
    await run(job1.close)
    expect(t.level.calls.put).toBe(3)
    expect(await run(t.service.load(job, "id", Progress))).toEqual(record(6))
  })

  it("a failing level costs the checkpoint, never the job: open and save succeed", async () => {
    const t = setup()
    t.level.fail()
    const job1 = await run(t.service.open(job, "id", Progress))
    expect(job1.previous).toBeUndefined()
    await run(job1.save(record(1)))
    await run(job1.forget)
    expect(Exit.isFailure(await Effect.runPromiseExit(t.service.save(job, "id", Progress, record(1))))).toBe(true)
  })

  it("lists unfinished records of a kind newest first, removes the damaged ones, and prunes stale and foreign records", async () => {
    const t = setup()
    const other = { ...job, path: "/data/other.iso" }
    await run(t.service.save(job, "a", Progress, record(1)))
    t.advance(1000)
    await run(t.service.save(other, "b", Progress, record(2)))
    t.level.entries.set("damaged", { ...(t.level.entries.get(Checkpoints.jobKey(job)) as object), key: "damaged", state: 7 })
    t.level.entries.set("old-format", { key: "old-format", name: "x.iso", bytes: 3 })
    const unfinished = await run(t.service.unfinished(Progress))
    expect(unfinished.map((u) => [u.job, u.identity, u.record])).toEqual([[other, "b", record(2)], [job, "a", record(1)]])
    expect(t.level.entries.has("damaged")).toBe(false)

    t.advance(7 * DAY - 500)
    expect(await run(t.service.pruneStale)).toBe(2) // the first record and the old format
    expect([...t.level.entries.keys()]).toEqual([Checkpoints.jobKey(other)])
  })
})
