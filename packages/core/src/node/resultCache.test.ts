/**
 * The result cache under the hash pipeline, on real files: a second run is answered from
 * the cache, and no change to a file, however it was made, is answered from it.
 */
import { Effect, Layer, Stream } from "effect"
import { createHash } from "node:crypto"
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import type { CacheLevel } from "../engine/cache/CacheLevel.js"
import { makeMemoryLevel } from "../engine/cache/MemoryLevel.js"
import * as ResultCache from "../engine/cache/ResultCache.js"
import type { HashAlgorithm } from "../hash/HashAlgorithm.js"
import type { FileFailed, FileHashed } from "../hash/HashJob.js"
import { PathSource, type Source, StdinSource } from "../engine/Source.js"
import { hashFiles, LOOKUP_CHUNK } from "../hash/hashFiles.js"
import { storeManyDigests } from "../hash/digestCache.js"
import { cacheLayer, kernelVersion, layer, layerInline } from "./node.js"
import { identify } from "./nodeIdentity.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-result-cache-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex")

const hashWith = (cache: Layer.Layer<ResultCache.ResultCache>) =>
(sources: ReadonlyArray<Source>, algorithms: ReadonlyArray<HashAlgorithm> = ["sha256"]) =>
  Effect.runPromise(
    hashFiles(sources, { algorithms }).pipe(
      Stream.filter((e): e is FileHashed | FileFailed => e._tag !== "JobProgress"),
      Stream.runCollect,
      Effect.provide(Layer.merge(layerInline, cache))
    )
  )

const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

/** Sets a file's times back, as `touch -d` does, so its mtime is what it was. */
const restoreMtime = (path: string, mtime: Date) => utimesSync(path, mtime, mtime)

describe("a second hash of unchanged files", () => {
  it("is answered from the disk cache, in a new process's cache as well", async () => {
    const cacheDir = join(dir, "cache-repeat")
    const paths = Array.from({ length: 20 }, (_, i) => file(`repeat-${i}.bin`, `content ${i}`.repeat(1000 * (i + 1))))
    const sources = paths.map((path) => new PathSource({ path }))
    const first = await hashWith(cacheLayer({ dir: cacheDir }))(sources)
    expect(first.every((r) => r._tag === "FileHashed" && r.cached === undefined)).toBe(true)
    // A new layer: nothing in memory, everything from the directory.
    const second = await hashWith(cacheLayer({ dir: cacheDir }))(sources)
    expect(second.map((r) => (r as FileHashed).cached)).toEqual(paths.map(() => true))
    expect(second.map((r) => (r as FileHashed).digests)).toEqual(first.map((r) => (r as FileHashed).digests))
  })

  it("a tree of several lookup chunks, some files cached and some not, on the Node layer's workers: each answered once, in order, the new ones stored", async () => {
    const cacheDir = join(dir, "cache-chunks")
    const count = 2 * LOOKUP_CHUNK + 7
    const paths = Array.from({ length: count }, (_, i) => file(`chunk-${i}.bin`, `chunk file ${i}`))
    const sources = paths.map((path) => new PathSource({ path }))
    const onNode = (list: ReadonlyArray<Source>) =>
      Effect.runPromise(
        hashFiles(list, { algorithms: ["sha256"] }).pipe(
          Stream.filter((e): e is FileHashed | FileFailed => e._tag !== "JobProgress"),
          Stream.runCollect,
          Effect.provide(Layer.merge(layer({ workers: 2, workerUrl: new URL("../../dist/platform/node-worker.js", import.meta.url) }), cacheLayer({ dir: cacheDir })))
        )
      )
    // Every third file hashed before: the tree is hits and misses in every chunk.
    await onNode(sources.filter((_, i) => i % 3 === 0))
    const results = await onNode(sources)
    expect(results.map((r) => r.index)).toEqual(paths.map((_, i) => i))
    expect(results.map((r) => (r as FileHashed).digests["sha256"])).toEqual(paths.map((_, i) => sha256(`chunk file ${i}`)))
    expect(results.map((r) => (r as FileHashed).cached === true)).toEqual(paths.map((_, i) => i % 3 === 0))
    const again = await onNode(sources)
    expect(again.every((r) => (r as FileHashed).cached === true)).toBe(true)
  })

  it("another algorithm is a miss; asking for both hits only when both are cached", async () => {
    const cacheDir = join(dir, "cache-algorithms")
    const source = new PathSource({ path: file("algorithms.bin", "abc".repeat(5000)) })
    const hash = hashWith(cacheLayer({ dir: cacheDir }))
    await hash([source], ["sha256"])
    expect(((await hash([source], ["sha256", "blake3"]))[0] as FileHashed).cached).toBeUndefined()
    expect(((await hash([source], ["blake3", "sha256"]))[0] as FileHashed).cached).toBe(true)
  })

  it("standard input has no identity, so it is never cached", async () => {
    const ids = await Effect.runPromise(identify([new StdinSource(), new PathSource({ path: "-" }), new PathSource({ path: dir })]))
    expect(ids).toEqual([undefined, undefined, undefined]) // a pipe, "-", a directory
  })
})

