import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { createHash } from "node:crypto"
import { BlobSource, PathSource, pathSourceFromBytes } from "../engine/Source.js"
import { ByteSource } from "../engine/ByteSource.js"
import { readJoined } from "../browser/BrowserByteSource.js"
import * as WebCryptoHashKernel from "../browser/WebCryptoHashKernel.js"
import { FileHashed, fileHashed } from "./HashJob.js"
import * as NodeByteSource from "../node/NodeByteSource.js"
import * as NodeHashKernel from "../node/NodeHashKernel.js"
import { layerInline } from "../engine/pool/WorkerPool.js"
import { OperationHandlers, Operations } from "../operations.js"
import { batchPayload, HashRequests, SIZES_PER_REQUEST } from "./hashRequests.js"
import { NAME_SEPARATOR, unpackList } from "./HashRpcs.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-handlers-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const Inline = layerInline({ group: Operations, handlers: OperationHandlers }).pipe(Layer.provide([NodeByteSource.layer, NodeHashKernel.layer]))

describe("Blake3Subtree", () => {
  it("fails with a typed error when the file is shorter than the range it was split into", async () => {
    const path = join(dir, "shrunk")
    writeFileSync(path, new Uint8Array(4096))
    const error = await Effect.runPromise(
      Effect.gen(function*() {
        const tasks = yield* HashRequests
        return yield* Effect.flip(
          tasks.blake3Subtree({ source: new PathSource({ path }), offset: 0, length: 8192, startChunk: 0 })
        )
      }).pipe(Effect.provide(Inline))
    )
    expect(error.reason).toMatchObject({ _tag: "ReadFailed", code: "ECHANGED" })
    expect(error.message).toBe(`${path}: the file changed while it was being read`)
  })
})

describe("SourceSizes", () => {
  it("asks for more sizes than one request holds in several, and gives them back in order", async () => {
    const sizes = [0, 1, 7, 4096]
    const paths = sizes.map((size) => {
      const path = join(dir, `size-${size}`)
      writeFileSync(path, new Uint8Array(size))
      return path
    })
    const count = 2 * SIZES_PER_REQUEST + 3
    // Each source is one of the files, or (every fifth) a missing one.
    const sources = Array.from({ length: count }, (_, i) => new PathSource({ path: i % 5 === 4 ? join(dir, "size-missing") : paths[i % 4]! }))
    const learnt = await Effect.runPromise(
      Effect.gen(function*() {
        const tasks = yield* HashRequests
        return yield* tasks.sourceSizes(sources)
      }).pipe(Effect.provide(Inline))
    )
    expect(learnt).toEqual(Array.from({ length: count }, (_, i) => i % 5 === 4 ? undefined : sizes[i % 4]))
  })
})

describe("HashBatch", () => {
  it("answers in compact form: every digest in one string, sizes, failures by position", async () => {
    const a = join(dir, "batch-a")
    const b = join(dir, "batch-b")
    writeFileSync(a, "abc")
    writeFileSync(b, "")
    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const tasks = yield* HashRequests
        return yield* tasks.hashBatch([
          { source: new PathSource({ path: a }), algorithms: ["sha256", "md5"] },
          { source: new PathSource({ path: join(dir, "batch-missing") }), algorithms: ["sha256"] },
          { source: new PathSource({ path: b }), algorithms: ["sha256"] }
        ])
      }).pipe(Effect.provide(Inline))
    )
    expect(result.digests.split(" ")).toEqual([
      createHash("sha256").update("abc").digest("hex"),
      createHash("md5").update("abc").digest("hex"),
      createHash("sha256").update("").digest("hex")
    ])
    expect(unpackList(result.sizes, " ").map(Number)).toEqual([3, -1, 0])
    expect(result.failures.map(({ at, reason }) => [at, reason._tag])).toEqual([[1, "FileNotFound"]])
  })
})

describe("batchPayload", () => {
  it("names files by path, with the bytes of a name that is not UTF-8, and algorithm sets only when they differ", () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9])
    const payload = batchPayload([
      { source: new PathSource({ path: "a" }), algorithms: ["sha256"] },
      { source: pathSourceFromBytes(latin1), algorithms: ["sha256"] }
    ])
    expect(unpackList(payload.paths as string, NAME_SEPARATOR)).toEqual(["a", "caf\uFFFD"])
    expect(payload.raw).toEqual([{ at: 1, bytes: latin1 }])
    expect(payload.algorithms).toEqual([["sha256"]])
    expect(payload.sets).toBeUndefined()
    const mixed = batchPayload([
      { source: new PathSource({ path: "a" }), algorithms: ["sha256"] },
      { source: new PathSource({ path: "b" }), algorithms: ["md5", "sha1"] },
      { source: new PathSource({ path: "c" }), algorithms: ["sha256"] }
    ])
    expect(mixed.algorithms).toEqual([["sha256"], ["md5", "sha1"]])
    expect(mixed.sets).toEqual([0, 1, 0])
  })
})

