import { Effect, Layer, Stream } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { rmSync } from "node:fs"
import { BlobSource, PathSource } from "../engine/Source.js"
import * as NodeByteSource from "../node/NodeByteSource.js"
import * as NodeHashKernel from "../node/NodeHashKernel.js"
import { DEFAULT_CHUNK_SIZE } from "../engine/ByteSource.js"
import { layerInline } from "../engine/pool/WorkerPool.js"
import { OperationHandlers, Operations } from "../operations.js"
import { hashFiles } from "./hashFiles.js"
import type { HashJobEvent } from "./HashJob.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-hashfiles-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const Inline = layerInline({ group: Operations, handlers: OperationHandlers }).pipe(Layer.provide([NodeByteSource.layer, NodeHashKernel.layer]))

const collect = (paths: ReadonlyArray<string>, algorithms: Parameters<typeof hashFiles>[1]["algorithms"]) =>
  Effect.runPromise(
    Stream.runCollect(hashFiles(paths.map((path) => new PathSource({ path })), { algorithms })).pipe(
      Effect.provide(Inline)
    )
  ).then((events): Array<HashJobEvent> => [...events])

const write = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

describe("hashFiles (inline pool)", () => {
  it("hashes awkward sizes around the chunk size like node:crypto", async () => {
    const sizes = [0, 1, DEFAULT_CHUNK_SIZE - 1, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE + 1, 3 * DEFAULT_CHUNK_SIZE + 7]
    const files = sizes.map((size) => ({ size, data: randomBytes(size) }))
    const paths = files.map(({ data, size }) => write(`f-${size}`, data))
    const events = await collect(paths, ["sha256", "md5"])
    const hashed = events.filter((e) => e._tag === "FileHashed")
    expect(hashed.map((e) => e.index)).toEqual(sizes.map((_, i) => i))
    hashed.forEach((event, i) => {
      expect(event.bytes).toBe(sizes[i])
      expect(event.digests.sha256).toBe(createHash("sha256").update(files[i]!.data).digest("hex"))
      expect(event.digests.md5).toBe(createHash("md5").update(files[i]!.data).digest("hex"))
    })
  })

  it("reports a missing file and a directory and still hashes the files after them", async () => {
    const good = write("good", Buffer.from("hello\n"))
    const sub = join(dir, "a-directory")
    mkdirSync(sub, { recursive: true })
    const events = await collect([join(dir, "missing"), sub, good], ["sha1"])
    const results = events.filter((e) => e._tag !== "JobProgress")
    expect(results.map((e) => e._tag)).toEqual(["FileFailed", "FileFailed", "FileHashed"])
    expect(results[0]!._tag === "FileFailed" && results[0]!.reason._tag).toBe("FileNotFound")
    expect(results[1]!._tag === "FileFailed" && results[1]!.reason._tag).toBe("IsADirectory")
    expect(results[2]!._tag === "FileHashed" && results[2]!.digests.sha1).toBe("f572d396fae9206628714fb2ce00f72e94f2258f")
  })

  it("reports job progress with bytes, total and a rate", async () => {
    const path = write("progress", randomBytes(40 * 1024 * 1024))
    const events = await collect([path], ["sha256"])
    const progress = events.filter((e) => e._tag === "JobProgress")
    expect(progress.length).toBeGreaterThan(0)
    const last = progress.at(-1)!
    expect(last.total).toBe(40 * 1024 * 1024)
    expect(last.bytesPerSecond).toBeGreaterThan(0)
  })

  it("reads a Blob in slices, as the browser reads a File", async () => {
    const data = randomBytes(2 * DEFAULT_CHUNK_SIZE + 3)
    const events = await Effect.runPromise(
      Stream.runCollect(hashFiles([new BlobSource({ name: "picked.bin", blob: new Blob([data]) })], { algorithms: ["sha256", "blake3"] })).pipe(
        Effect.provide(Inline)
      )
    )
    const hashed = [...events].find((e) => e._tag === "FileHashed")
    expect(hashed?.name).toBe("picked.bin")
    expect(hashed?.digests.sha256).toBe(createHash("sha256").update(data).digest("hex"))
  })
})
