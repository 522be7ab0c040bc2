import { Checkpointed, DEFAULT_PARALLEL_THRESHOLD, ReadFailed } from "@sluice/core"
import { cacheLayer, layerInline } from "@sluice/core/browser"
import { Effect, Layer, ManagedRuntime } from "effect"
import { createHash } from "node:crypto"
import { afterEach, describe, expect, it } from "vitest"
import type { JobCheckpoint } from "../resume/Checkpoints.js"
import { GROUP_FILES, GROUP_FROM_FILES, type HashJobsOptions, makeHashJobs } from "./HashJobs.js"
import { fakeDigest, fakeStates, file, makeFrames, makeTestJobs, settle } from "./testkit.js"

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

const setup = (options: Parameters<typeof makeTestJobs>[0] = {}) => {
  const t = makeTestJobs(options)
  cleanups.push(() => {
    t.jobs.dispose()
    return t.runtime.dispose()
  })
  return { ...t, rows: () => t.jobs.getSnapshot().rows }
}

describe("HashJobs", () => {
  it("hashes a pick of many small files in groups of batches, not a worker task per file", async () => {
    const { frames, jobs, pool, rows } = setup({ auto: true })
    const count = GROUP_FILES + 22
    jobs.addFiles(Array.from({ length: count }, (_, i) => ({ path: `f${i}`, file: file(`f${i}`, 4096) })), ["sha256"])
    await settle(frames, () => rows().length === count && rows().every((row) => row.status === "done"))
    expect(pool.tasks).toHaveLength(0)
    expect(pool.batches.flat()).toEqual(Array.from({ length: count }, (_, i) => `f${i}`))
    expect(rows()[count - 1]!.digests).toEqual({ sha256: fakeDigest("sha256", `f${count - 1}`) })
    expect(rows().every((row) => row.bytes === 4096)).toBe(true)
  })

  it("hashes each file of a small pick on its own", async () => {
    const { frames, jobs, pool, rows } = setup({ auto: true })
    jobs.addFiles(Array.from({ length: GROUP_FROM_FILES - 1 }, (_, i) => ({ path: `f${i}`, file: file(`f${i}`, 10) })), ["sha256"])
    await settle(frames, () => rows().length === GROUP_FROM_FILES - 1 && rows().every((row) => row.status === "done"))
    expect(pool.batches).toHaveLength(0)
  })

  it("cancels one file of a group: it stays cancelled (its digest is dropped), the others are hashed", async () => {
    const { frames, jobs, pool, rows } = setup({ auto: true })
    jobs.addFiles(Array.from({ length: GROUP_FROM_FILES }, (_, i) => ({ path: `f${i}`, file: file(`f${i}`, 10) })), ["sha256"])
    frames.run()
    jobs.cancel(rows()[3]!.id)
    await settle(frames, () => rows().every((row) => row.status === "done" || row.status === "cancelled"))
    expect(rows().map((row) => row.status).filter((status) => status === "cancelled")).toHaveLength(1)
    expect(rows()[3]!.status).toBe("cancelled")
    expect(rows()[3]!.digests).toEqual({})
    expect(pool.batches.flat()).toHaveLength(GROUP_FROM_FILES)
  })

  it("lists a large pick slice by slice, each later slice in its own task", async () => {
    const later: Array<() => void> = []
    let clock = 0
    const { frames, jobs, rows } = setup({ auto: true, now: () => (clock += 1), yieldTask: (task) => void later.push(task) })
    jobs.addFiles(Array.from({ length: 100 }, (_, i) => ({ path: `f${i}`, file: file(`f${i}`, 10) })), ["sha256"])
    frames.run()
    const first = rows().length
    expect(first).toBeGreaterThan(0)
    expect(first).toBeLessThan(100)
    expect(later).toHaveLength(1)
    while (later.length > 0) later.shift()!()
    await settle(frames, () => rows().length === 100 && rows().every((row) => row.status === "done"))
    expect(rows().map((row) => row.name)).toEqual(Array.from({ length: 100 }, (_, i) => `f${i}`))
  })

  it("stops listing a pick when every file is cancelled", () => {
    const later: Array<() => void> = []
    let clock = 0
    const { frames, jobs, rows } = setup({ auto: true, now: () => (clock += 1), yieldTask: (task) => void later.push(task) })
    jobs.addFiles(Array.from({ length: 100 }, (_, i) => ({ path: `f${i}`, file: file(`f${i}`, 10) })), ["sha256"])
    jobs.cancelAll()
    while (later.length > 0) later.shift()!()
    frames.run()
    expect(rows().length).toBeLessThan(100)
    expect(rows().every((row) => row.status === "cancelled")).toBe(true)
  })

  it("hashes each file with every chosen algorithm and publishes the digests", async () => {
    const { frames, jobs, rows } = setup({ auto: true })
    jobs.addFiles([{ path: "a.txt", file: file("a.txt", "hello") }, { path: "dir/b.bin", file: file("b.bin", 10) }], [
      "sha256",
      "blake3"
    ])
    await settle(frames, () => rows().every((row) => row.status === "done"))
    expect(rows().map((row) => [row.name, row.size])).toEqual([["a.txt", 5], ["dir/b.bin", 10]])
    expect(rows()[1]!.digests).toEqual({ sha256: fakeDigest("sha256", "dir/b.bin"), blake3: fakeDigest("blake3", "dir/b.bin") })
    expect(rows()[1]!.bytes).toBe(10)
  })

  it("publishes nothing until a frame, then one snapshot for many events", async () => {
    const { frames, jobs, pool } = setup({ size: 4 })
    let notified = 0
    jobs.subscribe(() => notified++)
    jobs.addFiles([1, 2, 3].map((n) => ({ path: `f${n}`, file: file(`f${n}`, 1000) })), ["sha256"])
    expect(jobs.getSnapshot().rows).toHaveLength(0)
    expect(notified).toBe(0)
    await settle({ run: () => {} }, () => pool.tasks.length === 3)
    for (const task of pool.tasks) {
      for (const bytes of [100, 200, 300, 400]) task.progress(bytes)
    }
    // Turns of the event loop rather than a few ms of the clock, for the events to reach the
    // store: 5 ms was not always enough on a loaded machine (bytes still 0 at the frame).
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setTimeout(resolve, 1))
    expect(frames.pending()).toBe(1)
    frames.run()
    expect(notified).toBe(1)
    expect(jobs.getSnapshot().rows.map((row) => [row.status, row.bytes])).toEqual([
      ["hashing", 400],
      ["hashing", 400],
      ["hashing", 400]
    ])
  })

  it("publishes progress alone at most once per progressEveryMs, and a change of status at the next frame", async () => {
    const pool = makeTestJobs({ size: 2 }).pool
    const frames = makeFrames()
    const runtime = ManagedRuntime.make(pool.layer)
    const jobs = makeHashJobs({ runtime, scheduleFrame: frames.scheduleFrame, progressEveryMs: 60 })
    cleanups.push(async () => {
      jobs.dispose()
      await runtime.dispose()
    })
    jobs.addFiles([{ path: "a", file: file("a", 1000) }, { path: "b", file: file("b", 1000) }], ["sha256"])
    await settle(frames, () => pool.tasks.length === 2 && jobs.getSnapshot().rows.every((row) => row.status === "hashing"))
    const bytes = () => jobs.getSnapshot().rows.map((row) => row.bytes)
    pool.tasks[0]!.progress(100)
    await settle(frames, () => bytes()[0] === 100)
    // Within the window: nothing to publish until it ends.
    pool.tasks[1]!.progress(200)
    pool.tasks[0]!.progress(300)
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(frames.pending()).toBe(0)
    await settle(frames, () => bytes()[0] === 300 && bytes()[1] === 200)
    // A file done is shown at the next frame, with the progress still waiting.
    pool.tasks[1]!.progress(400)
    pool.tasks[0]!.finish()
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(frames.pending()).toBe(1)
    frames.run()
    expect(jobs.getSnapshot().rows.map((row) => [row.status, row.bytes])).toEqual([["done", 1000], ["hashing", 400]])
  })

  it("keeps the identity of rows that did not change", async () => {
    const { frames, jobs, pool, rows } = setup({ size: 2 })
    jobs.addFiles([{ path: "a", file: file("a", 100) }, { path: "b", file: file("b", 100) }], ["sha256"])
    await settle(frames, () => pool.tasks.length === 2 && rows().every((row) => row.status === "hashing"))
    const before = rows()
    pool.tasks[0]!.progress(50)
    await settle(frames, () => rows()[0]!.bytes === 50)
    expect(rows()[0]).not.toBe(before[0])
    expect(rows()[1]).toBe(before[1])
  })

  it("runs at most pool.size files at once; the rest wait as queued", async () => {
    const { frames, jobs, pool, rows } = setup({ size: 1 })
    jobs.addFiles([{ path: "first", file: file("first") }, { path: "second", file: file("second") }], ["md5"])
    await settle(frames, () => pool.tasks.length === 1)
    expect(rows().map((row) => row.status)).toEqual(["hashing", "queued"])
    pool.tasks[0]!.finish()
    await settle(frames, () => pool.tasks.length === 2)
    expect(rows().map((row) => row.status)).toEqual(["done", "hashing"])
  })

  it("measures throughput and time left from the moment a file starts", async () => {
    let clock = 0
    const pool = makeTestJobs({ size: 1 }).pool
    const frames = makeFrames()
    const runtime = ManagedRuntime.make(pool.layer)
    const jobs = makeHashJobs({ runtime, scheduleFrame: frames.scheduleFrame, now: () => clock, progressEveryMs: 0 })
    cleanups.push(() => runtime.dispose())
    jobs.addFiles([{ path: "big", file: file("big", 4000) }], ["sha256"])
    await settle(frames, () => pool.tasks.length === 1)
    clock += 2000
    pool.tasks[0]!.progress(1000)
    await settle(frames, () => jobs.getSnapshot().rows[0]!.bytes === 1000)
    const row = jobs.getSnapshot().rows[0]!
    expect(row.bytesPerSecond).toBe(500)
    expect(row.etaSeconds).toBe(6)
  })

  it("counts bytes read and worker time as files go, running files included (the Performance page's live figures)", async () => {
    let clock = 0
    const { frames, jobs, pool } = setup({ size: 2, now: () => clock })
    jobs.addFiles([{ path: "a", file: file("a", 4000) }, { path: "b", file: file("b", 1000) }], ["sha256"])
    await settle(frames, () => pool.tasks.length === 2)
    expect(jobs.activity()).toEqual({ bytes: 0, busyMs: 0, running: 2 })
    clock = 500
    pool.tasks[0]!.progress(1000)
    pool.tasks[1]!.progress(400)
    await settle(frames, () => jobs.getSnapshot().rows[1]!.bytes === 400)
    expect(jobs.activity()).toEqual({ bytes: 1400, busyMs: 1000, running: 2 })
    pool.tasks[1]!.finish()
    await settle(frames, () => jobs.getSnapshot().rows[1]!.status === "done")
    clock = 1000
    jobs.cancel(jobs.getSnapshot().rows[0]!.id)
    clock = 5000
    // b's last 600 bytes came with its digest; a's 1000 read before the cancel stay counted.
    expect(jobs.activity()).toEqual({ bytes: 2000, busyMs: 1500, running: 0 })
  })

  it("is busy from the moment a file is added until none waits or hashes (the offline copy waits for it)", async () => {
    const { frames, jobs, pool } = setup({ size: 1 })
    expect(jobs.busy()).toBe(false)
    jobs.addFiles([{ path: "a", file: file("a", 100) }, { path: "b", file: file("b", 100) }], ["sha256"])
    // Before any task has started.
    expect(jobs.busy()).toBe(true)
    await settle(frames, () => pool.tasks.length === 1)
    pool.tasks[0]!.finish()
    await settle(frames, () => pool.tasks.length === 2)
    expect(jobs.busy()).toBe(true)
    pool.tasks[1]!.finish()
    await settle(frames, () => jobs.getSnapshot().rows.every((row) => row.status === "done"))
    expect(jobs.busy()).toBe(false)
  })

  it("counts a large BLAKE3-only file as busy on every worker (it is spread over the pool)", async () => {
    let clock = 0
    const { frames, jobs } = setup({ size: 2, now: () => clock })
    jobs.addFiles([{ path: "big", file: file("big", DEFAULT_PARALLEL_THRESHOLD) }], ["blake3"])
    // (The fake pool does not split BLAKE3; the file's start is what counts here.)
    await settle(frames, () => jobs.activity().running === 1)
    clock = 100
    expect(jobs.activity().busyMs).toBe(200)
  })

  it("cancels one file: its worker task is interrupted and the others go on", async () => {
    const { frames, jobs, pool, rows } = setup({ size: 2 })
    jobs.addFiles([{ path: "keep", file: file("keep") }, { path: "drop", file: file("drop") }], ["sha1"])
    await settle(frames, () => pool.tasks.length === 2)
    jobs.cancel(rows()[1]!.id)
    frames.run()
    expect(rows()[1]!.status).toBe("cancelled")
    expect(rows()[1]!.retryable).toBe(true)
    await settle(frames, () => pool.tasks[1]!.interrupted())
    pool.tasks[0]!.finish()
    await settle(frames, () => rows()[0]!.status === "done")
    expect(rows()[1]!.status).toBe("cancelled")
  })

  it("cancels every waiting and running file", async () => {
    const { frames, jobs, pool, rows } = setup({ size: 1 })
    jobs.addFiles(["a", "b", "c"].map((n) => ({ path: n, file: file(n) })), ["sha256"])
    await settle(frames, () => pool.tasks.length === 1)
    jobs.cancelAll()
    frames.run()
    expect(rows().map((row) => row.status)).toEqual(["cancelled", "cancelled", "cancelled"])
    await settle(frames, () => pool.tasks[0]!.interrupted())
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(pool.tasks).toHaveLength(1)
  })

  it("shows why a file failed, and hashes it again on retry", async () => {
    const { frames, jobs, pool, rows } = setup({ size: 1 })
    jobs.addFiles([{ path: "gone.iso", file: file("gone.iso") }], ["sha256"])
    await settle(frames, () => pool.tasks.length === 1)
    pool.tasks[0]!.finish({ fail: new ReadFailed({ path: "gone.iso", code: "NotReadableError" }) })
    await settle(frames, () => rows()[0]!.status === "failed")
    const failed = rows()[0]!
    expect(failed.failure?.detail).toBe("gone.iso: read failed (NotReadableError)")
    expect(failed.failure?.title).toMatch(/could not read this file/)
    expect(failed.retryable).toBe(true)

    jobs.retry(failed.id, ["sha256", "md5"])
    await settle(frames, () => pool.tasks.length === 2)
    expect(pool.tasks[1]!.algorithms).toEqual(["sha256", "md5"])
    pool.tasks[1]!.finish()
    await settle(frames, () => rows()[0]!.status === "done")
    expect(Object.keys(rows()[0]!.digests)).toEqual(["sha256", "md5"])
    expect(rows()[0]!.failure).toBeUndefined()
  })

  it("adds rows for things that could not be listed", () => {
    const { frames, jobs, rows } = setup()
    jobs.addUnreadable("photos/locked", { title: "could not be opened", detail: "photos/locked: NotReadableError" })
    frames.run()
    expect(rows()[0]).toMatchObject({ name: "photos/locked", status: "failed", retryable: false })
  })

  it("removes one row, and clears the finished ones while the running stay", async () => {
    const { frames, jobs, pool, rows } = setup({ size: 1 })
    jobs.addFiles(["a", "b", "c"].map((n) => ({ path: n, file: file(n) })), ["sha256"])
    await settle(frames, () => pool.tasks.length === 1)
    pool.tasks[0]!.finish()
    await settle(frames, () => pool.tasks.length === 2)
    jobs.remove(rows()[2]!.id)
    frames.run()
    expect(rows().map((row) => row.name)).toEqual(["a", "b"])
    jobs.clearFinished()
    frames.run()
    expect(rows().map((row) => row.name)).toEqual(["b"])
  })

  it("hashes typed text as UTF-8 with the real inline pool, and only the latest text", async () => {
    const frames = makeFrames()
    const runtime = ManagedRuntime.make(layerInline)
    const jobs = makeHashJobs({ runtime, scheduleFrame: frames.scheduleFrame, textDelayMs: 5, progressEveryMs: 0 })
    cleanups.push(() => runtime.dispose())
    jobs.hashText("draft", ["sha256"])
    jobs.hashText("héllo wörld", ["sha256", "md5"])
    await settle(frames, () => jobs.getSnapshot().text.status === "done", 2000)
    const text = jobs.getSnapshot().text
    expect(text.text).toBe("héllo wörld")
    expect(text.digests.sha256).toBe(createHash("sha256").update("héllo wörld", "utf8").digest("hex"))
    expect(text.digests.md5).toBe(createHash("md5").update("héllo wörld", "utf8").digest("hex"))
    jobs.hashText("", ["sha256"])
    frames.run()
    expect(jobs.getSnapshot().text.status).toBe("idle")
  })

  it("hashes a File with the real inline pool", async () => {
    const frames = makeFrames()
    const runtime = ManagedRuntime.make(layerInline)
    const jobs = makeHashJobs({ runtime, scheduleFrame: frames.scheduleFrame, progressEveryMs: 0 })
    cleanups.push(() => runtime.dispose())
    const bytes = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff)
    jobs.addFiles([{ path: "data.bin", file: new File([bytes], "data.bin") }], ["sha256", "blake3"])
    await settle(frames, () => jobs.getSnapshot().rows[0]?.status === "done", 5000)
    expect(jobs.getSnapshot().rows[0]!.digests.sha256).toBe(createHash("sha256").update(bytes).digest("hex"))
  })
})

