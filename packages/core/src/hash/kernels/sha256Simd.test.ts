import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { randomBytes } from "./blake3.testkit.js"
import { toHex } from "./IncrementalHasher.js"
import { PUBLISHED_VECTORS, vectorBytes } from "./publishedVectors.js"
import { SHA256_SIMD_WASM_BASE64 } from "./sha256Simd.wasm.js"
import { Sha256SimdHasher, sha256SimdAvailable } from "./sha256Simd.js"

const reference = (input: Uint8Array) => createHash("sha256").update(input).digest("hex")

/** Sizes around the block (64) and the kernel's 4-block group (256) and input window (65,536). */
const SIZES = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 191, 192, 193, 255, 256, 257, 320, 1000, 65_535, 65_536, 65_537, 65_600, 200_001]

describe("SHA-256 WebAssembly SIMD kernel", () => {
  it("is available on this Node, and its committed bytes are the assembly of the committed sha256Simd.wat", async () => {
    expect(sha256SimdAvailable()).toBe(true)
    const { default: initWabt } = await import("wabt")
    const wabt = await initWabt()
    const parsed = wabt.parseWat("sha256Simd.wat", readFileSync(new URL("./sha256Simd.wat", import.meta.url), "utf8"), { simd: true })
    parsed.resolveNames()
    parsed.validate()
    const { buffer } = parsed.toBinary({ log: false, write_debug_names: false })
    parsed.destroy()
    expect(Buffer.from(buffer).toString("base64")).toBe(SHA256_SIMD_WASM_BASE64)
  })

  it("gives FIPS 180-4's published digests", () => {
    const vectors = PUBLISHED_VECTORS.filter((v) => v.algorithm === "sha256")
    expect(vectors.length).toBeGreaterThanOrEqual(4)
    for (const v of vectors) expect(toHex(new Sha256SimdHasher().update(vectorBytes(v)).digest())).toBe(v.digest)
  })

  it.each(SIZES)("matches node:crypto on %d bytes, whole and in uneven pieces", (size) => {
    const input = randomBytes(size, size + 1)
    expect(toHex(new Sha256SimdHasher().update(input).digest())).toBe(reference(input))
    const pieced = new Sha256SimdHasher()
    for (let at = 0, step = 1; at < size; at += step, step = (step * 7 + 3) % 300 + 1) pieced.update(input.subarray(at, at + step))
    expect(toHex(pieced.digest())).toBe(reference(input))
  })

  it("keeps hashers that share the kernel apart when their updates interleave", () => {
    const a = randomBytes(300_000, 5)
    const b = randomBytes(100_003, 6)
    const ha = new Sha256SimdHasher()
    const hb = new Sha256SimdHasher()
    for (let i = 0; i < 10; i++) {
      ha.update(a.subarray(i * 30_000, (i + 1) * 30_000))
      hb.update(b.subarray(i * 10_000, i === 9 ? b.length : (i + 1) * 10_000))
    }
    expect(toHex(hb.digest())).toBe(reference(b))
    expect(toHex(ha.digest())).toBe(reference(a))
  })

  it("continues from a saved state, and refuses a state of the wrong length or tag", () => {
    const input = randomBytes(10_000, 9)
    const first = new Sha256SimdHasher().update(input.subarray(0, 4_099))
    const state = first.saveState()
    expect(state.length).toBe(3 + 32 + (4_099 % 64))
    const resumed = Sha256SimdHasher.restore(state, 4_099).update(input.subarray(4_099))
    expect(resumed.bytesHashed).toBe(10_000)
    expect(toHex(resumed.digest())).toBe(reference(input))
    expect(() => Sha256SimdHasher.restore(state, 4_100)).toThrow(RangeError)
    expect(() => Sha256SimdHasher.restore(Uint8Array.of(0, ...state.subarray(1)), 4_099)).toThrow(/tag/)
  })
})
