// @vitest-environment node
// Node's File and Blob share parts instead of copying them (large files cost nothing), and it has WebCrypto.
import {
  CHECKPOINT_FORMAT,
  Checkpointed,
  HashCheckpointKind,
  type HashAlgorithm,
  hashJob,
  makeMemoryCheckpointLevel,
  type StoredCheckpoint
} from "@sluice/core"
import { Effect, Schema } from "effect"
import { describe, expect, it, vi } from "vitest"
import {
  checkpointEvery,
  checkpointKey,
  type CheckpointsOptions,
  type JobCheckpoint,
  makeCheckpoints,
  RESUMABLE_FROM_BYTES,
  STALE_AFTER_MS
} from "./Checkpoints.js"

const MiB = 1024 * 1024
const DAY = 24 * 60 * 60 * 1000

/** A file of `size` bytes, all `fill`, made of shared 1 MiB parts. */
const bigFile = (
  name: string,
  options: { readonly size?: number; readonly lastModified?: number; readonly fill?: number } = {}
): File => {
  const size = options.size ?? 128 * MiB
  const piece = new Blob([new Uint8Array(MiB).fill(options.fill ?? 7)])
  const parts = Array.from({ length: Math.floor(size / MiB) }, () => piece)
  return new File([...parts, new Uint8Array(size % MiB)], name, { lastModified: options.lastModified ?? 1_700_000_000_000 })
}

const checkpointAt = (bytes: number, algorithms: ReadonlyArray<HashAlgorithm> = ["sha256"]) =>
  new Checkpointed({ bytes, states: Object.fromEntries(algorithms.map((a) => [a, new Uint8Array([bytes % 251, 1, 2])])) })

/** What the tests' identity says of a file: its size and time (core's content identity is tested in core). */
const identityOf = (size: number, lastModified: number) => `${size}:${lastModified}`

const setup = ({ realIdentity, ...options }: Partial<CheckpointsOptions> & { readonly realIdentity?: boolean } = {}) => {
  const level = makeMemoryCheckpointLevel()
  const memory = { level, entries: level.entries, calls: level.calls, puts: level.puts, fail: level.fail }
  const checkpoints = makeCheckpoints({
    level,
    ...(realIdentity === true ? {} : { identify: async (file: File) => identityOf(file.size, file.lastModified) }),
    saveIntervalMs: 30,
    ...options
  })
  const open = (file: File, algorithms: ReadonlyArray<HashAlgorithm> = ["sha256"]) =>
    Effect.runPromise(checkpoints.open(file, file.name, algorithms))
  const opened = async (file: File, algorithms: ReadonlyArray<HashAlgorithm> = ["sha256"]) => {
    const job = await open(file, algorithms)
    if (job === undefined) throw new Error("expected checkpoints for this file")
    return job
  }
  const save = (job: JobCheckpoint, bytes: number, algorithms: ReadonlyArray<HashAlgorithm> = ["sha256"]) =>
    Effect.runSync(job.options.save(checkpointAt(bytes, algorithms)))
  const stored = () => [...memory.entries.values()] as Array<StoredCheckpoint & { readonly state: Kept }>
  return { ...memory, checkpoints, open, opened, save, stored }
}

type Kept = typeof HashCheckpointKind.schema.Encoded

/** A kept checkpoint as core stores it; `identity` defaults to the one of `bigFile(name)`. */
const stored = (overrides: {
  readonly name: string
  readonly lastModified?: number
  readonly algorithms?: Array<HashAlgorithm>
  readonly bytes?: number
  readonly states?: Record<string, Uint8Array>
  readonly savedAt?: number
  readonly identity?: string
}): StoredCheckpoint => {
  const algorithms = overrides.algorithms ?? ["sha256"]
  const job = hashJob(overrides.name, algorithms)
  return {
    key: checkpointKey(overrides.name, algorithms),
    format: CHECKPOINT_FORMAT,
    job,
    identity: overrides.identity ?? identityOf(128 * MiB, overrides.lastModified ?? 1_700_000_000_000),
    kind: HashCheckpointKind.name,
    version: HashCheckpointKind.version,
    savedAt: overrides.savedAt ?? Date.now(),
    state: Schema.encodeSync(HashCheckpointKind.schema)({
      bytes: overrides.bytes ?? 32 * MiB,
      size: 128 * MiB,
      states: overrides.states ?? { sha256: new Uint8Array([1, 2, 3]) }
    })
  }
}

describe("checkpointEvery", () => {
  it("saves every 2.5 % of a file, in whole MiB, at least 16 MiB apart", () => {
    expect(checkpointEvery(64 * MiB)).toBe(16 * MiB)
    expect(checkpointEvery(640 * MiB)).toBe(16 * MiB)
    expect(checkpointEvery(4000 * MiB)).toBe(100 * MiB)
    expect(checkpointEvery(4000 * MiB + 1)).toBe(101 * MiB)
  })
})