describe("HashJobs with the result cache", () => {
  it("answers a file picked again from the cache, says so and claims no rate; with the cache off it reads it again", async () => {
    const frames = makeFrames()
    const runtime = ManagedRuntime.make(Layer.merge(layerInline, cacheLayer({ indexedDb: false })))
    let useCache = true
    const jobs = makeHashJobs({ runtime, scheduleFrame: frames.scheduleFrame, useCache: () => useCache, progressEveryMs: 0 })
    cleanups.push(() => runtime.dispose())
    const bytes = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 7) & 0xff)
    const expected = createHash("sha256").update(bytes).digest("hex")
    const rows = () => jobs.getSnapshot().rows
    const pick = async () => {
      // Picked again: a new File of the same file, as an input gives.
      jobs.addFiles([{ path: "data.bin", file: new File([bytes], "data.bin", { lastModified: 1_700_000_000_000 }) }], ["sha256"])
      const index = rows().length
      await settle(frames, () => rows()[index]?.status === "done", 5000)
      return rows()[index]!
    }

    const first = await pick()
    expect(first).toMatchObject({ cached: false, digests: { sha256: expected } })
    const again = await pick()
    expect(again).toMatchObject({ cached: true, bytes: bytes.length, bytesPerSecond: 0, digests: { sha256: expected } })
    useCache = false
    const off = await pick()
    expect(off).toMatchObject({ cached: false, digests: { sha256: expected } })
    // Read twice; the cache's answer read nothing.
    expect(jobs.activity()).toMatchObject({ bytes: 2 * bytes.length, running: 0 })
  })
})

