/**
 * The Node side of fault injection: a pool of worker threads running the fault worker
 * entry, with the handles a test needs to kill workers while a job runs.
 */
import type { Layer } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"
import type { SupervisionOptions, WorkerPool } from "../engine/pool/WorkerPool.js"
import { type FaultRule, makeCounters } from "../engine/faultySource.testkit.js"
import { loadEsbuild } from "./esbuild.testkit.js"
import * as SluiceNode from "./node.js"

let built: Promise<URL> | undefined
let folder: string | undefined

/** The fault worker entry bundled from source, once per test file. */
export const faultWorkerUrl = (): Promise<URL> =>
  built ??= (async () => {
    const esbuild = await loadEsbuild()
    const result = await esbuild.build({
      entryPoints: [fileURLToPath(new URL("./fault-worker.testkit.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node24",
      write: false,
      logLevel: "silent"
    })
    const bundled = mkdtempSync(join(tmpdir(), "sluice-fault-worker-"))
    folder = bundled
    writeFileSync(join(bundled, "fault-worker.mjs"), result.outputFiles[0]!.contents)
    // As the CLI's worker entry does: V8's compile cache on, then the bundle, so a
    // replacement worker starts as fast as a real one does.
    const entry = join(bundled, "entry.mjs")
    writeFileSync(entry, 'import { enableCompileCache } from "node:module"\nenableCompileCache()\nawait import("./fault-worker.mjs")\n')
    return pathToFileURL(entry)
  })()

/** Deletes the bundled fault worker's folder: a test file using it calls this in `afterAll`. */
export const removeFaultWorker = (): void => {
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true })
  folder = undefined
  built = undefined
}

export interface FaultyPool {
  readonly layer: Layer.Layer<WorkerPool>
  /** How many faults each rule has injected (reads that suffered one). */
  readonly counters: Int32Array
  /** Workers started so far, the dead ones included. */
  readonly spawned: () => number
  /** Terminates one live worker at random, as a crash would; false when none is alive. */
  readonly killRandom: () => boolean
}

export const faultyPool = async (options: {
  readonly workers: number
  readonly rules?: ReadonlyArray<FaultRule>
  readonly supervision?: Omit<SupervisionOptions, "size">
}): Promise<FaultyPool> => {
  const url = await faultWorkerUrl()
  const rules = options.rules ?? []
  const counters = makeCounters(rules)
  const live = new Set<Worker>()
  let spawned = 0
  const spawn = () => {
    const worker = new Worker(url, { workerData: { rules, counters } })
    spawned++
    live.add(worker)
    worker.once("exit", () => live.delete(worker))
    return worker
  }
  return {
    layer: SluiceNode.layer({ workers: options.workers, spawn, ...(options.supervision ? { supervision: options.supervision } : {}) }),
    counters,
    spawned: () => spawned,
    killRandom: () => {
      const workers = [...live]
      const victim = workers[Math.floor(Math.random() * workers.length)]
      if (victim === undefined) return false
      live.delete(victim)
      void victim.terminate()
      return true
    }
  }
}

/** Kills a random worker every `everyMs` until the returned function is called. */
export const killEvery = (pool: FaultyPool, everyMs: number): () => number => {
  let kills = 0
  const timer = setInterval(() => {
    if (pool.killRandom()) kills++
  }, everyMs)
  return () => {
    clearInterval(timer)
    return kills
  }
}

