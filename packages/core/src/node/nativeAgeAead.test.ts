import { randomBytes } from "node:crypto"
import { afterEach, describe, expect, it, vi } from "vitest"
import { dearmor } from "../age/armor.js"
import { describeCctvPayloads } from "../age/payload.testkit.js"
import { type Aead, CHUNK_SIZE, ciphertextSize, ENCRYPTED_CHUNK_SIZE, openRun, sealRun, TAG_SIZE } from "../age/stream.js"
import { sluiceNativeAead, nativeAgeAead } from "./nativeAgeAead.js"
import { nativeSodium } from "./nativeSodium.js"
import { nodeAead, nodeCryptoAead, sodiumAead } from "./NodeAgeAead.js"

const addon = sluiceNativeAead()
const sodium = sodiumAead(nativeSodium()!)
const native = nativeAgeAead(sodium)!
const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)

/** Sealed by `aead` as one run, apart or in one buffer (the plaintext read into its tail). */
const seal = (aead: Aead, plaintext: Uint8Array, first: number, final: boolean, inBuffer: boolean) => {
  const out = new Uint8Array(plaintext.length + TAG_SIZE * Math.max(1, Math.ceil(plaintext.length / CHUNK_SIZE)))
  if (!inBuffer) sealRun(aead, key, first, final, plaintext, out)
  else {
    out.set(plaintext, out.length - plaintext.length)
    sealRun(aead, key, first, final, out.subarray(out.length - plaintext.length), out)
  }
  return out
}