/** Checkpoints that offer `from` to every file and record what the store does with them. */
const fakeCheckpoints = (from: number | undefined) => {
  const log: Array<string> = []
  const checkpoints: HashJobsOptions["checkpoints"] = {
    open: (_file, path, algorithms) =>
      Effect.sync((): JobCheckpoint => {
        log.push(`open ${path} ${algorithms.join(",")}`)
        return {
          options: {
            every: 100,
            from: from === undefined ? undefined : new Checkpointed({ bytes: from, states: fakeStates(algorithms, from) }),
            save: (checkpoint) => Effect.sync(() => void log.push(`save ${path} ${checkpoint.bytes}`))
          },
          forget: Effect.sync(() => void log.push(`forget ${path}`)),
          close: Effect.sync(() => void log.push(`close ${path}`))
        }
      })
  }
  return { checkpoints, log }
}

describe("HashJobs with checkpoints", () => {
  it("starts from the stored checkpoint, says where, and measures the rate on this run's bytes only", async () => {
    let clock = 0
    const { checkpoints, log } = fakeCheckpoints(600)
    const { frames, jobs, pool, rows } = setup({ size: 1, checkpoints, now: () => clock })
    jobs.addFiles([{ path: "big.iso", file: file("big.iso", 1000) }], ["sha256"])
    await settle(frames, () => pool.tasks.length === 1)
    expect(pool.tasks[0]!.checkpoint?.every).toBe(100)
    expect(pool.tasks[0]!.checkpoint?.from?.bytes).toBe(600)
    expect(rows()[0]!.resumedAt).toBeUndefined()

    clock += 1000
    pool.tasks[0]!.progress(700)
    pool.tasks[0]!.checkpointed(700)
    await settle(frames, () => rows()[0]!.bytes === 700)
    expect(rows()[0]).toMatchObject({ resumedAt: 600, bytesPerSecond: 100, etaSeconds: 3 })
    pool.tasks[0]!.finish()
    await settle(frames, () => rows()[0]!.status === "done" && log.length === 3)
    expect(log).toEqual(["open big.iso sha256", "save big.iso 700", "forget big.iso"])
    expect(rows()[0]!.resumedAt).toBe(600)
    // This run read from the checkpoint to the end only.
    expect(jobs.activity().bytes).toBe(400)
  })

  it.each([[2, false], [1, true]] as const)(
    "BLAKE3 alone on %i worker(s): checkpointed %s (spread over several workers, it need not resume)",
    async (size, checkpointed) => {
      const { checkpoints } = fakeCheckpoints(undefined)
      const { frames, jobs, pool } = setup({ size, checkpoints })
      jobs.addFiles([{ path: "big.iso", file: file("big.iso", 1000) }], ["blake3"])
      await settle(frames, () => pool.tasks.length === 1)
      expect(pool.tasks[0]!.checkpoint !== undefined).toBe(checkpointed)
    }
  )

  it("does not claim a resume when the worker started over (the checkpoint did not fit)", async () => {
    const { checkpoints } = fakeCheckpoints(600)
    const { frames, jobs, pool, rows } = setup({ checkpoints })
    jobs.addFiles([{ path: "big.iso", file: file("big.iso", 1000) }], ["sha256"])
    await settle(frames, () => pool.tasks.length === 1)
    pool.tasks[0]!.progress(50)
    await settle(frames, () => rows()[0]!.bytes === 50)
    pool.tasks[0]!.progress(650)
    await settle(frames, () => rows()[0]!.bytes === 650)
    expect(rows()[0]!.resumedAt).toBeUndefined()
  })

  it("forgets the checkpoint of a file the person cancels, keeps the one of a file that failed", async () => {
    const { checkpoints, log } = fakeCheckpoints(undefined)
    const { frames, jobs, pool, rows } = setup({ size: 2, checkpoints })
    jobs.addFiles([{ path: "cancelled", file: file("cancelled", 10) }, { path: "failed", file: file("failed", 10) }], [
      "sha256"
    ])
    await settle(frames, () => pool.tasks.length === 2)
    jobs.cancel(rows()[0]!.id)
    pool.tasks[1]!.finish({ fail: new ReadFailed({ path: "failed", code: "NotReadableError" }) })
    await settle(frames, () => log.includes("forget cancelled") && log.includes("close failed"))
    expect(log.filter((line) => !line.startsWith("open")).sort()).toEqual(["close failed", "forget cancelled"])
  })

  it("keeps the checkpoints of jobs still running when the page disposes of the store", async () => {
    const { checkpoints, log } = fakeCheckpoints(undefined)
    const t = makeTestJobs({ checkpoints })
    t.jobs.addFiles([{ path: "big.iso", file: file("big.iso", 10) }], ["blake3"])
    await settle(t.frames, () => t.pool.tasks.length === 1)
    t.jobs.dispose()
    await settle(t.frames, () => log.length === 2)
    expect(log).toEqual(["open big.iso blake3", "close big.iso"])
    await t.runtime.dispose()
  })
})
