/** Resumable hashes: checkpoints as they go, continue from one, and survive a killed program. */
import { Effect, Layer, Stream } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import type { HashAlgorithm } from "../hash/HashAlgorithm.js"
import { Checkpointed } from "../hash/HashEvent.js"
import type { FileFailed, FileHashed } from "../hash/HashJob.js"
import { PathSource } from "../engine/Source.js"
import { hashFiles, type ResumeOptions } from "../hash/hashFiles.js"
import * as WorkerPool from "../engine/pool/WorkerPool.js"
import { layerPureJs } from "../hash/kernels/HashKernel.js"
import { resumable } from "./checkpointStore.js"
import * as SluiceNode from "./node.js"

const MiB = 1024 * 1024
const dir = mkdtempSync(join(tmpdir(), "sluice-resume-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const bytes = randomBytes(9 * MiB + 123)
const path = join(dir, "data.bin")
writeFileSync(path, bytes)
const expected = (algorithm: string) => createHash(algorithm).update(bytes).digest("hex")
const ALGORITHMS: ReadonlyArray<HashAlgorithm> = ["sha256", "sha3-256", "blake3"]

const hashWith = (checkpoint: Omit<ResumeOptions, "save"> & { save?: ResumeOptions["save"] }, file = path) =>
  Effect.runPromise(Effect.gen(function*() {
    const saved: Array<Checkpointed> = []
    const progress: Array<number> = []
    let result: FileHashed | FileFailed | undefined
    yield* hashFiles([new PathSource({ path: file })], {
      algorithms: ALGORITHMS,
      checkpoint: {
        ...checkpoint,
        save: (cp) => Effect.andThen(Effect.sync(() => saved.push(cp)), checkpoint.save?.(cp) ?? Effect.void)
      }
    }).pipe(Stream.runForEach((event) =>
      Effect.sync(() => {
        if (event._tag === "JobProgress") progress.push(event.bytes)
        else result = event
      })
    ))
    return { saved, progress, result: result! }
  }).pipe(Effect.provide(SluiceNode.layerInline)))

const digestsOf = (result: FileHashed | FileFailed) => {
  expect(result._tag).toBe("FileHashed")
  return (result as FileHashed).digests
}

describe("a resumable hash", () => {
  it("saves a checkpoint every `every` bytes and gives the usual digests", async () => {
    const { result, saved } = await hashWith({ every: 2 * MiB })
    expect(saved.map((cp) => cp.bytes)).toEqual([2, 4, 6, 8].map((n) => n * MiB))
    expect(Object.keys(saved[0]!.states).sort()).toEqual(["blake3", "sha256", "sha3-256"])
    expect(digestsOf(result)).toEqual({
      sha256: expected("sha256"),
      "sha3-256": expected("sha3-256"),
      blake3: (await import("@noble/hashes/blake3.js")).blake3(bytes).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "")
    })
  })

  it("continues from a checkpoint: same digests, and nothing before it is read again", async () => {
    const first = await hashWith({ every: 2 * MiB })
    const from = first.saved[2]! // at 6 MiB
    const second = await hashWith({ every: 2 * MiB, from })
    expect(digestsOf(second.result)).toEqual(digestsOf(first.result))
    expect(second.saved.map((cp) => cp.bytes)).toEqual([8 * MiB])
    expect(Math.min(...second.progress.filter((b) => b > 0))).toBeGreaterThanOrEqual(6 * MiB)
  })

  it("starts over when the checkpoint does not fit (another algorithm's state, or damaged)", async () => {
    const first = await hashWith({ every: 2 * MiB })
    const good = first.saved[1]!
    const swapped = new Checkpointed({ bytes: good.bytes, states: { ...good.states, sha256: good.states["sha3-256"]! } })
    const damaged = new Checkpointed({ bytes: good.bytes, states: { ...good.states, blake3: good.states["blake3"]!.slice(0, 20) } })
    const beyond = new Checkpointed({ bytes: bytes.length + MiB, states: good.states })
    for (const from of [swapped, damaged, beyond]) {
      const again = await hashWith({ every: 2 * MiB, from })
      expect(digestsOf(again.result)).toEqual(digestsOf(first.result))
      expect(again.saved[0]!.bytes).toBe(2 * MiB) // from the beginning
    }
  })
})

describe("a kernel that cannot save its state", () => {
  it("pure JS SHA-256 with a checkpoint asked for: hashes without one, never fails", async () => {
    const layer = WorkerPool.layerInline({ group: SluiceNode.Operations, handlers: SluiceNode.OperationHandlers }).pipe(Layer.provide([SluiceNode.NodeByteSource.layer, layerPureJs]))
    const saved: Array<number> = []
    const events = await Effect.runPromise(
      hashFiles([new PathSource({ path })], {
        algorithms: ["sha256"],
        checkpoint: { every: MiB, save: (cp) => Effect.sync(() => saved.push(cp.bytes)) }
      }).pipe(Stream.runCollect, Effect.provide(layer))
    )
    expect([...events].find((e) => e._tag === "FileHashed")).toMatchObject({ digests: { sha256: expected("sha256") } })
    expect(saved).toEqual([])
  })
})

describe("checkpoints on disk", () => {
  const store = join(dir, "checkpoints")

  it("a second run picks up where the first left off, and completing removes the checkpoint", async () => {
    const first = await Effect.runPromise(resumable(path, ALGORITHMS, { dir: store, every: 2 * MiB }))
    expect(first!.resumedAt).toBe(0)
    // The first run "dies" after its third checkpoint.
    const partial = await hashWith({ every: 2 * MiB })
    for (const cp of partial.saved.slice(0, 3)) await Effect.runPromise(first!.save(cp))
    expect(readdirSync(store)).toHaveLength(1)

    const second = await Effect.runPromise(resumable(path, ALGORITHMS, { dir: store, every: 2 * MiB }))
    expect(second!.resumedAt).toBe(6 * MiB)
    const resumed = await hashWith(second!)
    expect(digestsOf(resumed.result)).toEqual(digestsOf(partial.result))
    await Effect.runPromise(second!.done)
    expect(readdirSync(store)).toEqual([])
  })

  it("a checkpoint of a file that changed since is not used (mtime, same-size rewrite with mtime restored)", async () => {
    const file = join(dir, "changing.bin")
    writeFileSync(file, bytes)
    const before = await Effect.runPromise(resumable(file, ALGORITHMS, { dir: store, every: 2 * MiB }))
    await Effect.runPromise(before!.save(new Checkpointed({ bytes: 2 * MiB, states: {} })))
    utimesSync(file, new Date(2000, 0, 1), new Date(2000, 0, 1))
    expect((await Effect.runPromise(resumable(file, ALGORITHMS, { dir: store })))!.resumedAt).toBe(0)

    const again = await Effect.runPromise(resumable(file, ALGORITHMS, { dir: store, every: 2 * MiB }))
    await Effect.runPromise(again!.save(new Checkpointed({ bytes: 2 * MiB, states: {} })))
    writeFileSync(file, randomBytes(bytes.length)) // same size, then the old times put back
    utimesSync(file, new Date(2000, 0, 1), new Date(2000, 0, 1))
    expect((await Effect.runPromise(resumable(file, ALGORITHMS, { dir: store })))!.resumedAt).toBe(0) // ctime moved
  })

  it("one checkpoint per file: a changed file's old checkpoint is replaced, and month-old ones are cleared away", async () => {
    const own = join(dir, "one-per-file")
    const file = join(dir, "rewritten.bin")
    writeFileSync(file, bytes)
    const first = await Effect.runPromise(resumable(file, ALGORITHMS, { dir: own }))
    await Effect.runPromise(first!.save(new Checkpointed({ bytes: 2 * MiB, states: {} })))
    writeFileSync(file, bytes.subarray(1))
    const second = await Effect.runPromise(resumable(file, ALGORITHMS, { dir: own }))
    await Effect.runPromise(second!.save(new Checkpointed({ bytes: 4 * MiB, states: {} })))
    expect(readdirSync(own)).toHaveLength(1)

    const forgotten = join(own, "0123456789abcdef0123456789abcdef.json")
    writeFileSync(forgotten, "{}")
    utimesSync(forgotten, new Date(Date.now() - 31 * 86_400_000), new Date(Date.now() - 31 * 86_400_000))
    await Effect.runPromise(resumable(file, ALGORITHMS, { dir: own }))
    expect(existsSync(forgotten)).toBe(false)
  })

  it("a checkpoint directory that cannot be written costs resumability, never the hash", async () => {
    const locked = join(dir, "locked")
    writeFileSync(locked, "a file where the directory should be")
    const options = await Effect.runPromise(resumable(path, ALGORITHMS, { dir: join(locked, "sub"), every: 2 * MiB }))
    const run = await hashWith(options!)
    expect(digestsOf(run.result).sha256).toBe(expected("sha256"))
    expect(existsSync(join(locked, "sub"))).toBe(false)
    chmodSync(locked, 0o644)
  })

  it("keeps hasher states and an offset only: never a run of the file longer than one pending block", async () => {
    const text = Buffer.from(Array.from({ length: 4096 }, (_, i) => `line ${i} of a private note\n`).join(""))
    const file = join(dir, "note.txt")
    writeFileSync(file, text)
    const own = join(dir, "note-checkpoints")
    const options = await Effect.runPromise(resumable(file, ALGORITHMS, { dir: own, every: 40_000 }))
    // The job is "killed" after its checkpoints: hash, but never call `done`.
    await hashWith(options!, file)
    const [stored] = readdirSync(own)
    const saved = JSON.parse(readFileSync(join(own, stored!), "utf8")) as { state: { bytes: number; states: Record<string, string> } }
    expect(saved.state.bytes).toBeGreaterThan(0)
    const everything = Buffer.concat(Object.values(saved.state.states).map((s) => Buffer.from(s, "base64")))
    // The longest pending block is SHA3-256's 136 bytes: no 200-byte run of the file may appear.
    for (let at = 0; at + 200 <= text.length; at += 100) {
      expect(everything.includes(text.subarray(at, at + 200))).toBe(false)
    }
  })
})
