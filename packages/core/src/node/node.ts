/**
 * The Node composition root: worker_threads for the pool, files by path, node:crypto.
 * `layer` is all a Node program needs to run every pipeline of `@sluice/core`.
 */
import { Effect, Layer, Stream } from "effect"
import { hash } from "node:crypto"
import { availableParallelism } from "node:os"
import type { Worker } from "node:worker_threads"
import { type HashAlgorithm, HASH_ALGORITHMS } from "../hash/HashAlgorithm.js"
import { HashError } from "../hash/HashError.js"
import type { Digests } from "../hash/HashEvent.js"
import type { FileFailed, FileHashed, JobProgress } from "../hash/HashJob.js"
import { PathSource } from "../engine/Source.js"
import { BatchWorkers, hashFiles, LOOKUP_CHUNK, LookupChunk, SpreadBlake3 } from "../hash/hashFiles.js"
import * as WorkerPool from "../engine/pool/WorkerPool.js"
import { operationHandlers, Operations } from "../operations.js"
import type { LevelLimits } from "../engine/cache/CacheLevel.js"
import { makeMemoryLevel } from "../engine/cache/MemoryLevel.js"
import * as ResultCache from "../engine/cache/ResultCache.js"
import { CORE_VERSION } from "../version.js"
import { defaultCacheDir, makeDiskLevel } from "./diskCacheLevel.js"
import * as NodeIdentity from "./nodeIdentity.js"
import * as NodeByteSink from "./NodeByteSink.js"
import * as NodeByteSource from "./NodeByteSource.js"
import * as NodeHashKernel from "./NodeHashKernel.js"
import { NATIVE_BLAKE_IMPLEMENTATION, SLUICE_BLAKE3_KERNEL } from "./nativeBlake.js"
import * as NodeKdfKernel from "./NodeKdfKernel.js"
import { derive } from "../derive/derive.js"
import type { DeriveParams } from "../derive/DeriveParams.js"
import { type GeneratedKey, generateKeyStream, type KeyStreamRequest } from "../keys/keyStream.js"
import type { AgeSummary, DecryptOptions, EncryptOptions } from "../age/AgeOptions.js"
import { decryptToFile, encryptToFile } from "./ageFiles.js"

/** Every operation, keygen over this platform's kernel, loaded on the first key asked for. */
const NodeHandlers = operationHandlers(
  () => import("./keygenHandlers.js").then((m) => m.handlers),
  () => import("./ageHandlers.js").then((m) => m.handlers)
)

export * from "../index.js"
export * as NodeByteSource from "./NodeByteSource.js"
export * as NodeHashKernel from "./NodeHashKernel.js"
export * as NodeAgeAead from "./NodeAgeAead.js"
export * as NodeKdfKernel from "./NodeKdfKernel.js"
export * as Checkpoints from "./checkpointStore.js"
export * as CheckIndex from "./checkIndex.js"
export { defaultCacheDir, DEFAULT_DISK_LIMITS, makeDiskLevel } from "./diskCacheLevel.js"
export { identifyFile } from "./nodeIdentity.js"
export { layerSampler as metricsSampler } from "./nodeMetrics.js"

export interface NodeLayerOptions {
  /** Worker threads in the pool; defaults to the number of cores. */
  readonly workers?: number
  /**
   * The worker entry, for programs that bundle `@sluice/core/node/worker` themselves;
   * defaults to the one beside this module.
   */
  readonly workerUrl?: URL
  /** Starts worker `id`; overrides `workerUrl` (a program may start its first worker early). */
  readonly spawn?: (id: number) => Worker
  /** Deadlines, retries and the circuit breaker; the defaults suit files on local disks. */
  readonly supervision?: Omit<WorkerPool.SupervisionOptions, "size">
}

export const defaultPoolSize = (): number => Math.max(1, availableParallelism())

/**
 * Every task on a pool of worker threads, each opening its sources itself, supervised:
 * crashed and hung workers are replaced and their tasks retried (a crashed worker's task on
 * this thread, which its crash cannot reach, while the replacement starts); when workers keep
 * failing, work goes on on this thread (`WorkerPool.layerWorkers`).
 */
export const layer = (options: NodeLayerOptions = {}): Layer.Layer<WorkerPool.WorkerPool> =>
  Layer.mergeAll(poolLayer(options), spreadBlake3, batchWorkers, Layer.succeed(LookupChunk)(LOOKUP_CHUNK))

