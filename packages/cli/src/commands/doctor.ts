import { formatBytes, HASH_ALGORITHMS, type HashAlgorithm, HashKernel, metricsSnapshot, recommend, type Recommendation, ResultCache } from "@sluice/core"
import * as SluiceNode from "@sluice/core/node"
import { Effect, Layer } from "effect"
import { readdirSync } from "node:fs"
import { availableParallelism, arch, freemem, platform, totalmem } from "node:os"
import type { Worker as WorkerThread } from "node:worker_threads"
import { ExitCode } from "../exitCodes.js"
import { VERSION } from "../version.js"

const CALIBRATION_BYTES = 32 * 1024 * 1024
const SLICE = 1024 * 1024

/** Bytes per second of one thread hashing `CALIBRATION_BYTES` in memory, 1 MiB at a time. */
const calibrate = (algorithm: HashAlgorithm) =>
  Effect.gen(function*() {
    const kernel = yield* HashKernel
    const data = new Uint8Array(SLICE).fill(0x5a)
    const warm = yield* kernel.make(algorithm)
    warm.update(data)
    warm.digest()
    const hasher = yield* kernel.make(algorithm)
    const start = performance.now()
    for (let done = 0; done < CALIBRATION_BYTES; done += SLICE) hasher.update(data)
    hasher.digest()
    return CALIBRATION_BYTES / ((performance.now() - start) / 1000)
  })

/** One large BLAKE3 file's kernel, and where it is Sluice's own addon its speed on 32 MiB in memory. */
const largeBlake3File = (): DoctorReport["largeBlake3File"] => {
  const { hash, kernel } = SluiceNode.NodeHashKernel.largeBlake3Kernel()
  if (hash === undefined) return { kernel }
  const data = new Uint8Array(CALIBRATION_BYTES).fill(0x5a)
  const speed = (threads: number) => {
    hash(data.subarray(0, SLICE), threads)
    const start = performance.now()
    hash(data, threads)
    return CALIBRATION_BYTES / ((performance.now() - start) / 1000)
  }
  return { kernel, bytesPerSecond: speed(1), everyCoreBytesPerSecond: speed(0) }
}

/** age's payload cipher here, and the one without Sluice's addon where that answers. */
const agePayload = (): DoctorReport["agePayload"] => {
  const { agePayloadSpeed, nodeAead } = SluiceNode.NodeAgeAead
  const aead = nodeAead()
  const report = { kernel: aead.name, bytesPerSecond: agePayloadSpeed(aead) }
  if (aead.sealChunks === undefined) return report
  const single = nodeAead({ runs: false })
  return { ...report, fallback: { kernel: single.name, bytesPerSecond: agePayloadSpeed(single) } }
}

/** How long a worker thread of this CLI takes to be ready, ms. */
const workerStart = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const start = performance.now()
    // worker_threads loads here, not with every command.
    const Worker: typeof WorkerThread = process.getBuiltinModule("node:worker_threads").Worker
    const worker = new Worker(new URL("./worker.js", import.meta.url))
    worker.once("message", () => {
      resolve(performance.now() - start)
      void worker.terminate()
    })
    worker.once("error", reject)
  })

/** WebAssembly as this Node has it (the CLI's types are Node's, without the DOM's). */
const wasm = (globalThis as { readonly WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly

const simd = () => {
  // The smallest module with a v128 constant (WebAssembly SIMD proposal).
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11])
  return wasm?.validate(bytes) ?? false
}

export interface DoctorReport {
  readonly version: string
  readonly node: string
  readonly platform: string
  readonly cores: number
  readonly memory: { readonly total: number; readonly free: number }
  readonly webAssembly: { readonly available: boolean; readonly simd: boolean }
  readonly kernels: Readonly<Record<string, string>>
  readonly bytesPerSecond: Readonly<Record<string, number>>
  /**
   * Where a native kernel answers: the kernel that would answer without it
   * (`SLUICE_NATIVE=0`, or a platform with no binary), and its speed here.
   */
  readonly fallbacks: Readonly<Record<string, { readonly kernel: string; readonly bytesPerSecond: number }>>
  /**
   * What hashes one large BLAKE3 file: Sluice's own addon (the file mapped, every core),
   * with its in-memory speed on one thread and on every core; or the fallback.
   */
  readonly largeBlake3File: { readonly kernel: string; readonly bytesPerSecond?: number; readonly everyCoreBytesPerSecond?: number }
  /**
   * What seals and opens age's payload (ChaCha20-Poly1305) and its speed sealing 32 MiB in
   * 4 MiB pieces on one thread (per CPU-second where Node counts a thread's); where Sluice's addon answers, the kernel without it too.
   */
  readonly agePayload: { readonly kernel: string; readonly bytesPerSecond: number; readonly fallback?: { readonly kernel: string; readonly bytesPerSecond: number } }
  readonly workerStartMs: number
  readonly cache: { readonly directory: string; readonly entries: number; readonly bytes: number; readonly error?: string }
  readonly checkpoints: { readonly directory: string; readonly unfinished: number }
  readonly tips: ReadonlyArray<string>
}

