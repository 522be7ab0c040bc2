import { blake3 } from "@noble/hashes/blake3.js"
import { readFileSync } from "node:fs"
import { describe, expect, it, vi } from "vitest"
import { randomBytes } from "./blake3.testkit.js"
import { BLAKE3_SIMD_WASM_BASE64 } from "./blake3Simd.wasm.js"
import {
  BLAKE3_SIMD_INPUT_BYTES,
  BLAKE3_SIMD_WIDE_BYTES,
  compressChunks4,
  compressChunks64,
  simdAvailable
} from "./blake3Simd.js"
import { BLAKE3_CHUNK_LEN, blake3CombineSubtrees, Blake3SubtreeHasher } from "./blake3Tree.js"

/** The JS kernel's CV of one whole chunk with chunk counter `counter` (a one-chunk subtree is that chunk). */
const jsChunkCv = (chunk: Uint8Array, counter: number): Uint8Array =>
  new Blake3SubtreeHasher(counter).update(chunk).chainingValue()

const cvBytes = (words: Uint32Array, at: number): Uint8Array => {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = words[at + (i >> 2)]! >>> ((i & 3) * 8)
  return out
}

const COUNTERS = [
  0, 1, 2, 3, 4, 5, 15, 16, 255, 1000, 4096, 65_535, 1_000_003, 0x7fff_fffe, 0x7fff_ffff, 0x8000_0000,
  0xffff_fffc, 0xffff_fffd, 0xffff_fffe, 0xffff_ffff, 2 ** 32, 2 ** 32 + 1, 2 ** 33 - 2, 2 ** 40 + 12_345,
  2 ** 44 - 3, 2 ** 52 + 7, Number.MAX_SAFE_INTEGER - 3
] as const

describe("BLAKE3 WebAssembly SIMD kernel", () => {
  it("is available on this Node", () => {
    expect(simdAvailable()).toBe(true)
    expect(Buffer.from(BLAKE3_SIMD_WASM_BASE64, "base64").length).toBeLessThan(16384)
  })

  it("the committed bytes are the assembly of the committed blake3Simd.wat (run scripts/build-wasm.mjs)", async () => {
    const { default: initWabt } = await import("wabt")
    const wabt = await initWabt()
    const wat = readFileSync(new URL("./blake3Simd.wat", import.meta.url), "utf8")
    const parsed = wabt.parseWat("blake3Simd.wat", wat, { simd: true })
    parsed.resolveNames()
    parsed.validate()
    const { buffer } = parsed.toBinary({ log: false, write_debug_names: false })
    parsed.destroy()
    expect(Buffer.from(buffer).toString("base64")).toBe(BLAKE3_SIMD_WASM_BASE64)
  })

  it.each(COUNTERS)("gives the JS kernel's 4 chunk CVs at counter %d", (counter) => {
    for (let seed = 1; seed <= 3; seed++) {
      const input = randomBytes(BLAKE3_SIMD_INPUT_BYTES, counter * 7 + seed)
      const out = new Uint32Array(32)
      compressChunks4(input, 0, counter, out)
      for (let i = 0; i < 4; i++) {
        const chunk = input.subarray(i * BLAKE3_CHUNK_LEN, (i + 1) * BLAKE3_CHUNK_LEN)
        expect(cvBytes(out, i * 8)).toEqual(jsChunkCv(chunk, counter + i))
      }
    }
  })

  it("reads at any offset, including unaligned ones, and writes at outAt", () => {
    const input = randomBytes(3 * BLAKE3_SIMD_INPUT_BYTES + 7, 99)
    for (const [offset, counter] of [[0, 8], [1, 12], [3, 2 ** 35], [4096 + 5, 77], [2 * 4096 + 7, 0xffff_fffe]] as const) {
      const out = new Uint32Array(40).fill(0xdeadbeef)
      compressChunks4(input, offset, counter, out, 5)
      expect(out.subarray(0, 5)).toEqual(new Uint32Array(5).fill(0xdeadbeef))
      expect(out.subarray(37)).toEqual(new Uint32Array(3).fill(0xdeadbeef))
      for (let i = 0; i < 4; i++) {
        const chunk = input.subarray(offset + i * BLAKE3_CHUNK_LEN, offset + (i + 1) * BLAKE3_CHUNK_LEN)
        expect(cvBytes(out, 5 + i * 8)).toEqual(jsChunkCv(chunk, counter + i))
      }
    }
  })

  it("many random inputs and counters", () => {
    let x = 12_345
    for (let n = 0; n < 200; n++) {
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0
      const counter = n % 2 === 0 ? x : x * 2 ** 20 + n
      const input = randomBytes(BLAKE3_SIMD_INPUT_BYTES, x)
      const out = new Uint32Array(32)
      compressChunks4(input, 0, counter, out)
      for (let i = 0; i < 4; i++) {
        const chunk = input.subarray(i * BLAKE3_CHUNK_LEN, (i + 1) * BLAKE3_CHUNK_LEN)
        expect(cvBytes(out, i * 8)).toEqual(jsChunkCv(chunk, counter + i))
      }
    }
  })

  it("rejects input shorter than 4 chunks", () => {
    expect(() => compressChunks4(new Uint8Array(4095), 0, 0, new Uint32Array(32))).toThrow(RangeError)
    expect(() => compressChunks4(new Uint8Array(4096), 1, 0, new Uint32Array(32))).toThrow(RangeError)
  })
})

