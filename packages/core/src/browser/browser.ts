/**
 * The browser composition root: Web Workers for the pool, `File`s and `Blob`s as sources,
 * hash-wasm and our BLAKE3 as kernels. A page provides `layerAuto` (or `layer`) once, in its
 * `ManagedRuntime`, with `layerScheduler` (and `cacheLayer` for a result cache), and runs
 * every pipeline of `@sluice/core` on it.
 */
import { Context, Effect, Layer, Scheduler } from "effect"
import type { LevelLimits } from "../engine/cache/CacheLevel.js"
import { makeMemoryLevel } from "../engine/cache/MemoryLevel.js"
import * as ResultCache from "../engine/cache/ResultCache.js"
import * as WorkerPool from "../engine/pool/WorkerPool.js"
import { operationHandlers, Operations } from "../operations.js"
import * as WebCryptoKdfKernel from "./WebCryptoKdfKernel.js"
import {
  BLAKE3_IMPLEMENTATION,
  HASH_WASM_IMPLEMENTATION,
  type HashKernel,
  layerPortable,
  layerPureJs
} from "../hash/kernels/HashKernel.js"
import { SHA256_SIMD_IMPLEMENTATION, sha256SimdSupported } from "../hash/kernels/sha256Simd.js"
import { CORE_VERSION } from "../version.js"
import * as BrowserByteSource from "./BrowserByteSource.js"
import * as BrowserIdentity from "./browserIdentity.js"
import * as BrowserWorker from "./BrowserWorker.js"
import { type IdbFactoryLike, makeIndexedDbLevel } from "./indexedDbCacheLevel.js"

/**
 * Every operation, keygen over this platform's kernel, loaded on the first key asked for;
 * age over libsodium's WebAssembly cipher (noble where it cannot start), on its first task.
 */
const BrowserHandlers = operationHandlers(
  () => import("./keygenHandlers.js").then((m) => m.handlers),
  () => import("./ageHandlers.js").then((m) => m.load())
)

export * from "../index.js"
export * as BrowserByteSource from "./BrowserByteSource.js"
export * as BrowserWorker from "./BrowserWorker.js"
export type { WorkerLike } from "./BrowserWorker.js"
export { CACHE_FROM_BYTES, fingerprintBlob, identifyBlob } from "./browserIdentity.js"
export { DEFAULT_DATABASE, DEFAULT_INDEXED_DB_LIMITS, makeIndexedDbLevel } from "./indexedDbCacheLevel.js"
export type { IdbFactoryLike, IndexedDbLevelOptions } from "./indexedDbCacheLevel.js"
export { DEFAULT_CHECKPOINT_DATABASE, makeIndexedDbCheckpointLevel } from "./indexedDbCheckpointLevel.js"
export type { IndexedDbCheckpointLevelOptions } from "./indexedDbCheckpointLevel.js"
export { layerSampler as metricsSampler } from "./browserMetrics.js"
export { webCryptoAgeKeyKernel } from "./WebCryptoAgeKeyKernel.js"

export interface BrowserLayerOptions {
  /** Web Workers in the pool; defaults to `navigator.hardwareConcurrency`. */
  readonly workers?: number
  /**
   * Starts worker `id`, a module worker whose entry imports `@sluice/core/browser/worker`:
   * `(id) => new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: \`sluice-${id}\` })`.
   */
  readonly spawn: (id: number) => BrowserWorker.WorkerLike
  /** Deadlines, retries and the circuit breaker. */
  readonly supervision?: Omit<WorkerPool.SupervisionOptions, "size">
}

export const defaultPoolSize = (): number => Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1)

/**
 * Every task on a pool of Web Workers, each reading its `File`s itself, supervised: a
 * worker that crashes or hangs is replaced and its task retried; when workers keep failing
 * (a policy that forbids them, WebAssembly that will not start) work goes on on the main
 * thread in small slices until a worker succeeds again.
 */
export const layer = (options: BrowserLayerOptions): Layer.Layer<WorkerPool.WorkerPool> =>
  WorkerPool.layerWorkers({
    ...options.supervision,
    size: options.workers ?? defaultPoolSize(),
    spawn: options.spawn,
    platform: BrowserWorker.layer,
    group: Operations,
    handlers: BrowserHandlers,
    watch: (worker, died) =>
      worker.addEventListener("error", (event) => died(`the worker failed${event.message ? `: ${event.message}` : ""}`))
  }).pipe(Layer.provide([BrowserByteSource.layerInline, kernelLayer(webAssemblyAvailable() ? "wasm" : "js"), WebCryptoKdfKernel.layerBest]))

// --- Scheduling --------------------------------------------------------------------------