describe("fileHashed", () => {
  it("makes the same object as new FileHashed, without the schema's parse", () => {
    const fields = { index: 3, name: "n", digests: { sha256: "ab" }, bytes: 2 }
    const made = fileHashed(fields)
    expect(made).toBeInstanceOf(FileHashed)
    expect(made).toStrictEqual(new FileHashed(fields))
    expect(fileHashed({ ...fields, cached: true })).toStrictEqual(new FileHashed({ ...fields, cached: true }))
  })
})

describe("HashBatch of sources read asynchronously (a browser's Files)", () => {
  it("reads several at once and still answers in item order, failures by position", async () => {
    // Reads finish in reverse order: the first item's last, so order comes from the answer, not the timing.
    const texts = ["first", "second", "third", "fourth", "fifth"]
    let inFlight = 0
    let most = 0
    const Slow = Layer.effect(ByteSource)(Effect.gen(function*() {
      const base = yield* ByteSource
      return ByteSource.of({
        open: (source) =>
          Effect.map(base.open(source), (reader) => ({
            size: reader.size,
            read: (buffer: Uint8Array, position: number | undefined, length: number) =>
              Effect.gen(function*() {
                inFlight++
                most = Math.max(most, inFlight)
                const at = texts.findIndex((t) => source._tag === "BlobSource" && source.name === t)
                yield* Effect.sleep(`${(texts.length - at) * 5} millis`)
                inFlight--
                return yield* reader.read(buffer, position, length)
              })
          }))
      })
    })).pipe(Layer.provide(NodeByteSource.layer))
    const Pool = layerInline({ group: Operations, handlers: OperationHandlers }).pipe(Layer.provide([Slow, NodeHashKernel.layer]))
    const missing = new PathSource({ path: join(dir, "async-missing") })
    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const tasks = yield* HashRequests
        return yield* tasks.hashBatch([
          ...texts.map((t) => ({ source: new BlobSource({ name: t, blob: new Blob([t]) }), algorithms: ["sha256" as const] })),
          { source: missing, algorithms: ["sha256" as const] }
        ])
      }).pipe(Effect.provide(Pool))
    )
    expect(result.digests.split(" ")).toEqual(texts.map((t) => createHash("sha256").update(t).digest("hex")))
    expect(unpackList(result.sizes, " ").map(Number)).toEqual([...texts.map((t) => t.length), -1])
    expect(result.failures.map(({ at }) => at)).toEqual([5])
    expect(most).toBeGreaterThan(1)
  })
})

describe("HashBatch where the ByteSource joins small sources (readJoined)", () => {
  it.each([
    ["a hasher made per file", NodeHashKernel.layer],
    ["WebCrypto's one-shot digest where it has the algorithm", WebCryptoHashKernel.layer]
  ])("hashes the joined ones as their bytes come (%s) and reads the ones it left one by one, answering in item order", async (_, Kernel) => {
    const texts = ["first", "second", "", "fourth", "fifth"]
    let opened = 0
    let joined = 0
    const Joining = Layer.effect(ByteSource)(Effect.gen(function*() {
      const base = yield* ByteSource
      return ByteSource.of({
        open: (source) => Effect.andThen(Effect.sync(() => opened++), base.open(source)),
        readJoined: (sources, onWhole) =>
          readJoined(sources, (index, bytes) => Effect.andThen(Effect.sync(() => joined++), onWhole(index, bytes)))
      })
    })).pipe(Layer.provide(NodeByteSource.layer))
    const Pool = layerInline({ group: Operations, handlers: OperationHandlers }).pipe(Layer.provide([Joining, Kernel]))
    const missing = new PathSource({ path: join(dir, "joined-missing") })
    const result = await Effect.runPromise(
      Effect.gen(function*() {
        const tasks = yield* HashRequests
        return yield* tasks.hashBatch([
          ...texts.map((t, i) => ({ source: new BlobSource({ name: `f${i}`, blob: new Blob([t]) }), algorithms: ["sha256" as const, "md5" as const] })),
          { source: missing, algorithms: ["sha256" as const, "md5" as const] }
        ])
      }).pipe(Effect.provide(Pool))
    )
    expect(result.digests.split(" ")).toEqual(texts.flatMap((t) => [createHash("sha256").update(t).digest("hex"), createHash("md5").update(t).digest("hex")]))
    expect(unpackList(result.sizes, " ").map(Number)).toEqual([...texts.map((t) => t.length), -1])
    expect(result.failures.map(({ at }) => at)).toEqual([5])
    // Four non-empty Blobs in one joined read; the empty one and the path one by one.
    expect(joined).toBe(4)
    expect(opened).toBe(2)
  })
})