describe("a changed file is never answered from the cache", () => {
  const content = "0123456789abcdef".repeat(4096) // 64 KiB: three samples, not the whole file
  const changes: ReadonlyArray<[string, (path: string) => void]> = [
    ["rewritten with the same size, mtime restored as touch -d does", (path) => {
      const mtime = statSync(path).mtime
      writeFileSync(path, content.replace("0123", "XXXX"))
      restoreMtime(path, mtime)
    }],
    ["rewritten with the same bytes in the middle of the file only, mtime restored", (path) => {
      const mtime = statSync(path).mtime
      writeFileSync(path, content.slice(0, 30_000) + "Z" + content.slice(30_001))
      restoreMtime(path, mtime)
    }],
    ["truncated", (path) => truncateSync(path, 1000)],
    ["appended to", (path) => appendFileSync(path, "more")],
    ["truncated to nothing", (path) => truncateSync(path, 0)],
    ["touched only (same content, new times)", (path) => restoreMtime(path, new Date(2001, 1, 1))],
    ["replaced by another file under its name", (path) => {
      rmSync(path)
      writeFileSync(path, content)
    }]
  ]
  it.each(changes)("%s", async (_, change) => {
    const cacheDir = join(dir, `cache-change-${Math.random()}`)
    const path = file(`changed-${Math.random()}.bin`, content)
    const hash = hashWith(cacheLayer({ dir: cacheDir }))
    await hash([new PathSource({ path })])
    expect(((await hash([new PathSource({ path })]))[0] as FileHashed).cached).toBe(true)
    change(path)
    const after = (await hash([new PathSource({ path })]))[0] as FileHashed
    expect(after.cached).toBeUndefined()
    expect(after.digests["sha256"]).toBe(sha256(readFileSync(path)))
  })

  it("content that changed while metadata could not show it (the same tick) is caught by the fingerprint", async () => {
    // A file written in the last 2 s is not settled: its entry keeps the sampled blocks'
    // fingerprint. Here the metadata is frozen by hand, as a second write in the same
    // clock tick would leave it; only the content differs.
    const path = file("racy.bin", "A".repeat(50_000))
    const [real] = await Effect.runPromise(identify([new PathSource({ path })]))
    const frozen: ResultCache.Identify = (sources) =>
      Effect.map(identify(sources), (ids) => ids.map((id) => id && asEffects(id, { key: real!.key, unchanged: Effect.succeed(true) })))
    const cache = ResultCache.layer({ levels: [makeMemoryLevel()], identify: frozen, appVersion: "t", kernelVersion })
    const runtime = await Effect.runPromise(Layer.build(cache).pipe(Effect.scoped))
    const layer = Layer.succeedContext(runtime)
    await hashWith(layer)([new PathSource({ path })])
    expect(((await hashWith(layer)([new PathSource({ path })]))[0] as FileHashed).cached).toBe(true)
    writeFileSync(path, "B" + "A".repeat(49_999))
    const after = (await hashWith(layer)([new PathSource({ path })]))[0] as FileHashed
    expect(after.cached).toBeUndefined()
    expect(after.digests["sha256"]).toBe(sha256("B" + "A".repeat(49_999)))
  })

  it("a file that changes while it is hashed is not cached", async () => {
    const path = file("moving.bin", "m".repeat(10_000))
    const seen: Array<string> = []
    const moving: ResultCache.Identify = (sources) =>
      Effect.map(identify(sources), (ids) => ids.map((id) => id && asEffects(id, { unchanged: Effect.succeed(false) })))
    const cache = ResultCache.layer({ levels: [recordingLevel(seen)], identify: moving, appVersion: "t", kernelVersion })
    await hashWith(cache)([new PathSource({ path })])
    expect(seen).toEqual([])
  })
})

