/**
 * Issue 4 in real worker threads: crashed and hung workers are replaced, transient failures
 * retried, permanent ones reported at once, and a job under fire gives the clean result.
 */
import { Effect, Stream, SubscriptionRef } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { HashAlgorithm } from "../hash/HashAlgorithm.js"
import type { FileFailed, FileHashed } from "../hash/HashJob.js"
import { PathSource } from "../engine/Source.js"
import { hashFiles, SpreadBlake3 } from "../hash/hashFiles.js"
import { type PoolHealth, WorkerPool } from "../engine/pool/WorkerPool.js"
import type { FaultRule } from "../engine/faultySource.testkit.js"
import { faultWorkerUrl, faultyPool, type FaultyPool, killEvery, removeFaultWorker } from "./faults.testkit.js"

const MiB = 1024 * 1024
const dir = mkdtempSync(join(tmpdir(), "sluice-faults-"))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  removeFaultWorker()
})

const write = (name: string, bytes: Uint8Array) => {
  writeFileSync(join(dir, name), bytes)
  return join(dir, name)
}
const digestOf = (algorithm: string, bytes: Uint8Array) => createHash(algorithm).update(bytes).digest("hex")

const medium = randomBytes(24 * MiB)
const small = randomBytes(64 * 1024)
beforeAll(async () => {
  for (const name of ["crash.bin", "hang.bin", "flaky.bin", "broken.bin", "busy.bin"]) write(name, medium)
  write("hang-small.bin", small)
  await faultWorkerUrl()
}, 60_000)

interface JobReport {
  readonly results: ReadonlyArray<FileHashed | FileFailed>
  readonly health: PoolHealth
  readonly ms: number
  /** The longest wait between two events of the job: how long a recovery stalled it. */
  readonly longestGapMs: number
  /** `filesDone` of the job's last progress event. */
  readonly filesDone: number
}

const runJob = (
  pool: FaultyPool,
  paths: ReadonlyArray<string>,
  algorithms: ReadonlyArray<HashAlgorithm> = ["sha256"],
  parallelThreshold?: number
): Promise<JobReport> =>
  Effect.runPromise(Effect.gen(function*() {
    const workers = yield* WorkerPool
    const started = performance.now()
    let last = started
    let longestGapMs = 0
    let filesDone = 0
    const results: Array<FileHashed | FileFailed> = []
    yield* hashFiles(paths.map((path) => new PathSource({ path })), {
      algorithms,
      ...(parallelThreshold === undefined ? {} : { parallelThreshold })
    }).pipe(Stream.runForEach((event) =>
      Effect.sync(() => {
        const now = performance.now()
        longestGapMs = Math.max(longestGapMs, now - last)
        last = now
        if (event._tag !== "JobProgress") results.push(event)
        else filesDone = event.filesDone
      })
    ))
    return { results, health: yield* SubscriptionRef.get(workers.health), ms: performance.now() - started, longestGapMs, filesDone }
    // A large BLAKE3 file is spread over the pool in subtrees even where the native kernel
    // would take it whole: these tests are about recovering the subtree tasks.
  }).pipe(Effect.provideService(SpreadBlake3, () => true), Effect.provide(pool.layer)))

const only = (report: JobReport) => {
  expect(report.results).toHaveLength(1)
  return report.results[0]!
}

describe("a worker that crashes mid-task", () => {
  const rules: Array<FaultRule> = [{ match: "crash.bin", fault: { _tag: "crash" }, times: 2, atByte: 8 * MiB }]

  it("is replaced, and its task retried at once on the calling thread gives the same digest", async () => {
    const pool = await faultyPool({ workers: 2, rules })
    const report = await runJob(pool, [join(dir, "crash.bin")])
    expect(only(report)).toMatchObject({ _tag: "FileHashed", digests: { sha256: digestOf("sha256", medium) } })
    expect(pool.counters[0]).toBe(1) // the calling thread reads the file without the fault
    expect(report.health).toMatchObject({ restarts: 1, retries: 1, fallbackTasks: 1, breaker: { _tag: "closed" } })
  })

  it("without the calling thread, is replaced and its task retried on a healthy worker", async () => {
    const pool = await faultyPool({ workers: 2, rules, supervision: { retryCrashedInline: false } })
    const report = await runJob(pool, [join(dir, "crash.bin")])
    expect(only(report)).toMatchObject({ _tag: "FileHashed", digests: { sha256: digestOf("sha256", medium) } })
    expect(pool.counters[0]).toBe(2)
    expect(report.health).toMatchObject({ restarts: 2, fallbackTasks: 0, breaker: { _tag: "closed" } })
  })
})

