import type { ResourceLimits } from "node:worker_threads"

/**
 * An age worker's V8 heap: its pieces live outside it (4 MiB ArrayBuffers, reused), and
 * what it allocates per piece is a few objects, so a small young generation costs nothing
 * and keeps V8's default semi-spaces (16 MiB each) from growing into each worker's RSS.
 */
export const AGE_WORKER_HEAP: ResourceLimits = { maxYoungGenerationSizeMb: 4 }

/** An age worker's `workerData`: it loads age's handlers and libsodium as soon as it has started (core's node worker reads it). */
export const AGE_WORKER_DATA = { warm: ["age"] } as const
