// @vitest-environment node
// Node's File and Blob share parts instead of copying them (large files cost nothing), and it has WebCrypto.
import { Checkpointed, type HashAlgorithm } from "@sluice/core"
import { Effect } from "effect"
import { describe, expect, it, vi } from "vitest"
import {
  checkpointEvery,
  checkpointKey,
  type CheckpointsOptions,
  type JobCheckpoint,
  makeCheckpoints,
  RESUMABLE_FROM_BYTES,
  sampleContent,
  STALE_AFTER_MS,
  type StoredCheckpoint
} from "./Checkpoints.js"
import { makeMemoryBackend } from "./testkit.js"

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

const setup = (options: Partial<CheckpointsOptions> = {}) => {
  const memory = makeMemoryBackend()
  const checkpoints = makeCheckpoints({
    backend: memory.backend,
    // The sample names the file's size and position: enough for the logic; WebCrypto's is tested apart.
    sample: async (file, bytes) => `${file.size}@${bytes}`,
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
  const stored = () => [...memory.entries.values()]
  return { ...memory, checkpoints, open, opened, save, stored }
}

const stored = (overrides: Partial<StoredCheckpoint> & Pick<StoredCheckpoint, "name">): StoredCheckpoint => {
  const base = {
    size: 128 * MiB,
    lastModified: 1_700_000_000_000,
    algorithms: ["sha256"] as Array<HashAlgorithm>,
    bytes: 32 * MiB,
    states: { sha256: new Uint8Array([1, 2, 3]) },
    savedAt: Date.now(),
    sample: `${128 * MiB}@${32 * MiB}`,
    ...overrides
  }
  return { key: checkpointKey(base, base.algorithms), ...base, ...overrides }
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
  it("is the file's name, size and time with the algorithms in any order", () => {
    const file = { name: "big.iso", size: 100, lastModified: 5 }
    expect(checkpointKey(file, ["sha256", "blake3"])).toBe(checkpointKey(file, ["blake3", "sha256"]))
    expect(checkpointKey(file, ["sha256"])).not.toBe(checkpointKey({ ...file, lastModified: 6 }, ["sha256"]))
    expect(checkpointKey(file, ["sha256"])).not.toBe(checkpointKey({ ...file, size: 101 }, ["sha256"]))
    expect(checkpointKey(file, ["sha256"])).not.toBe(checkpointKey(file, ["sha512"]))
  })
})

describe("Checkpoints", () => {
  it("leaves files under 64 MiB alone", async () => {
    const t = setup()
    expect(await t.open(bigFile("small.bin", { size: RESUMABLE_FROM_BYTES - 1 }))).toBeUndefined()
    expect(await t.open(bigFile("edge.bin", { size: RESUMABLE_FROM_BYTES }))).toBeDefined()
    expect(t.calls.list).toBe(1)
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
      name: "big.iso",
      size: 128 * MiB,
      lastModified: 1_700_000_000_000,
      algorithms: ["blake3", "sha256"],
      bytes: 32 * MiB,
      sample: `${128 * MiB}@${32 * MiB}`
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
    const put = t.backend.put
    Object.assign(t.backend, { put: (c: StoredCheckpoint) => (puts.push(c.bytes), put(c)) })
    for (let i = 1; i <= 5; i++) t.save(job, i * 16 * MiB)
    await vi.waitFor(() => expect(puts).toHaveLength(2), { timeout: 1000 })
    expect(puts).toEqual([16 * MiB, 80 * MiB])
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(puts).toHaveLength(2)
    expect(t.stored()[0]!.bytes).toBe(80 * MiB)
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
    const t = setup({ sample: sampleContent })
    const job = await t.opened(bigFile("big.iso", { fill: 1 }))
    t.save(job, 48 * MiB)
    await Effect.runPromise(job.close)
    expect(t.stored()[0]!.sample).toMatch(/^[0-9a-f]{64}$/)
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
    const beyond = stored({ name: "big.iso", bytes: 200 * MiB, sample: `${128 * MiB}@${200 * MiB}` })
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
    const broken = { ...stored({ name: "d.iso" }), states: { sha256: "not bytes" } } as unknown as StoredCheckpoint
    for (const c of [a, b, stale, broken]) t.entries.set(c.key, c)
    const seen: Array<number> = []
    t.checkpoints.subscribe(() => seen.push(t.checkpoints.getSnapshot().length))
    await t.checkpoints.load()
    expect(t.checkpoints.getSnapshot()).toEqual([
      { key: b.key, name: "b.img", size: 128 * MiB, bytes: 64 * MiB, algorithms: ["sha256"], savedAt: b.savedAt },
      { key: a.key, name: "a.iso", size: 128 * MiB, bytes: 32 * MiB, algorithms: ["sha256"], savedAt: a.savedAt }
    ])
    expect(seen).toEqual([2])
    expect(t.stored().map((c) => c.name).sort()).toEqual(["a.iso", "b.img"])
  })

  it("an unfinished hash stops being listed once its file is opened again, and can be forgotten", async () => {
    const t = setup()
    const a = stored({ name: "a.iso" })
    const b = stored({ name: "b.iso", sample: "from another file" })
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
    expect(t.stored().map((c) => c.name)).toEqual(["a.iso"])
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
    expect(t.puts.map((c) => [c.name, c.bytes])).toEqual([["big.iso", 16 * MiB], ["big.iso", 32 * MiB]])
    expect([...t.entries.keys()]).toEqual(["x"])
  })

  it("a sampler that fails (no WebCrypto) costs the checkpoint, not the hash", async () => {
    const t = setup({ sample: () => Promise.reject(new Error("no WebCrypto")) })
    const job = await t.opened(bigFile("big.iso"))
    t.save(job, 16 * MiB)
    await Effect.runPromise(job.close)
    expect(t.stored()).toEqual([])
  })
})

describe("sampleContent", () => {
  it("is SHA-256 of the first 64 KiB and of the 64 KiB before the position", async () => {
    let x = 1
    const bytes = new Uint8Array(300 * 1024).map(() => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24)
    const file = new File([bytes], "f")
    const expected = new Uint8Array([...bytes.subarray(0, 65536), ...bytes.subarray(200 * 1024 - 65536, 200 * 1024)])
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", expected))
    expect(await sampleContent(file, 200 * 1024)).toBe(Buffer.from(digest).toString("hex"))
    expect(await sampleContent(file, 200 * 1024)).not.toBe(await sampleContent(file, 201 * 1024))
  })
})
