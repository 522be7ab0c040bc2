import { Effect, Stream } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { blake3Vectors } from "@sluice/vectors"
import { afterAll, describe, expect, it } from "vitest"
import type { HashAlgorithm } from "../hash/HashAlgorithm.js"
import { BlobSource, PathSource } from "../engine/Source.js"
import { hashFiles, SpreadBlake3 } from "../hash/hashFiles.js"
import { WorkerPool } from "../engine/pool/WorkerPool.js"
import { PUBLISHED_VECTORS, vectorBytes } from "../hash/kernels/publishedVectors.js"
import * as SluiceNode from "./node.js"

// Real worker threads run the built worker entry: `test` runs after `build`.
const workerUrl = new URL("../../dist/platform/node-worker.js", import.meta.url)
const Pool = SluiceNode.layer({ workers: 2, workerUrl })

const dir = mkdtempSync(join(tmpdir(), "sluice-node-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const hashInWorkers = (
  files: ReadonlyArray<{ path: string; algorithms: ReadonlyArray<HashAlgorithm> }>,
  parallelThreshold?: number
) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(pool.kind).toBe("workers")
      const events = yield* Stream.runCollect(
        Stream.unwrap(Effect.succeed(
          files.length === 0 ? Stream.empty : hashFilesPerAlgorithm(files, parallelThreshold)
        ))
      )
      return [...events].filter((e) => e._tag !== "JobProgress")
      // With a threshold, the spread path is what is tested, even where the native kernel would take a file whole.
    }).pipe(Effect.provideService(SpreadBlake3, () => parallelThreshold !== undefined), Effect.provide(Pool))
  )

const hashFilesPerAlgorithm = (
  files: ReadonlyArray<{ path: string; algorithms: ReadonlyArray<HashAlgorithm> }>,
  parallelThreshold?: number
) =>
  Stream.mergeAll(
    [...new Set(files.map((f) => f.algorithms.join(",")))].map((key) =>
      hashFiles(
        files.filter((f) => f.algorithms.join(",") === key).map((f) => new PathSource({ path: f.path })),
        { algorithms: key.split(",") as Array<HashAlgorithm>, ...(parallelThreshold === undefined ? {} : { parallelThreshold }) }
      )
    ),
    { concurrency: 1 }
  )

describe("the Node layer (worker_threads)", () => {
  it("matches every published vector inside a real worker thread", async () => {
    const files = PUBLISHED_VECTORS.map((vector, i) => {
      const path = join(dir, `vector-${i}`)
      writeFileSync(path, vectorBytes(vector))
      return { path, algorithms: [vector.algorithm] as const, digest: vector.digest }
    })
    const results = await hashInWorkers(files)
    for (const file of files) {
      const result = results.find((r) => r.name === file.path)
      expect(result?._tag === "FileHashed" && result.digests[file.algorithms[0]]).toBe(file.digest)
    }
  })

  it("takes a large BLAKE3 file whole to one worker where the native kernel loads, spreads it otherwise", async () => {
    const spread = await Effect.runPromise(Effect.gen(function*() {
      return (yield* SpreadBlake3)()
    }).pipe(Effect.provide(Pool)))
    expect(spread).toBe(!SluiceNode.NodeHashKernel.usesNative("blake3"))
  })

  it("matches the official BLAKE3 vectors with each file spread over both workers", async () => {
    const json = blake3Vectors()
    const files = json.cases.map(({ hash, input_len }) => {
      const path = join(dir, `blake3-${input_len}`)
      writeFileSync(path, Uint8Array.from({ length: input_len }, (_, i) => i % 251))
      return { path, algorithms: ["blake3"] as const, digest: hash.slice(0, 64) }
    })
    // A threshold of two chunks sends every multi-chunk case down the parallel path.
    const results = await hashInWorkers(files, 2048)
    expect(results).toHaveLength(files.length)
    results.forEach((result, i) => {
      expect(result._tag === "FileHashed" && result.digests.blake3, `input_len ${json.cases[i]!.input_len}`).toBe(files[i]!.digest)
    })
  })

  it("hashes many files across the pool and reports them in input order", async () => {
    const files = Array.from({ length: 40 }, (_, i) => {
      const data = randomBytes(1 + ((i * 7919) % 300_000))
      const path = join(dir, `many-${i}`)
      writeFileSync(path, data)
      return { path, algorithms: ["sha256", "sha3-256"] as const, data }
    })
    const results = await hashInWorkers(files)
    expect(results.map((r) => r.name)).toEqual(files.map((f) => f.path))
    results.forEach((result, i) => {
      expect(result._tag === "FileHashed" && result.digests.sha256).toBe(createHash("sha256").update(files[i]!.data).digest("hex"))
      expect(result._tag === "FileHashed" && result.digests["sha3-256"]).toBe(
        createHash("sha3-256").update(files[i]!.data).digest("hex")
      )
    })
  })

  it("hashes a Blob posted to a worker thread as a handle", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5)
    const events = await Effect.runPromise(
      Stream.runCollect(hashFiles([new BlobSource({ name: "blob", blob: new Blob([data]) })], { algorithms: ["sha256"] })).pipe(
        Effect.provide(Pool)
      )
    )
    const hashed = [...events].find((e) => e._tag === "FileHashed")
    expect(hashed?.digests.sha256).toBe(createHash("sha256").update(data).digest("hex"))
  })

  it("hashFile resolves to the digests and reports progress", async () => {
    const data = randomBytes(40 * 1024 * 1024)
    const path = join(dir, "big")
    writeFileSync(path, data)
    const seen: Array<number> = []
    const digests = await SluiceNode.hashFile(path, {
      algorithms: ["sha512", "blake3"],
      workers: 2,
      workerUrl,
      onProgress: (p) => seen.push(p.bytes)
    })
    expect(digests.sha512).toBe(createHash("sha512").update(data).digest("hex"))
    expect(digests.blake3).toMatch(/^[0-9a-f]{64}$/)
    expect(seen.length).toBeGreaterThan(0)
  })

  it("hashFile rejects with a typed error for a missing file", async () => {
    await expect(SluiceNode.hashFile(join(dir, "nope"), { workerUrl })).rejects.toMatchObject({
      _tag: "HashError",
      reason: { _tag: "FileNotFound" }
    })
  })

  it("an interrupted hash stops its busy worker at once, not when the file is done", async () => {
    const path = join(dir, "sparse")
    writeFileSync(path, "")
    truncateSync(path, 1024 * 1024 * 1024) // 1 GiB of holes: seconds of SHA3-512, no disk needed
    const started = performance.now()
    const exit = await Effect.runPromise(
      hashFiles([new PathSource({ path })], { algorithms: ["sha3-512"] }).pipe(
        Stream.runDrain,
        Effect.timeoutOption("300 millis"),
        Effect.provide(Pool)
      )
    )
    const ms = performance.now() - started
    expect(exit._tag).toBe("None") // the timeout won: the hash was interrupted
    expect(ms).toBeLessThan(1_000)
  })
})