describe("a resumable hash whose worker crashes", () => {
  it("continues on a new worker from the latest checkpoint, not from the beginning", async () => {
    const rules: Array<FaultRule> = [{ match: "crash-resumable.bin", fault: { _tag: "crash" }, times: 1, atByte: 17 * MiB }]
    const path = write("crash-resumable.bin", medium)
    const pool = await faultyPool({ workers: 2, rules, supervision: { retryCrashedInline: false } })
    const saved: Array<number> = []
    const result = await Effect.runPromise(Effect.gen(function*() {
      let last: FileHashed | FileFailed | undefined
      yield* hashFiles([new PathSource({ path })], {
        algorithms: ["sha256"],
        checkpoint: { every: 4 * MiB, save: (cp) => Effect.sync(() => saved.push(cp.bytes / MiB)) }
      }).pipe(Stream.runForEach((event) => Effect.sync(() => event._tag !== "JobProgress" && (last = event))))
      return last
    }).pipe(Effect.provide(pool.layer)))
    expect(result).toMatchObject({ _tag: "FileHashed", digests: { sha256: digestOf("sha256", medium) } })
    expect(pool.counters[0]).toBe(1)
    // 4, 8, 12, 16, then the crash: the new worker goes on at 16 and saves 20 and 24, never 4 again.
    expect(saved).toEqual([4, 8, 12, 16, 20, 24])
  })
})

describe("a worker that hangs", () => {
  const supervision = { stallTimeout: "400 millis" as const, deadline: () => "400 millis" as const }

  it("a streamed task that stops reporting is terminated, replaced and retried", async () => {
    const rules: Array<FaultRule> = [{ match: "hang.bin", fault: { _tag: "hang" }, times: 1, atByte: 4 * MiB }]
    const pool = await faultyPool({ workers: 2, rules, supervision })
    const report = await runJob(pool, [join(dir, "hang.bin")])
    expect(only(report)).toMatchObject({ _tag: "FileHashed", digests: { sha256: digestOf("sha256", medium) } })
    expect(report.health).toMatchObject({ timeouts: 1, restarts: 1 })
    expect(report.ms).toBeLessThan(5_000)
  })

  it("a batch of small files that misses its deadline is retried whole, every result in order", async () => {
    const others = Array.from({ length: 6 }, (_, i) => write(`ok-${i}.bin`, small))
    const rules: Array<FaultRule> = [{ match: "hang-small.bin", fault: { _tag: "hang" }, times: 1 }]
    const pool = await faultyPool({ workers: 2, rules, supervision })
    const report = await runJob(pool, [...others.slice(0, 3), join(dir, "hang-small.bin"), ...others.slice(3)])
    expect(report.results.map((r) => r._tag)).toEqual(Array(7).fill("FileHashed"))
    expect(report.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6])
    for (const r of report.results) expect((r as FileHashed).digests.sha256).toBe(digestOf("sha256", small))
    expect(report.health.timeouts).toBe(1)
  })
})