interface ChannelPort {
  onmessage: (() => void) | null
  postMessage(message: unknown): void
}

type PostTask = (task: () => void) => () => void

/**
 * Runs `task` in a later task of the event loop, through a MessageChannel: `setTimeout(0)`,
 * which Effect's default scheduler uses where there is no `setImmediate`, is clamped to
 * 4 ms once timers nest (HTML, timer initialisation steps, step 5).
 */
const channelTask = (): PostTask => {
  const Channel = (globalThis as unknown as { readonly MessageChannel?: new() => { port1: ChannelPort; port2: ChannelPort } })
    .MessageChannel
  if (Channel === undefined) {
    return (task) => {
      const timer = setTimeout(task, 0)
      return () => clearTimeout(timer)
    }
  }
  const channel = new Channel()
  const queue: Array<() => void> = []
  channel.port1.onmessage = () => queue.shift()?.()
  return (task) => {
    let cancelled = false
    queue.push(() => {
      if (!cancelled) task()
    })
    channel.port2.postMessage(undefined)
    return () => {
      cancelled = true
    }
  }
}

/**
 * Effect's scheduler for a page: fibers that yield resume in the next task, not 4 ms
 * later. A job of many small files yields at least once per file; with the default
 * scheduler, 1,000 files answered from the result cache took 4.8 s in Chromium, with this
 * one 0.8 s. A page provides it beside its pool in its `ManagedRuntime`.
 */
export const layerScheduler: Layer.Layer<never> = Layer.sync(Scheduler.Scheduler)(() =>
  new Scheduler.MixedScheduler("async", channelTask())
)

// --- Kernels ---------------------------------------------------------------------------

/** The smallest valid module: magic and version (WebAssembly core spec, 5.5.16). */
const EMPTY_WASM_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])

/**
 * Whether this page may compile WebAssembly: absent in some locked-down browsers, and
 * refused by a Content-Security-Policy without `'wasm-unsafe-eval'`.
 */
export const webAssemblyAvailable = (): boolean => {
  const wasm = (globalThis as { readonly WebAssembly?: { readonly Module: new(bytes: Uint8Array) => object } })
    .WebAssembly
  try {
    return wasm !== undefined && new wasm.Module(EMPTY_WASM_MODULE) instanceof wasm.Module
  } catch {
    return false
  }
}

/** The pure-JS kernels, for pages that cannot run WebAssembly. */
export const layerPureJsKernel = layerPureJs

export type KernelKind = "wasm" | "js"

const kernelLayer = (kernel: KernelKind): Layer.Layer<HashKernel> =>
  kernel === "wasm" ? layerPortable : layerPureJs

const inline = (kernel: KernelKind): Layer.Layer<WorkerPool.WorkerPool> =>
  WorkerPool.layerInline({ group: Operations, handlers: BrowserHandlers }).pipe(Layer.provide([BrowserByteSource.layerInline, kernelLayer(kernel), WebCryptoKdfKernel.layerBest]))

/**
 * Every task on the main thread, for browsers without module workers: reads of 256 KiB with
 * a yield before each, so input and rendering go on between them. WASM kernels where the
 * page may compile WebAssembly, pure JS otherwise.
 */
export const layerInline: Layer.Layer<WorkerPool.WorkerPool> = Layer.suspend(() =>
  inline(webAssemblyAvailable() ? "wasm" : "js")
)

// --- Choosing ---------------------------------------------------------------------------

export type PoolKind = "workers" | "inline"

/**
 * Why a pool was chosen: `ModuleWorkers` is the normal case; the others name what the
 * browser lacks, so the UI can say why work runs on the main thread.
 */
export type PoolReason = "ModuleWorkers" | "NoWorkers" | "NoModuleWorkers" | "NoWebAssembly"

/** Which pool `layerAuto` built, and why; `detail` is a sentence for the UI. */
export class PoolChoice extends Context.Service<PoolChoice, {
  readonly kind: PoolKind
  readonly reason: PoolReason
  readonly kernel: KernelKind
  readonly detail: string
}>()("@sluice/core/browser/PoolChoice") {}

type WorkerConstructor = new(url: string, options?: { readonly type?: string }) => BrowserWorker.WorkerLike

const PROBE_DONE = new Error("module worker probe")

/**
 * A browser that knows module workers reads the `type` option while converting the
 * constructor's arguments, before it creates anything; throwing there leaves no worker behind.
 */
export const moduleWorkersAvailable = (): boolean => {
  const Worker = (globalThis as { readonly Worker?: WorkerConstructor }).Worker
  if (typeof Worker !== "function") return false
  let readsType = false
  try {
    new Worker("data:,", {
      get type(): string {
        readsType = true
        throw PROBE_DONE
      }
    }).terminate()
  } catch {
    // PROBE_DONE, or a refusal of the data: URL by a browser that did not read `type`.
  }
  return readsType
}

