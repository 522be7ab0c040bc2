/**
 * SHA-256 (FIPS 180-4) in our own WebAssembly: the message schedules of 4 blocks computed
 * at once in SIMD lanes, the 64 rounds unrolled and scalar (working variables renamed, not
 * moved; W[t] + K[t] read from memory). The web app's SHA-256 for streams: WebCrypto has
 * no incremental digest, and hash-wasm's SHA-256 (C compiled to WebAssembly) was the
 * kernel before.
 * Source: `sha256Simd.wat` (scripts/gen-sha256-simd-wat.mjs); bytes: `sha256Simd.wasm.ts`
 * (scripts/build-wasm.mjs).
 *
 * Measured in Node 24 on this project's 2-core VM (CPU time, medians of 15 alternated
 * rounds of 32 MiB in 4 MiB updates, load ~1): 347-354 MB/s against hash-wasm 4.13.0's
 * 279-281 MB/s (~1.25x). Variants measured beside it and dropped: the chaining value in
 * locals rather than memory during the rounds 297 MB/s (V8 spills the 8 extra registers),
 * W[t] + K[t] added last in T1 rather than first 288 MB/s, the Σ functions as nested
 * rotations 307 MB/s, Maj as (a & b) | (c & (a | b)) 346 MB/s against 370, the rounds of
 * the 4 lanes unrolled (30 KiB, no lane loop) 285 MB/s against 374. In Chromium's workers
 * it hashes 4 MiB in 11-15 ms once tiered up (after its first 4 MiB). For whole small
 * files WebCrypto stays: 1,000 digests of 4 KiB in a worker took it 6-10 ms, this 12-60.
 *
 * Platform-neutral and side-effect free: the module (~13 KiB) is compiled synchronously on
 * first use (workers and Node; a page's main thread where the browser allows it). Where
 * it cannot load (no WebAssembly SIMD) `sha256SimdAvailable()` is false and callers keep
 * hash-wasm.
 */
import { SHA256_SIMD_WASM_BASE64 } from "./sha256Simd.wasm.js"
import { instantiateSimd, simdSupported } from "./simdWasm.js"

const STATE_AT = 1024
const INPUT_AT = 2048
const INPUT_BYTES = 65536
const BLOCK = 64

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]

interface Kernel {
  readonly blocks: (n: number) => void
  readonly bytes: Uint8Array
  readonly words: Uint32Array
}

let kernel: Kernel | null | undefined

const load = (): Kernel | null => {
  if (kernel !== undefined) return kernel
  // The chaining value is passed through a host-endian Uint32Array view of little-endian wasm memory.
  const loaded = instantiateSimd(SHA256_SIMD_WASM_BASE64)
  kernel = loaded === null ? null : {
    blocks: loaded.exports["blocks"] as (n: number) => void,
    bytes: new Uint8Array(loaded.memory),
    words: new Uint32Array(loaded.memory)
  }
  return kernel
}

/**
 * Whether this host validates WebAssembly SIMD (little-endian): where the kernel runs,
 * checked without compiling it (a page's main thread names its workers' kernel by it).
 */
export const sha256SimdSupported = (): boolean => kernel !== undefined ? kernel !== null : simdSupported()

/** True when the SHA-256 kernel can run here (WebAssembly with 128-bit SIMD, little-endian host). */
export const sha256SimdAvailable = (): boolean => load() !== null

/** Names written into checkpoints of this kernel's state (see `saveState`). */
export const SHA256_SIMD_IMPLEMENTATION = "sluice-sha256@1"

/** First bytes of a saved state: "S2", format 1. */
const STATE_TAG = [0x53, 0x32, 0x01] as const
const STATE_HEAD = STATE_TAG.length + 32

/**
 * A streaming SHA-256 on the WebAssembly kernel. Hashers share the one module instance of
 * their thread: each keeps its chaining value and pending partial block in JavaScript and
 * lends them to the kernel per update. Throws on construction when `sha256SimdAvailable()`
 * is false.
 */
export class Sha256SimdHasher {
  private readonly k: Kernel
  private readonly h: Uint32Array
  private readonly pending = new Uint8Array(BLOCK)
  private pendingBytes = 0
  private total = 0

