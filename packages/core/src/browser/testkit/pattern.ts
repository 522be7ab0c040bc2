/** Deterministic test bytes (xorshift32), generated the same way in the page and in Node. */
export const patternBytes = (size: number, seed: number): Uint8Array<ArrayBuffer> => {
  const words = new Uint32Array(Math.ceil(size / 4))
  const view = new DataView(words.buffer)
  let x = seed >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    view.setUint32(i * 4, x, true)
  }
  return new Uint8Array(words.buffer, 0, size)
}

/** The input of the official BLAKE3 vectors: `length` bytes of 0..250 repeating. */
export const blake3VectorInput = (length: number): Uint8Array<ArrayBuffer> =>
  Uint8Array.from({ length }, (_, i) => i % 251)

/** `spawn-throws` and `missing-script` are pools whose workers cannot start. */
export type PoolName = "workers" | "inline" | "auto" | "spawn-throws" | "missing-script"

export interface FileResult {
  readonly name: string
  readonly digests?: Readonly<Record<string, string>>
  readonly error?: { readonly tag: string; readonly code?: string; readonly message: string }
}

export interface RunReport {
  readonly kind: "workers" | "inline"
  readonly size: number
  readonly choice: { readonly kind: string; readonly reason: string; readonly kernel: string } | null
  /** Web Workers the page created. */
  readonly spawned: number
  readonly results: ReadonlyArray<FileResult>
  /** The pool's breaker state and recovery counts when the job ended. */
  readonly health: {
    readonly breaker: string
    readonly restarts: number
    readonly retries: number
    readonly fallbackTasks: number
  }
  readonly ms: number
  readonly disposeMs: number
  /** Timer turns the main thread gave while hashing, and the longest wait between two. */
  readonly ticks: number
  readonly maxGapMs: number
}