/** What this page can run: the feature detection behind `layerAuto`, for a UI to show. */
export const detectPoolChoice = (): PoolChoice["Service"] => {
  const hasWorkers = typeof (globalThis as { readonly Worker?: unknown }).Worker === "function"
  const hasModuleWorkers = hasWorkers && moduleWorkersAvailable()
  const kernel: KernelKind = webAssemblyAvailable() ? "wasm" : "js"
  if (kernel === "js") {
    return {
      kind: "inline",
      reason: "NoWebAssembly",
      kernel,
      detail: "WebAssembly is unavailable or refused by the page's Content-Security-Policy: hashing on the main thread in JavaScript"
    }
  }
  if (!hasWorkers) {
    return { kind: "inline", reason: "NoWorkers", kernel, detail: "This browser has no Web Workers: hashing on the main thread" }
  }
  if (!hasModuleWorkers) {
    return {
      kind: "inline",
      reason: "NoModuleWorkers",
      kernel,
      detail: "This browser has no module workers: hashing on the main thread"
    }
  }
  return { kind: "workers", reason: "ModuleWorkers", kernel, detail: "Hashing on a pool of Web Workers" }
}

/**
 * The pool this browser can run: Web Workers when it has module workers and WebAssembly,
 * the main thread otherwise. `PoolChoice` says which, and why.
 */
export const layerAuto = (
  options: BrowserLayerOptions
): Layer.Layer<WorkerPool.WorkerPool | PoolChoice> =>
  Layer.suspend(() => {
    const choice = detectPoolChoice()
    return Layer.merge(
      choice.kind === "workers" ? layer(options) : inline(choice.kernel),
      Layer.succeed(PoolChoice)(choice)
    )
  })

// --- The result cache -------------------------------------------------------------------

/** The pure-JS kernels' code, where WebAssembly is refused (package.json pins it). */
export const NOBLE_IMPLEMENTATION = "noble-hashes@2.4.0"

/**
 * Which code computes `algorithm` on this page: hash-wasm, or @noble/hashes where the page
 * may not compile WebAssembly (workers and the inline fallback use the same), our BLAKE3,
 * and our SHA-256 where WebAssembly SIMD runs.
 */
export const kernelVersion = (kernel: KernelKind) => (algorithm: string): string =>
  algorithm === "blake3"
    ? BLAKE3_IMPLEMENTATION
    : kernel !== "wasm"
    ? NOBLE_IMPLEMENTATION
    : algorithm === "sha256" && sha256SimdSupported()
    ? SHA256_SIMD_IMPLEMENTATION
    : HASH_WASM_IMPLEMENTATION

export interface CacheLayerOptions {
  readonly memory?: LevelLimits
  /** The IndexedDB level's limits, or false for a cache in memory only. */
  readonly indexedDb?: LevelLimits | false
  /** The database's name; defaults to `sluice-cache`. */
  readonly database?: string
  /** Defaults to the page's `indexedDB`. */
  readonly factory?: IdbFactoryLike
  /**
   * Files smaller than this are hashed again, never looked up or stored; defaults to
   * `CACHE_FROM_BYTES` (1 MiB), under which vouching for a file on the page's main thread
   * costs more than hashing it (browserIdentity.ts).
   */
  readonly cacheFromBytes?: number
}

/**
 * The result cache of a page: memory, then IndexedDB. Give it beside `layerAuto` and
 * pipelines answer unchanged `File`s from it; where IndexedDB refuses, the cache goes on in
 * memory and its `stats` say why.
 */
export const cacheLayer = (options: CacheLayerOptions = {}): Layer.Layer<ResultCache.ResultCache> =>
  Layer.unwrap(Effect.sync(() =>
    ResultCache.layer({
      levels: [
        makeMemoryLevel(options.memory),
        ...(options.indexedDb === false ? [] : [makeIndexedDbLevel({
          tag: `${ResultCache.CACHE_FORMAT}/${CORE_VERSION}`,
          ...(options.indexedDb === undefined ? {} : { limits: options.indexedDb }),
          ...(options.database === undefined ? {} : { database: options.database }),
          ...(options.factory === undefined ? {} : { factory: options.factory })
        })])
      ],
      identify: options.cacheFromBytes === undefined ? BrowserIdentity.identify : BrowserIdentity.identifyFrom(options.cacheFromBytes),
      appVersion: CORE_VERSION,
      kernelVersion: kernelVersion(webAssemblyAvailable() ? "wasm" : "js")
    })
  ))