/**
 * Batches of small files leave this thread a core (`BatchWorkers`): on 2 cores, one worker
 * and this thread, which has per-file work of its own (10,000 files of 4 KiB: 0.85x the
 * CPU and 0.87x the time of two workers, paired runs at load ~7).
 */
const batchWorkers = Layer.succeed(BatchWorkers)((size) => Math.max(1, Math.min(size, availableParallelism() - 1)))

/**
 * One large BLAKE3 file goes to one worker whole where a native kernel loads (`SpreadBlake3`):
 * Sluice's own addon, which hashes it there on every core, or `@napi-rs/blake-hash`, one thread.
 */
const spreadBlake3 = Layer.succeed(SpreadBlake3)(() => !(NodeHashKernel.usesNativeFile() || NodeHashKernel.usesNative("blake3")))

/**
 * worker_threads and Effect's worker platform over it, loaded with the first worker: a
 * program whose job never needs one (the cache answers it, or it is small enough for this
 * thread) does not evaluate them.
 */
const workerPlatform = (spawn: (id: number) => Worker) =>
  Layer.unwrap(Effect.promise(() => import("@effect/platform-node/NodeWorker")).pipe(Effect.map((NodeWorker) => NodeWorker.layer(spawn))))

const defaultSpawn = (url: URL) => () => {
  const { Worker } = process.getBuiltinModule("node:worker_threads")
  return new Worker(url)
}

const poolLayer = (options: NodeLayerOptions): Layer.Layer<WorkerPool.WorkerPool> =>
  WorkerPool.layerWorkers({
    retryCrashedInline: true,
    ...options.supervision,
    size: options.workers ?? defaultPoolSize(),
    spawn: options.spawn ?? defaultSpawn(options.workerUrl ?? new URL("./node-worker.js", import.meta.url)),
    platform: workerPlatform,
    group: Operations,
    handlers: NodeHandlers,
    watch: (worker, died) => {
      worker.once("exit", (code) => died(`the worker exited with code ${code}`))
      worker.once("error", (error) => died(`the worker failed: ${error.message}`))
    }
  }).pipe(Layer.provide([NodeByteSource.layer, NodeByteSink.layer, NodeHashKernel.layer, NodeKdfKernel.layer]))

/** Every task on the calling thread: for tests and tiny inputs. */
export const layerInline: Layer.Layer<WorkerPool.WorkerPool> = WorkerPool.layerInline({ group: Operations, handlers: NodeHandlers }).pipe(
  Layer.provide([NodeByteSource.layer, NodeByteSink.layer, NodeHashKernel.layer, NodeKdfKernel.layer])
)

export interface HashFileOptions extends NodeLayerOptions {
  readonly algorithms?: ReadonlyArray<HashAlgorithm>
  /** Called with the job's progress as workers report it. */
  readonly onProgress?: (progress: JobProgress) => void
}

/**
 * Promise-returning convenience for programs that do not use Effect: hashes one file
 * on a worker pool that lives for this call, resolving to its hex digests.
 */
export const hashFile = (path: string, options: HashFileOptions = {}): Promise<Digests> =>
  Effect.runPromise(
    hashFiles([new PathSource({ path })], { algorithms: options.algorithms ?? ["sha256"] }).pipe(
      Stream.runFold(() => undefined as FileHashed | FileFailed | undefined, (result, event) => {
        if (event._tag === "JobProgress") {
          options.onProgress?.(event)
          return result
        }
        return event
      }),
      Effect.flatMap((result) =>
        result?._tag === "FileHashed"
          ? Effect.succeed(result.digests as Digests)
          : Effect.fail(new HashError({ reason: result!.reason }))
      ),
      Effect.provide(layer(options))
    )
  )
/**
 * Promise-returning `derive` for programs that do not use Effect: derives on a worker
 * thread of a pool that lives for this call (`workers: 0`: on this thread) and resolves to
 * the key, or rejects with a `DeriveError` (bad parameters are refused before any work)
 * or a `WorkerError`. The key is not kept anywhere; wipe it (`key.fill(0)`) when done.
 */
export const deriveKey = (params: DeriveParams, options: NodeLayerOptions = {}): Promise<Uint8Array> =>
  Effect.runPromise(derive(params).pipe(
    Effect.provide(options.workers === 0 ? layerInline : layer({ workers: 1, ...options }))
  ))

