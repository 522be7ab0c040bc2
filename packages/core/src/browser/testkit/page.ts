/** The test page: runs the pipelines on the browser layers and reports plain data to the Node test. */
import { Effect, Layer, ManagedRuntime, Option, Stream, SubscriptionRef } from "effect"
import { PUBLISHED_VECTORS, vectorBytes } from "../../hash/kernels/publishedVectors.js"
import * as Sluice from "../browser.js"
import { cacheApi } from "./cachePage.js"
import { checkpointApi } from "./checkpointPage.js"
import { blake3VectorInput, type FileResult, patternBytes, type PoolName, type RunReport } from "./pattern.js"

type WorkerConstructor = new(url: URL, options: { type: "module"; name: string }) => Sluice.WorkerLike

let spawned = 0
const moduleWorker = (script: string) => (id: number) => {
  spawned++
  const Worker = (globalThis as unknown as { Worker: WorkerConstructor }).Worker
  return new Worker(new URL(script, import.meta.url), { type: "module", name: `sluice-${id}` })
}
const spawn = moduleWorker("./worker.js")

const layerFor = (pool: PoolName) => {
  switch (pool) {
    case "workers":
      return Sluice.layer({ workers: 3, spawn })
    case "inline":
      return Sluice.layerInline
    case "auto":
      return Sluice.layerAuto({ workers: 3, spawn })
    case "spawn-throws":
      return Sluice.layer({
        workers: 1,
        spawn: () => {
          throw new Error("refused")
        }
      })
    case "missing-script":
      return Sluice.layer({ workers: 1, spawn: moduleWorker("./missing.js") })
  }
}

const run = async (pool: PoolName, tasks: ReadonlyArray<Sluice.HashTask>): Promise<RunReport> => {
  spawned = 0
  let ticks = 0
  let maxGapMs = 0
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    maxGapMs = Math.max(maxGapMs, now - last)
    last = now
    ticks++
  }, 0)
  const runtime = ManagedRuntime.make(layerFor(pool))
  const started = performance.now()
  try {
    const report = await runtime.runPromise(Effect.gen(function*() {
      const workerPool = yield* Sluice.WorkerPool
      const choice = Option.getOrNull(yield* Effect.serviceOption(Sluice.PoolChoice))
      const events = yield* Stream.runCollect(Sluice.hashTasks(tasks))
      const results: Array<FileResult> = []
      for (const event of events) {
        if (event._tag === "FileHashed") results[event.index] = { name: event.name, digests: event.digests }
        if (event._tag === "FileFailed") {
          const reason = event.reason
          results[event.index] = {
            name: event.name,
            error: { tag: reason._tag, message: reason.message, ...("code" in reason ? { code: reason.code } : {}) }
          }
        }
      }
      const health = yield* SubscriptionRef.get(workerPool.health)
      return {
        kind: workerPool.kind,
        size: workerPool.size,
        choice: choice && { kind: choice.kind, reason: choice.reason, kernel: choice.kernel },
        results,
        health: {
          breaker: health.breaker._tag,
          restarts: health.restarts,
          retries: health.retries,
          fallbackTasks: health.fallbackTasks
        }
      }
    }))
    const ms = performance.now() - started
    const disposing = performance.now()
    await runtime.dispose()
    return { ...report, spawned, ms, disposeMs: performance.now() - disposing, ticks, maxGapMs }
  } finally {
    clearInterval(timer)
  }
}

const file = (name: string, bytes: Uint8Array<ArrayBuffer>) =>
  new Sluice.BlobSource({ name, blob: new File([bytes], name) })

const largeFiles = new Map<string, Sluice.BlobSource>()
const largeFile = (size: number, seed: number) => {
  const key = `${size}:${seed}`
  let source = largeFiles.get(key)
  if (source === undefined) {
    source = file(`large-${key}.bin`, patternBytes(size, seed))
    largeFiles.set(key, source)
  }
  return source
}

const api = {
  ...cacheApi,
  ...checkpointApi,

  detect: () => Sluice.detectPoolChoice(),

  /** Every published vector with its algorithm, and every official BLAKE3 vector split over the pool. */
  vectors: (pool: PoolName, blake3: ReadonlyArray<{ readonly input_len: number }>) =>
    run(pool, [
      ...PUBLISHED_VECTORS.map((vector, i): Sluice.HashTask => ({
        source: file(`vector-${i}`, vectorBytes(vector) as Uint8Array<ArrayBuffer>),
        options: { algorithms: [vector.algorithm] }
      })),
      ...blake3.map(({ input_len }): Sluice.HashTask => ({
        source: file(`blake3-${input_len}`, blake3VectorInput(input_len)),
        // Two chunks: every multi-chunk case goes down the parallel path.
        options: { algorithms: ["blake3"], parallelThreshold: 2048 }
      }))
    ]),

  /** One large generated file (made once per size and seed), hashed with `options`. */
  large: (pool: PoolName, size: number, seed: number, options: Sluice.HashOptions) =>
    run(pool, [{ source: largeFile(size, seed), options }]),

  /** One small file, for the pools whose workers cannot start. */
  small: (pool: PoolName) =>
    run(pool, [{ source: file("small.txt", new TextEncoder().encode("abc")), options: { algorithms: ["sha256"] } }]),

  /** `count` yields one after the other, on the default scheduler or the page's: how long they took. */
  yields: async (count: number, scheduler: "default" | "page") => {
    const runtime = ManagedRuntime.make(scheduler === "page" ? Sluice.layerScheduler : Layer.empty)
    const started = performance.now()
    await runtime.runPromise(Effect.repeat(Effect.yieldNow, { times: count - 1 }))
    const ms = performance.now() - started
    await runtime.dispose()
    return ms
  },

  /** A path means nothing to a page: a typed failure that crosses the worker boundary. */
  unsupported: (pool: PoolName) =>
    run(pool, [{ source: new Sluice.PathSource({ path: "/etc/hostname" }), options: { algorithms: ["sha256"] } }])
}

export type PageApi = typeof api
;(globalThis as unknown as { sluice: PageApi }).sluice = api
;(globalThis as unknown as { sluiceReady: boolean }).sluiceReady = true