  constructor(h: ReadonlyArray<number> = IV) {
    const k = load()
    if (k === null) throw new Error("SHA-256 SIMD kernel unavailable: WebAssembly SIMD is not supported here")
    this.k = k
    this.h = Uint32Array.from(h)
  }

  /** Bytes hashed so far. */
  get bytesHashed(): number {
    return this.total
  }

  update(data: Uint8Array): this {
    const n = data.length
    this.total += n
    let at = 0
    if (this.pendingBytes > 0) {
      const take = Math.min(BLOCK - this.pendingBytes, n)
      this.pending.set(data.subarray(0, take), this.pendingBytes)
      this.pendingBytes += take
      at = take
      if (this.pendingBytes < BLOCK) return this
      this.compress(this.pending, 0, BLOCK)
      this.pendingBytes = 0
    }
    const whole = (n - at) - ((n - at) % BLOCK)
    if (whole > 0) this.compress(data, at, whole)
    at += whole
    if (at < n) {
      this.pending.set(data.subarray(at), 0)
      this.pendingBytes = n - at
    }
    return this
  }

  /** The digest; the hasher is spent afterwards. */
  digest(): Uint8Array {
    const rest = this.pendingBytes
    const tail = new Uint8Array(rest + 9 <= BLOCK ? BLOCK : 2 * BLOCK)
    tail.set(this.pending.subarray(0, rest))
    tail[rest] = 0x80
    const view = new DataView(tail.buffer)
    view.setUint32(tail.length - 8, Math.floor(this.total / 0x20000000))
    view.setUint32(tail.length - 4, (this.total * 8) >>> 0)
    this.compress(tail, 0, tail.length)
    this.pending.fill(0)
    const out = new Uint8Array(32)
    const outView = new DataView(out.buffer)
    for (let i = 0; i < 8; i++) outView.setUint32(4 * i, this.h[i]!)
    return out
  }

  /**
   * The state after `bytesHashed` bytes: a tag, the chaining value (big-endian words), and
   * the pending bytes of the last partial block (bytesHashed % 64 of them), nothing else.
   */
  saveState(): Uint8Array {
    const out = new Uint8Array(STATE_HEAD + this.pendingBytes)
    out.set(STATE_TAG)
    const view = new DataView(out.buffer)
    for (let i = 0; i < 8; i++) view.setUint32(STATE_TAG.length + 4 * i, this.h[i]!)
    out.set(this.pending.subarray(0, this.pendingBytes), STATE_HEAD)
    return out
  }

  /** A hasher continuing from `saveState()`'s bytes after `bytesHashed` bytes; throws a RangeError on a state that is not one. */
  static restore(state: Uint8Array, bytesHashed: number): Sha256SimdHasher {
    if (!Number.isSafeInteger(bytesHashed) || bytesHashed < 0) throw new RangeError(`bytes hashed ${bytesHashed} out of range`)
    if (state.length !== STATE_HEAD + (bytesHashed % BLOCK)) {
      throw new RangeError(`a state of ${state.length} bytes after ${bytesHashed} bytes; expected ${STATE_HEAD + (bytesHashed % BLOCK)}`)
    }
    if (STATE_TAG.some((b, i) => state[i] !== b)) throw new RangeError("not a sluice SHA-256 state (tag)")
    const view = new DataView(state.buffer, state.byteOffset, state.byteLength)
    const hasher = new Sha256SimdHasher(Array.from({ length: 8 }, (_, i) => view.getUint32(STATE_TAG.length + 4 * i)))
    hasher.total = bytesHashed
    hasher.pendingBytes = bytesHashed % BLOCK
    hasher.pending.set(state.subarray(STATE_HEAD))
    return hasher
  }

  /** Compresses the whole blocks `data[at, at + length)` (length a multiple of 64) into `h`. */
  private compress(data: Uint8Array, at: number, length: number): void {
    const { blocks, bytes, words } = this.k
    words.set(this.h, STATE_AT >> 2)
    for (let done = 0; done < length; done += INPUT_BYTES) {
      const n = Math.min(INPUT_BYTES, length - done)
      bytes.set(data.subarray(at + done, at + done + n), INPUT_AT)
      blocks(n / BLOCK)
    }
    this.h.set(words.subarray(STATE_AT >> 2, (STATE_AT >> 2) + 8))
  }
}
