import type { ResourceLimits } from "node:worker_threads"

/**
 * A keygen worker's V8 heap. A worker holds little (a batch of keys, ~18 MiB live at most),
 * but makes garbage fast, and with V8's defaults its heap grew with the run: 90-160 MiB
 * each after 60,000 Ed25519 keys, for a CLI whose whole peak RSS must stay within 256 MiB
 * over a million keys. Smaller young and old generations collect sooner at the same speed
 * (measured: the same user CPU time within noise). Here, apart from the command, because
 * the entry (bin.ts) starts keygen's workers with it before the program has loaded.
 */
export const KEYGEN_WORKER_HEAP: ResourceLimits = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 96 }

/**
 * A keygen worker's `workerData`: it loads keygen's chunk and libsodium as soon as it has
 * started (core's node worker reads it), while this thread loads the program, instead of
 * on its first request.
 */
export const KEYGEN_WORKER_DATA = { warm: ["keygen"] } as const