describe("@sluice/native's runs of chunks", () => {
  it("is built here and answers with this Node's OpenSSL", () => {
    expect(addon?.aeadVersion()).toMatch(/^OpenSSL \d/)
    expect(nodeAead().name).toContain("@sluice/native")
    expect(nodeAead().name).toContain("sodium-native")
  })

  it.each([0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 64 * CHUNK_SIZE, 64 * CHUNK_SIZE - 7])(
    "seals %i bytes to the same bytes as sodium-native chunk by chunk, and opens them, apart and in one buffer",
    (size) => {
      // An empty chunk is final only as the payload's one chunk.
      const first = size === 0 ? 0 : 41
      const plaintext = new Uint8Array(randomBytes(size))
      const reference = seal(sodium, plaintext, first, true, false)
      expect(seal(native, plaintext, first, true, false)).toEqual(reference)
      expect(seal(native, plaintext, first, true, true)).toEqual(reference)
      const apart = new Uint8Array(size)
      expect(openRun(native, key, first, true, reference, apart)).toEqual({ released: size, failure: undefined })
      expect(apart).toEqual(plaintext)
      const one = reference.slice()
      expect(openRun(native, key, first, true, one, one)).toEqual({ released: size, failure: undefined })
      expect(one.subarray(0, size)).toEqual(plaintext)
    }
  )

  it("a run that is not final flags no chunk final, as sodium-native", () => {
    const plaintext = new Uint8Array(randomBytes(3 * CHUNK_SIZE))
    const sealed = seal(native, plaintext, 2 ** 40, false, true)
    expect(sealed).toEqual(seal(sodium, plaintext, 2 ** 40, false, false))
    const out = new Uint8Array(plaintext.length)
    expect(addon!.openChunks(key, 2 ** 40, false, sealed, out)).toBe(3)
    expect(addon!.openChunks(key, 2 ** 40, true, sealed, out)).toBe(2)
  })

  describe("a flipped byte in a middle chunk", () => {
    const plaintext = new Uint8Array(randomBytes(5 * CHUNK_SIZE + 100))
    const tampered = seal(native, plaintext, 10, true, false)
    tampered[2 * ENCRYPTED_CHUNK_SIZE + 1000]! ^= 1

    it("names that chunk, keeps the chunks before it and leaves no byte of its plaintext, apart", () => {
      const out = new Uint8Array(plaintext.length).fill(0xee)
      expect(addon!.openChunks(key, 10, true, tampered, out)).toBe(2)
      expect(out.subarray(0, 2 * CHUNK_SIZE)).toEqual(plaintext.subarray(0, 2 * CHUNK_SIZE))
      expect(out.subarray(2 * CHUNK_SIZE, 3 * CHUNK_SIZE).every((b) => b === 0)).toBe(true)
      // Chunks after it are not opened.
      expect(out.subarray(3 * CHUNK_SIZE).every((b) => b === 0xee)).toBe(true)
    })

    it("in one buffer, puts its ciphertext back and leaves the chunks after it as they were", () => {
      const one = tampered.slice()
      expect(addon!.openChunks(key, 10, true, one, one.subarray(0, plaintext.length))).toBe(2)
      expect(one.subarray(0, 2 * CHUNK_SIZE)).toEqual(plaintext.subarray(0, 2 * CHUNK_SIZE))
      expect(one.subarray(2 * ENCRYPTED_CHUNK_SIZE)).toEqual(tampered.subarray(2 * ENCRYPTED_CHUNK_SIZE))
    })

    it("is Tampered at that chunk through openRun, with only the plaintext before it released, on both paths", () => {
      for (const aead of [native, sodium, nodeCryptoAead]) {
        for (const inBuffer of [false, true]) {
          const ciphertext = tampered.slice()
          const out = inBuffer ? ciphertext : new Uint8Array(plaintext.length)
          const { released, failure } = openRun(aead, key, 10, true, ciphertext, out)
          expect(failure?._tag).toBe("Tampered")
          expect(failure !== undefined && "chunk" in failure ? failure.chunk : undefined).toBe(12)
          expect(released).toBe(2 * CHUNK_SIZE)
          expect(out.subarray(0, released)).toEqual(plaintext.subarray(0, released))
          // Nothing of the failed chunk's plaintext is anywhere in the buffer.
          const failed = plaintext.subarray(2 * CHUNK_SIZE + 2000, 2 * CHUNK_SIZE + 2064)
          expect(Buffer.from(out).indexOf(failed)).toBe(-1)
        }
      }
    })
  })

  it("a wrong key opens nothing: chunk 0 fails, the output holds no plaintext", () => {
    const sealed = seal(native, new Uint8Array(CHUNK_SIZE * 2).fill(0x61), 0, true, false)
    const out = new Uint8Array(CHUNK_SIZE * 2)
    expect(addon!.openChunks(new Uint8Array(32), 0, true, sealed, out)).toBe(0)
    expect(out.every((b) => b === 0)).toBe(true)
  })

  it("refuses sizes that are no run of chunks, and overlapping buffers", () => {
    const plaintext = new Uint8Array(CHUNK_SIZE + 1)
    expect(() => addon!.sealChunks(key, 0, true, plaintext, new Uint8Array(ciphertextSize(plaintext.length) - 1))).toThrow()
    expect(() => addon!.sealChunks(key, 0, false, plaintext, new Uint8Array(ciphertextSize(plaintext.length)))).toThrow()
    expect(() => addon!.sealChunks(new Uint8Array(31), 0, true, plaintext, new Uint8Array(ciphertextSize(plaintext.length)))).toThrow()
    const buffer = new Uint8Array(ciphertextSize(plaintext.length))
    expect(() => addon!.sealChunks(key, 0, true, buffer.subarray(1, 1 + plaintext.length), buffer)).toThrow()
    expect(() => addon!.openChunks(key, 0, true, new Uint8Array(15), new Uint8Array(0))).toThrow()
    expect(() => addon!.openChunks(key, 0, true, buffer, buffer.subarray(8, 8 + plaintext.length))).toThrow()
  })
})

describe("SLUICE_NATIVE_AEAD=0", () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.resetModules()
  })

  it("leaves sodium-native to seal and open, to the same bytes", async () => {
    vi.stubEnv("SLUICE_NATIVE_AEAD", "0")
    vi.resetModules()
    const { nodeAead: fresh } = await import("./NodeAgeAead.js")
    const fallback = fresh()
    expect(fallback.name).toContain("sodium-native")
    expect(fallback.sealChunks).toBeUndefined()
    const plaintext = new Uint8Array(randomBytes(3 * CHUNK_SIZE + 5))
    expect(seal(fallback, plaintext, 9, true, true)).toEqual(seal(native, plaintext, 9, true, true))
  })
})

describeCctvPayloads(native, dearmor)