/**
 * Promise-side `generateKeyStream` for programs that do not use Effect: the keys, in
 * order, as an async iterable, from a pool that lives while it is iterated (`workers: 0`:
 * on this thread). Only a few batches are held at once, whatever the count, as long as the
 * caller consumes at its own pace; breaking out of the loop stops the job. It throws a
 * `KeygenError` (a bad request, before any work) or a `WorkerError`.
 */
export const generateKeysIterable = (request: KeyStreamRequest, options: NodeLayerOptions = {}): AsyncIterable<GeneratedKey> =>
  Stream.toAsyncIterable(generateKeyStream(request).pipe(
    Stream.filter((event): event is GeneratedKey => event._tag === "GeneratedKey"),
    Stream.provide(options.workers === 0 ? layerInline : layer(options))
  ))

export * from "./atomicFile.js"
export { decryptToFile, encryptToFile } from "./ageFiles.js"
export { nodeAgeKeyKernel } from "./NodeAgeKeyKernel.js"

/**
 * Promise-returning age encryption for programs that do not use Effect: the file `input`
 * encrypted to `output` (written whole or not at all) on a pool that lives for this call
 * (`workers: 0`: on this thread). Rejects with an `AgeError`, `SourceError`,
 * `OutputFailed` or `WorkerError`; `output` is then untouched.
 */
export const encryptFile = (input: string, output: string, options: EncryptOptions & NodeLayerOptions): Promise<AgeSummary> =>
  Effect.runPromise(encryptToFile(new PathSource({ path: input }), output, options).pipe(
    Effect.provide(options.workers === 0 ? layerInline : layer(options))
  ))

/**
 * Promise-returning age decryption: the age file `input` decrypted to `output`, which
 * appears only once every chunk authenticated. Rejects with an `AgeError` (no identity
 * matched, bad MAC, a tampered or truncated payload...) and leaves `output` untouched.
 */
export const decryptFile = (input: string, output: string, options: DecryptOptions & NodeLayerOptions): Promise<AgeSummary> =>
  Effect.runPromise(decryptToFile(new PathSource({ path: input }), output, options).pipe(
    Effect.provide(options.workers === 0 ? layerInline : layer(options))
  ))

export interface CacheLayerOptions {
  /** The cache directory; defaults to `$SLUICE_CACHE_DIR`, else `$XDG_CACHE_HOME/sluice`. */
  readonly dir?: string
  /**
   * The memory level's limits, or false for none: a program that asks for each content
   * once (a CLI run over a tree) gains nothing from copying the disk's answers into memory.
   */
  readonly memory?: LevelLimits | false
  /** The disk level's limits, or false for a cache in memory only. */
  readonly disk?: LevelLimits | false
}

const kernelVersions = new Map<string, string>()
/** Which code computes `algorithm` here: the native addon, node:crypto (its OpenSSL), or our BLAKE3. */
export const kernelVersion = (algorithm: string): string => {
  // Asked for every cache key: worked out once per algorithm.
  let known = kernelVersions.get(algorithm)
  if (known === undefined) {
    known = (HASH_ALGORITHMS as ReadonlyArray<string>).includes(algorithm) && NodeHashKernel.usesNative(algorithm as HashAlgorithm)
      ? NATIVE_BLAKE_IMPLEMENTATION
      : algorithm === "blake3"
      ? SLUICE_BLAKE3_KERNEL
      : `node:crypto/openssl-${process.versions.openssl}`
    kernelVersions.set(algorithm, known)
  }
  return known
}

/**
 * The result cache of a Node program: memory, then the cache directory. Give it beside
 * `layer` and pipelines answer unchanged files from it; leave it out and nothing is cached.
 */
export const cacheLayer = (options: CacheLayerOptions = {}): Layer.Layer<ResultCache.ResultCache> =>
  Layer.unwrap(Effect.sync(() =>
    ResultCache.layer({
      levels: [
        ...(options.memory === false ? [] : [makeMemoryLevel(options.memory)]),
        ...(options.disk === false
          ? []
          : [makeDiskLevel({
            dir: options.dir ?? defaultCacheDir(),
            tag: `${ResultCache.CACHE_FORMAT}/${CORE_VERSION}`,
            ...(options.disk === undefined ? {} : { limits: options.disk })
          })])
      ],
      identify: NodeIdentity.identify,
      appVersion: CORE_VERSION,
      kernelVersion,
      sha256Hex: (text) => hash("sha256", text)
    })
  ))