describe("BLAKE3 WebAssembly SIMD kernel, 64 chunks a call", () => {
  /** The JS kernel's CV of 16 whole chunks as a subtree starting at chunk `counter`, with input after it. */
  const jsSubtreeCv = (chunks: Uint8Array, counter: number): Uint8Array =>
    new Blake3SubtreeHasher(counter).update(chunks).chainingValue()

  it.each([0, 16, 64, 1024, 0xffff_fff0, 0xffff_ffc0, 2 ** 32, 2 ** 40 + 2 ** 20, Number.MAX_SAFE_INTEGER - 63])(
    "gives the JS kernel's CVs of the four 16-chunk subtrees at counter %d",
    (counter) => {
      const input = randomBytes(BLAKE3_SIMD_WIDE_BYTES + 9, counter % 1000 + 3)
      for (const offset of [0, 9]) {
        const out = new Uint32Array(36).fill(0xdeadbeef)
        compressChunks64(input, offset, counter, out, 2)
        expect(out.subarray(0, 2)).toEqual(new Uint32Array(2).fill(0xdeadbeef))
        expect(out.subarray(34)).toEqual(new Uint32Array(2).fill(0xdeadbeef))
        for (let s = 0; s < 4; s++) {
          const at = offset + s * 16 * BLAKE3_CHUNK_LEN
          expect(cvBytes(out, 2 + s * 8)).toEqual(jsSubtreeCv(input.subarray(at, at + 16 * BLAKE3_CHUNK_LEN), counter + 16 * s))
        }
      }
    }
  )

  it("rejects input shorter than 64 chunks", () => {
    expect(() => compressChunks64(new Uint8Array(65535), 0, 0, new Uint32Array(32))).toThrow(RangeError)
    expect(() => compressChunks64(new Uint8Array(65536), 1, 0, new Uint32Array(32))).toThrow(RangeError)
  })

  it("a hasher fed 64-chunk runs at any alignment gives noble's digest (the 4-chunk kernel until the count is a multiple of 16)", () => {
    const input = randomBytes(300 * BLAKE3_CHUNK_LEN + 5, 41)
    for (const first of [1, 4 * BLAKE3_CHUNK_LEN, 12 * BLAKE3_CHUNK_LEN, 16 * BLAKE3_CHUNK_LEN, 20 * BLAKE3_CHUNK_LEN + 3]) {
      const hasher = new Blake3SubtreeHasher(0).update(input.subarray(0, first))
      hasher.update(input.subarray(first, first + 100_000)).update(input.subarray(first + 100_000))
      expect(hasher.rootDigest()).toEqual(blake3(input))
    }
  })
})

describe("Blake3SubtreeHasher with the SIMD kernel", () => {
  const K = BLAKE3_CHUNK_LEN
  const SIZES = [4 * K, 4 * K + 1, 5 * K, 8 * K, 8 * K + 1, 9 * K - 1, 16 * K + 1, 37 * K + 123, 64 * K, 64 * K + 1]

  it.each(SIZES)("one update of %d bytes gives noble's digest", (size) => {
    const input = randomBytes(size, size)
    expect(new Blake3SubtreeHasher(0).update(input).rootDigest()).toEqual(blake3(input))
  })

  it.each([[1, 9000], [100, 20_000], [1023, 5000, 64, 7000], [1024, 4096, 4097], [3000, 64 * K]])(
    "pieces %j..., starting mid-chunk or mid-block, give noble's digest",
    (...pieces: Array<number>) => {
      const input = randomBytes(pieces.reduce((a, b) => a + b, 0) * 3, 5)
      const hasher = new Blake3SubtreeHasher(0)
      for (let at = 0, i = 0; at < input.length; i++) {
        const size = pieces[i % pieces.length]!
        hasher.update(input.subarray(at, at + size))
        at += size
      }
      expect(hasher.rootDigest()).toEqual(blake3(input))
    }
  )

  it("subtrees at large chunk offsets combine to the same digest as a whole-input hash by subtrees", () => {
    // Two 32-chunk subtrees at chunk 2^33 and 2^33 + 32: compare the SIMD path (one big
    // update) with the JS path (1 KiB pieces, never 4 chunks in one call).
    const input = randomBytes(64 * K, 77)
    for (const start of [2 ** 33, 2 ** 32 - 32, 2 ** 45]) {
      const whole = new Blake3SubtreeHasher(start).update(input).subtreeCv()
      const pieces = new Blake3SubtreeHasher(start)
      for (let at = 0; at < input.length; at += K) pieces.update(input.subarray(at, at + K))
      expect(whole.cv).toEqual(pieces.subtreeCv().cv)
    }
    const halves = [0, 1].map((h) => new Blake3SubtreeHasher(h * 32).update(input.subarray(h * 32 * K, (h + 1) * 32 * K)).subtreeCv())
    expect(blake3CombineSubtrees(halves)).toEqual(blake3(input))
  })
})

describe("BLAKE3 where synchronous compilation of the kernel is refused (a browser's main thread with a 4 KiB limit)", () => {
  it("reports no SIMD and the hasher still gives noble's digest on the JS kernel", async () => {
    type ModuleConstructor = new(bytes: Uint8Array) => object
    const wasm = (globalThis as unknown as { readonly WebAssembly: { Module: ModuleConstructor } }).WebAssembly
    const Module = wasm.Module
    const limited = function(bytes: Uint8Array) {
      if (bytes.byteLength > 4096) throw new RangeError("WebAssembly.Module(): Buffer size is over the limit")
      return new Module(bytes)
    } as unknown as ModuleConstructor
    vi.resetModules()
    wasm.Module = limited
    try {
      const simd = await import("./blake3Simd.js")
      const tree = await import("./blake3Tree.js")
      expect(simd.simdAvailable()).toBe(false)
      const input = randomBytes(200 * BLAKE3_CHUNK_LEN + 3, 8)
      expect(new tree.Blake3SubtreeHasher(0).update(input).rootDigest()).toEqual(blake3(input))
    } finally {
      wasm.Module = Module
      vi.resetModules()
    }
  })
})