/** What `sluice doctor` finds: the machine, the kernels chosen and their speed here, the cache. */
export const diagnose = (): Promise<DoctorReport> =>
  Effect.runPromise(Effect.gen(function*() {
    const kernel = yield* HashKernel
    const kernels: Record<string, string> = {}
    const speeds: Record<string, number> = {}
    const fallbacks: Record<string, { kernel: string; bytesPerSecond: number }> = {}
    for (const algorithm of HASH_ALGORITHMS) {
      kernels[algorithm] = kernel.describe(algorithm)
      speeds[algorithm] = yield* calibrate(algorithm)
      if (SluiceNode.NodeHashKernel.usesNative(algorithm)) {
        const fallback = SluiceNode.NodeHashKernel.layerFallback
        fallbacks[algorithm] = yield* Effect.provide(
          Effect.gen(function*() {
            return { kernel: (yield* HashKernel).describe(algorithm), bytesPerSecond: yield* calibrate(algorithm) }
          }),
          fallback
        )
      }
    }
    const cache = yield* ResultCache.ResultCache
    const stats = yield* cache.stats
    const disk = stats.levels.find((level) => level.name === "disk")
    const checkpointDir = SluiceNode.Checkpoints.defaultCheckpointDir()
    let unfinished = 0
    try {
      unfinished = readdirSync(checkpointDir).length
    } catch {
      // none yet
    }
    const snapshot = yield* metricsSnapshot
    const tips: Array<Recommendation> = [...recommend({ snapshot, calibration: speeds, algorithms: ["sha256"], kernel: "native" })]
    for (const [algorithm, fallback] of Object.entries(fallbacks)) {
      // The native kernel is chosen where it loads; say so when here it is not the faster.
      if (fallback.bytesPerSecond > speeds[algorithm]! * 1.1) {
        tips.push({
          id: "native-slower",
          severity: "info",
          message: `${algorithm}: the fallback kernel is faster than the native one on this machine`,
          cli: "SLUICE_NATIVE=0"
        })
      }
    }
    return {
      version: VERSION,
      node: process.versions.node,
      platform: `${platform()} ${arch()}`,
      cores: availableParallelism(),
      memory: { total: totalmem(), free: freemem() },
      webAssembly: { available: wasm !== undefined, simd: simd() },
      kernels,
      bytesPerSecond: speeds,
      fallbacks,
      largeBlake3File: largeBlake3File(),
      agePayload: agePayload(),
      workerStartMs: yield* Effect.promise(workerStart),
      cache: {
        directory: SluiceNode.defaultCacheDir(),
        entries: disk?.entries ?? 0,
        bytes: disk?.bytes ?? 0,
        ...(disk?.degraded === undefined ? {} : { error: disk.degraded })
      },
      checkpoints: { directory: checkpointDir, unfinished },
      tips: tips.map((tip) => `${tip.message}${tip.cli === undefined ? "" : ` (${tip.cli})`}`)
    } satisfies DoctorReport
  }).pipe(
    Effect.scoped,
    Effect.provide(Layer.merge(SluiceNode.NodeHashKernel.layer, SluiceNode.cacheLayer()))
  ))

const mbps = (n: number) => `${(n / 1e6).toFixed(0)} MB/s`

/** `sluice doctor [--json]`. */
export const doctorCommand = async (options: { readonly json: boolean }, out: (line: string) => void): Promise<ExitCode> => {
  const report = await diagnose()
  if (options.json) {
    out(JSON.stringify(report))
    return ExitCode.ok
  }
  const width = Math.max(...Object.keys(report.kernels).map((a) => a.length))
  out(`Sluice ${report.version} on Node ${report.node} (${report.platform})`)
  out(`cores: ${report.cores}; memory: ${formatBytes(report.memory.free)} free of ${formatBytes(report.memory.total)}`)
  out(`WebAssembly: ${report.webAssembly.available ? "yes" : "no"}, SIMD: ${report.webAssembly.simd ? "yes" : "no"}`)
  out(`worker threads: ready in ${report.workerStartMs.toFixed(0)} ms`)
  out("kernels, and their speed on one thread (32 MiB in memory):")
  for (const [algorithm, kernel] of Object.entries(report.kernels)) {
    out(`  ${algorithm.padEnd(width)}  ${mbps(report.bytesPerSecond[algorithm]!).padStart(10)}  ${kernel}`)
    const fallback = report.fallbacks[algorithm]
    if (fallback !== undefined) out(`  ${"".padEnd(width)}  ${mbps(fallback.bytesPerSecond).padStart(10)}  without it: ${fallback.kernel}`)
  }
  const large = report.largeBlake3File
  out(`one large BLAKE3 file: ${large.kernel}${large.bytesPerSecond === undefined ? "" : ` (32 MiB in memory: ${mbps(large.bytesPerSecond)} on one thread, ${mbps(large.everyCoreBytesPerSecond!)} on every core)`}`)
  const age = report.agePayload
  out(`age payload (ChaCha20-Poly1305, 4 MiB pieces, per CPU-second of one thread): ${mbps(age.bytesPerSecond)}, ${age.kernel}${age.fallback === undefined ? "" : `; without it ${mbps(age.fallback.bytesPerSecond)}, ${age.fallback.kernel}`}`)
  out(`cache: ${report.cache.directory}: ${report.cache.error === undefined ? `${report.cache.entries} entries, ${formatBytes(report.cache.bytes)}` : `cannot be used: ${report.cache.error}`}`)
  out(`checkpoints: ${report.checkpoints.directory}: ${report.checkpoints.unfinished} unfinished jobs`)
  for (const tip of report.tips) out(`tip: ${tip}`)
  return ExitCode.ok
}