/**
 * The identity's Effect forms only (no sync forms, which would answer first), with some of
 * them replaced: the cache then decides by what the test says.
 */
const asEffects = (id: ResultCache.ContentIdentity, replaced: Partial<ResultCache.ContentIdentity>): ResultCache.ContentIdentity => ({
  key: id.key,
  size: id.size,
  settled: id.settled,
  fingerprint: id.fingerprint,
  unchanged: id.unchanged,
  ...replaced
})

/** A memory level that notes every key and value written to it. */
const recordingLevel = (seen: Array<string>): CacheLevel => {
  const memory = makeMemoryLevel()
  return {
    ...memory,
    set: (key, value) => Effect.andThen(Effect.sync(() => seen.push(key, value)), memory.set(key, value)),
    setMany: (entries) => Effect.andThen(Effect.sync(() => entries.forEach(([key, value]) => seen.push(key, value))), memory.setMany!(entries))
  }
}

describe("storing a tree's results at once", () => {
  it("stores a file whose key the worker saw unchanged after reading it, and not one whose key moved", () => {
    const still = file("still.bin", "s".repeat(100))
    const moved = file("moved.bin", "m".repeat(100))
    const [a, b] = Effect.runSync(identify([new PathSource({ path: still }), new PathSource({ path: moved })]))
    const seen: Array<string> = []
    const cache = ResultCache.make({ levels: [recordingLevel(seen)], identify, appVersion: "t", kernelVersion })
    Effect.runSync(storeManyDigests(cache, [
      { identity: a!, digests: { sha256: "aa".repeat(32) }, bytes: 100, after: a!.key },
      { identity: b!, digests: { sha256: "bb".repeat(32) }, bytes: 100, after: `${b!.key}:another` }
    ]))
    // One entry: a key and its value, the digest of the file that stayed as it was read.
    expect(seen).toHaveLength(2)
    expect(seen[1]).toContain("aa".repeat(32))
  })
})

describe("what reaches the cache", () => {
  it("is opaque keys and digests: no content, no name, no path", async () => {
    const marker = "SECRET-MARKER-7f3a"
    const paths = [
      file(`${marker}-small.txt`, `${marker} ${marker}`),
      file(`${marker}-large.bin`, marker.repeat(10_000))
    ]
    const seen: Array<string> = []
    const cache = ResultCache.layer({ levels: [recordingLevel(seen)], identify, appVersion: "t", kernelVersion })
    await hashWith(cache)(paths.map((path) => new PathSource({ path })), ["sha256", "blake3", "md5"])
    expect(seen.length).toBe(12)
    for (const written of seen) {
      expect(written).not.toContain(marker)
      expect(written).not.toContain(dir)
      expect(written).toMatch(/^[0-9a-f]{40}$|^\{"d":"[0-9a-f]+","b":\d+(,"f":"[0-9a-f]{32}")?\}$/)
    }
  })
})

describe("a job the cache leaves small", () => {
  it("runs on the calling thread while no worker is up, and a large one starts workers", async () => {
    const { Worker } = await import("node:worker_threads")
    let spawned = 0
    const pool = (inlineJobsBelow: number) =>
      layer({
        workers: 2,
        spawn: () => {
          spawned++
          return new Worker(new URL("../../dist/platform/node-worker.js", import.meta.url))
        },
        supervision: { minWorkers: 0, inlineJobsBelow }
      })
    const sources = [0, 1, 2].map((i) => new PathSource({ path: file(`small-job-${i}.bin`, `small ${i}`.repeat(500)) }))
    const run = (inlineJobsBelow: number) =>
      Effect.runPromise(
        hashFiles(sources, { algorithms: ["sha256"] }).pipe(
          Stream.filter((e): e is FileHashed => e._tag === "FileHashed"),
          Stream.runCollect,
          Effect.provide(Layer.merge(pool(inlineJobsBelow), cacheLayer({ disk: false })))
        )
      )
    const small = await run(1024 * 1024)
    expect(spawned).toBe(0)
    expect(small.map((r) => r.digests["sha256"])).toEqual([0, 1, 2].map((i) => sha256(`small ${i}`.repeat(500))))
    await run(100) // 12 KiB of files is over this limit: a worker starts
    expect(spawned).toBeGreaterThan(0)
  })
})