describe("checkpointKey", () => {
  it("is the file's name with the algorithms in any order (its size and time are its identity)", () => {
    expect(checkpointKey("big.iso", ["sha256", "blake3"])).toBe(checkpointKey("big.iso", ["blake3", "sha256"]))
    expect(checkpointKey("big.iso", ["sha256"])).not.toBe(checkpointKey("other.iso", ["sha256"]))
    expect(checkpointKey("big.iso", ["sha256"])).not.toBe(checkpointKey("big.iso", ["sha512"]))
  })
})

describe("Checkpoints", () => {
  it("leaves files under 64 MiB alone", async () => {
    const t = setup()
    expect(await t.open(bigFile("small.bin", { size: RESUMABLE_FROM_BYTES - 1 }))).toBeUndefined()
    expect(await t.open(bigFile("edge.bin", { size: RESUMABLE_FROM_BYTES }))).toBeDefined()
    expect(t.calls.get).toBe(1)
  })

  it("a first hash starts from nothing and keeps its checkpoints; the same file again starts from the last", async () => {
    const t = setup()
    const file = bigFile("big.iso")
    const first = await t.opened(file, ["sha256", "blake3"])
    expect(first.options.from).toBeUndefined()
    expect(first.options.every).toBe(16 * MiB)
    t.save(first, 16 * MiB, ["sha256", "blake3"])
    await vi.waitFor(() => expect(t.stored()).toHaveLength(1))
    t.save(first, 32 * MiB, ["sha256", "blake3"])
    await Effect.runPromise(first.close)

    const [kept] = t.stored()
    expect(kept).toMatchObject({
      job: { kind: "hash", path: "big.iso", algorithms: ["blake3", "sha256"] },
      identity: identityOf(128 * MiB, 1_700_000_000_000),
      state: { bytes: 32 * MiB, size: 128 * MiB }
    })
    expect(kept!.savedAt).toBeGreaterThan(Date.now() - 10_000)

    const again = await t.opened(bigFile("big.iso"), ["blake3", "sha256"])
    expect(again.options.from).toEqual(checkpointAt(32 * MiB, ["sha256", "blake3"]))
    expect(again.options.from).toBeInstanceOf(Checkpointed)
  })

  it("writes at most once per interval, always the latest checkpoint", async () => {
    const t = setup({ saveIntervalMs: 60 })
    const job = await t.opened(bigFile("big.iso"))
    const puts: Array<number> = []
    const put = t.level.put
    Object.assign(t.level, { put: (c: StoredCheckpoint) => (puts.push((c.state as Kept).bytes), put(c)) })
    for (let i = 1; i <= 5; i++) t.save(job, i * 16 * MiB)
    await vi.waitFor(() => expect(puts).toHaveLength(2), { timeout: 1000 })
    expect(puts).toEqual([16 * MiB, 80 * MiB])
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(puts).toHaveLength(2)
    expect(t.stored()[0]!.state.bytes).toBe(80 * MiB)
  })

  it("forgets a job's checkpoint when it completes or is cancelled, even with a write under way", async () => {
    const t = setup({ saveIntervalMs: 1000 })
    const job = await t.opened(bigFile("big.iso"))
    t.save(job, 16 * MiB)
    t.save(job, 32 * MiB)
    await Effect.runPromise(job.forget)
    t.save(job, 48 * MiB)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(t.stored()).toEqual([])
  })

  it("does not resume a file whose content differs where it was sampled", async () => {
    // Core's content identity of a File: its path, name, size, time and a fingerprint of sampled blocks.
    const t = setup({ realIdentity: true })
    const job = await t.opened(bigFile("big.iso", { fill: 1 }))
    t.save(job, 48 * MiB)
    await Effect.runPromise(job.close)
    expect(t.stored()[0]!.identity).toMatch(/\u0000[0-9a-f]{32}$/)
    const same = await t.opened(bigFile("big.iso", { fill: 1 }))
    expect(same.options.from?.bytes).toBe(48 * MiB)
    await Effect.runPromise(same.close)

    // Same name, size and time, other bytes: the checkpoint is another file's, and goes.
    const other = await t.opened(bigFile("big.iso", { fill: 2 }))
    expect(other.options.from).toBeUndefined()
    expect(t.stored()).toEqual([])
  })

  it("removes the checkpoints of an older version of a file (same name, other size or time)", async () => {
    const t = setup()
    const old = stored({ name: "big.iso", lastModified: 1 })
    const otherFile = stored({ name: "other.iso" })
    const otherAlgorithm = stored({ name: "big.iso", algorithms: ["md5"], states: { md5: new Uint8Array(1) } })
    for (const c of [old, otherFile, otherAlgorithm]) t.entries.set(c.key, c)
    const job = await t.opened(bigFile("big.iso"))
    expect(job.options.from).toBeUndefined()
    expect(t.stored().map((c) => c.key).sort()).toEqual([otherFile.key, otherAlgorithm.key].sort())
  })

  it("ignores a kept checkpoint past the end of the file or older than a week", async () => {
    const t = setup()
    const file = bigFile("big.iso")
    const beyond = stored({ name: "big.iso", bytes: 200 * MiB })
    t.entries.set(beyond.key, beyond)
    expect((await t.opened(file)).options.from).toBeUndefined()
    const old = stored({ name: "big.iso", savedAt: Date.now() - 8 * DAY })
    t.entries.set(old.key, old)
    expect((await t.opened(file)).options.from).toBeUndefined()
  })

  it("lists unfinished hashes on load, newest first, dropping stale and unreadable ones", async () => {
    const t = setup()
    const now = Date.now()
    const a = stored({ name: "a.iso", savedAt: now - 2 * DAY })
    const b = stored({ name: "b.img", savedAt: now - 1000, bytes: 64 * MiB })
    const stale = stored({ name: "c.iso", savedAt: now - STALE_AFTER_MS - 1 })
    const broken = { ...stored({ name: "d.iso" }), state: { bytes: 1, size: 2, states: { sha256: 7 } } }
    for (const c of [a, b, stale, broken]) t.entries.set(c.key, c)
    const seen: Array<number> = []
    t.checkpoints.subscribe(() => seen.push(t.checkpoints.getSnapshot().length))
    await t.checkpoints.load()
    expect(t.checkpoints.getSnapshot()).toEqual([
      { key: b.key, name: "b.img", size: 128 * MiB, bytes: 64 * MiB, algorithms: ["sha256"], savedAt: b.savedAt },
      { key: a.key, name: "a.iso", size: 128 * MiB, bytes: 32 * MiB, algorithms: ["sha256"], savedAt: a.savedAt }
    ])
    expect(seen).toEqual([2])
    expect(t.stored().map((c) => (c.job as { path: string }).path).sort()).toEqual(["a.iso", "b.img"])
  })

  it("an unfinished hash stops being listed once its file is opened again, and can be forgotten", async () => {
    const t = setup()
    // The list is newest first: a is the newer, by a second (not by whichever millisecond each was made in).
    const now = Date.now()
    const a = stored({ name: "a.iso", savedAt: now })
    const b = stored({ name: "b.iso", identity: "from another file", savedAt: now - 1000 })
    for (const c of [a, b]) t.entries.set(c.key, c)
    await t.checkpoints.load()
    expect(t.checkpoints.getSnapshot().map((u) => u.name)).toEqual(["a.iso", "b.iso"])

    const job = await t.opened(bigFile("a.iso"))
    expect(job.options.from?.bytes).toBe(32 * MiB)
    expect(t.checkpoints.getSnapshot().map((u) => u.name)).toEqual(["b.iso"])
    // Loading again while the job runs does not list it.
    await t.checkpoints.load()
    expect(t.checkpoints.getSnapshot().map((u) => u.name)).toEqual(["b.iso"])

    await t.checkpoints.forgetUnfinished()
    expect(t.checkpoints.getSnapshot()).toEqual([])
    expect(t.stored().map((c) => (c.job as { path: string }).path)).toEqual(["a.iso"])
  })

  it("without a working store, hashing goes on from the start and nothing throws", async () => {
    const t = setup()
    t.entries.set("x", stored({ name: "big.iso" }))
    t.fail()
    await t.checkpoints.load()
    expect(t.checkpoints.getSnapshot()).toEqual([])
    const job = await t.opened(bigFile("big.iso"))
    expect(job.options.from).toBeUndefined()
    t.save(job, 16 * MiB)
    t.save(job, 32 * MiB)
    await Effect.runPromise(job.close)
    await Effect.runPromise(job.forget)
    await t.checkpoints.forgetUnfinished()
    // Each save was still attempted, at its offset, and none was written.
    expect(t.puts.map((c) => [(c.job as { path: string }).path, (c.state as Kept).bytes])).toEqual([["big.iso", 16 * MiB], ["big.iso", 32 * MiB]])
    expect([...t.entries.keys()]).toEqual(["x"])
  })

  it("an identity that cannot be read (no WebCrypto, an unreadable file) costs the checkpoint, not the hash", async () => {
    const t = setup({ identify: () => Promise.reject(new Error("no WebCrypto")) })
    expect(await t.open(bigFile("big.iso"))).toBeUndefined()
    const unreadable = setup({ identify: async () => undefined })
    expect(await unreadable.open(bigFile("big.iso"))).toBeUndefined()
    expect(t.stored()).toEqual([])
  })
})