describe("read errors", () => {
  it("a transient one (EAGAIN, 3 times) is retried until the file hashes", async () => {
    const rules: Array<FaultRule> = [{ match: "flaky.bin", fault: { _tag: "fail", code: "EAGAIN" }, times: 3 }]
    const pool = await faultyPool({ workers: 2, rules })
    const report = await runJob(pool, [join(dir, "flaky.bin")])
    expect(only(report)).toMatchObject({ _tag: "FileHashed", digests: { sha256: digestOf("sha256", medium) } })
    expect(pool.counters[0]).toBe(3)
    expect(report.health).toMatchObject({ retries: 3, restarts: 0 })
  })

  it("100 % of 40 small files that each fail transiently twice are hashed correctly", async () => {
    const paths = Array.from({ length: 40 }, (_, i) => write(`flaky-${i}.bin`, small))
    const rules: Array<FaultRule> = paths.map((path) => ({
      match: path.slice(dir.length),
      fault: { _tag: "fail", code: "EBUSY" },
      times: 2
    }))
    const pool = await faultyPool({ workers: 2, rules })
    const report = await runJob(pool, paths)
    expect(report.results.filter((r) => r._tag === "FileHashed")).toHaveLength(40)
    expect(report.filesDone).toBe(40) // each file counted once, though retried on its own
    for (const r of report.results) expect((r as FileHashed).digests.sha256).toBe(digestOf("sha256", small))
  })

  it("a permanent one (EIO) is reported after a single attempt", async () => {
    const rules: Array<FaultRule> = [{ match: "broken.bin", fault: { _tag: "fail", code: "EIO" }, times: 100 }]
    const pool = await faultyPool({ workers: 2, rules })
    const report = await runJob(pool, [join(dir, "broken.bin")])
    expect(only(report)).toMatchObject({ _tag: "FileFailed", reason: { _tag: "ReadFailed", code: "EIO" } })
    expect(pool.counters[0]).toBe(1)
    expect(report.health.retries).toBe(0)
  })

  it("a transient one that never clears is reported within 5 s, after bounded retries", async () => {
    const rules: Array<FaultRule> = [{ match: "busy.bin", fault: { _tag: "fail", code: "EAGAIN" }, times: 1_000 }]
    const pool = await faultyPool({ workers: 2, rules })
    const report = await runJob(pool, [join(dir, "busy.bin")])
    expect(only(report)).toMatchObject({ _tag: "FileFailed", reason: { _tag: "ReadFailed", code: "EAGAIN" } })
    expect(pool.counters[0]).toBe(7) // the attempt and six retries
    expect(report.ms).toBeLessThan(5_000)
  })
})

describe("a random worker killed every 200 ms", () => {
  // 128 MiB in the suite; SLUICE_FAULT_MIB=1024 gives the full-size figures.
  const bigMiB = Number(process.env["SLUICE_FAULT_MIB"] ?? 128)
  const big = randomBytes(bigMiB * MiB)
  const many = Array.from({ length: 1000 }, (_, i) => randomBytes(1024 + (i % 7) * 4096))
  let bigPath: string
  let manyPaths: Array<string>
  beforeAll(() => {
    bigPath = write("big.bin", big)
    manyPaths = many.map((bytes, i) => write(`many-${i}.bin`, bytes))
  })

  const underFire = async (label: string, paths: ReadonlyArray<string>, algorithms: ReadonlyArray<HashAlgorithm>) => {
    const clean = await runJob(await faultyPool({ workers: 2 }), paths, algorithms)
    const pool = await faultyPool({ workers: 2 })
    const stop = killEvery(pool, 200)
    const fired = await runJob(pool, paths, algorithms)
    const kills = stop()
    console.log(
      `${label}: clean ${clean.ms.toFixed(0)} ms, under fire ${fired.ms.toFixed(0)} ms ` +
        `(${(fired.ms / clean.ms).toFixed(2)}×), ${kills} kills, ${fired.health.restarts} restarts, ` +
        `${fired.health.fallbackTasks} tasks on the fallback, longest stall ${fired.longestGapMs.toFixed(0)} ms`
    )
    expect(fired.results).toEqual(clean.results)
    return { clean, fired, kills }
  }

  it("BLAKE3 of a large file spread over the pool: the clean digest", async () => {
    const { clean } = await underFire(`BLAKE3 ${bigMiB} MiB`, [bigPath], ["blake3"])
    expect(only(clean)).toMatchObject({ _tag: "FileHashed" })
  })

  it("SHA-256 of a large file on one worker: the clean digest", async () => {
    const { clean } = await underFire(`SHA-256 ${bigMiB} MiB`, [bigPath], ["sha256"])
    expect(only(clean)).toMatchObject({ digests: { sha256: digestOf("sha256", big) } })
  })

  it("1,000 small files: every clean digest, in order", async () => {
    const { fired } = await underFire("1,000 files", manyPaths, ["sha256"])
    expect(fired.results.map((r) => (r as FileHashed).digests.sha256)).toEqual(many.map((b) => digestOf("sha256", b)))
  })
})
