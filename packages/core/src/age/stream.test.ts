import { describe, expect, it } from "vitest"
import { nobleAead } from "./nobleAead.js"
import { describeCctvPayloads } from "./payload.testkit.js"
import {
  CHUNK_SIZE,
  chunkCount,
  chunkLayout,
  chunkNonce,
  ciphertextSize,
  decryptionPieces,
  ENCRYPTED_CHUNK_SIZE,
  encryptionPieces,
  openChunk,
  openPayload,
  plaintextSize,
  sealPayload,
  TAG_SIZE
} from "./stream.js"

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

describe("STREAM sizes", () => {
  it.each([
    [0, 1, 16],
    [1, 1, 17],
    [65535, 1, 65551],
    [65536, 1, 65552],
    [65537, 2, 65569],
    [131072, 2, 131104],
    [257 * 65536, 257, 257 * 65552],
    [257 * 65536 + 1, 258, 257 * 65552 + 17]
  ])("%i plaintext bytes: %i chunks, %i ciphertext bytes, and back", (plain, chunks, cipher) => {
    expect(chunkCount(plain)).toBe(chunks)
    expect(ciphertextSize(plain)).toBe(cipher)
    expect(plaintextSize(cipher)).toBe(plain)
    expect(chunkLayout(cipher).chunks).toBe(chunks)
  })

  it("no plaintext has a payload with no chunk, a last chunk shorter than a tag, or an empty last chunk after others", () => {
    expect(plaintextSize(0)).toBeUndefined()
    expect(plaintextSize(15)).toBeUndefined()
    expect(plaintextSize(ENCRYPTED_CHUNK_SIZE + 5)).toBeUndefined()
    expect(plaintextSize(ENCRYPTED_CHUNK_SIZE + TAG_SIZE)).toBeUndefined()
    expect(plaintextSize(ENCRYPTED_CHUNK_SIZE + TAG_SIZE + 1)).toBe(CHUNK_SIZE + 1)
    expect(chunkLayout(ENCRYPTED_CHUNK_SIZE + 5)).toEqual({ chunks: 2, lastChunkSize: 5 })
    expect(chunkLayout(0)).toEqual({ chunks: 0, lastChunkSize: 0 })
  })
})

describe("chunkNonce", () => {
  it("is the 11-byte big-endian counter and the final flag", () => {
    expect(hex(chunkNonce(0, false))).toBe("000000000000000000000000")
    expect(hex(chunkNonce(0, true))).toBe("000000000000000000000001")
    expect(hex(chunkNonce(1, false))).toBe("000000000000000000000100")
    expect(hex(chunkNonce(0x0102, true))).toBe("000000000000000000010201")
    expect(hex(chunkNonce(2 ** 53 - 1, false))).toBe("000000001fffffffffffff00")
    expect(() => chunkNonce(-1, false)).toThrow(RangeError)
    expect(() => chunkNonce(1.5, false)).toThrow(RangeError)
  })
})

describe("pieces", () => {
  it("encryption: pieces of N chunks with their plaintext and ciphertext offsets, the last one short and final", () => {
    const size = 5 * CHUNK_SIZE + 100
    const pieces = [...encryptionPieces(size, 2)]
    expect(pieces.map((p) => [p.firstChunk, p.chunks, p.final])).toEqual([
      [0, 2, false],
      [2, 2, false],
      [4, 2, true]
    ])
    expect(pieces[1]).toMatchObject({ plaintextOffset: 2 * CHUNK_SIZE, plaintextLength: 2 * CHUNK_SIZE, ciphertextOffset: 2 * ENCRYPTED_CHUNK_SIZE, ciphertextLength: 2 * ENCRYPTED_CHUNK_SIZE })
    expect(pieces[2]).toMatchObject({ plaintextLength: CHUNK_SIZE + 100, ciphertextLength: ENCRYPTED_CHUNK_SIZE + 116 })
    expect(pieces.reduce((n, p) => n + p.ciphertextLength, 0)).toBe(ciphertextSize(size))
  })

  it("an empty plaintext is one final piece of one empty chunk", () => {
    expect([...encryptionPieces(0, 16)]).toEqual([
      { index: 0, firstChunk: 0, chunks: 1, final: true, plaintextOffset: 0, plaintextLength: 0, ciphertextOffset: 0, ciphertextLength: 16 }
    ])
  })

  it("decryption cuts at fixed chunk boundaries, whatever the size", () => {
    const pieces = [...decryptionPieces(3 * ENCRYPTED_CHUNK_SIZE + 5, 2)]
    expect(pieces.map((p) => [p.firstChunk, p.chunks, p.ciphertextLength, p.plaintextLength])).toEqual([
      [0, 2, 2 * ENCRYPTED_CHUNK_SIZE, 2 * CHUNK_SIZE],
      [2, 2, ENCRYPTED_CHUNK_SIZE + 5, CHUNK_SIZE]
    ])
    expect([...decryptionPieces(0, 16)]).toEqual([])
  })

  it("refuses a piece of no chunk", () => {
    expect(() => [...encryptionPieces(10, 0)]).toThrow(RangeError)
  })
})

describe("openChunk: what a failing chunk means (design §2)", () => {
  /** A chunk that opens only under the flag given, or none. */
  const opensAs = (flag: boolean | undefined) => (final: boolean) => final === flag

  it("a chunk that opens as expected is released", () => {
    expect(openChunk(0, 2, ENCRYPTED_CHUNK_SIZE, opensAs(false))).toEqual({ release: true, failure: undefined })
    expect(openChunk(1, 2, 100, opensAs(true))).toEqual({ release: true, failure: undefined })
  })

  it("a chunk before the last that opens only as final: released, then TrailingData", () => {
    const outcome = openChunk(0, 3, ENCRYPTED_CHUNK_SIZE, opensAs(true))
    expect(outcome.release).toBe(true)
    expect(outcome.failure?._tag).toBe("TrailingData")
  })

  it("a full last chunk that opens only as not final: released, then Truncated at the next index", () => {
    const outcome = openChunk(1, 2, ENCRYPTED_CHUNK_SIZE, opensAs(false))
    expect(outcome).toMatchObject({ release: true, failure: { _tag: "Truncated", chunk: 2 } })
  })

  it("a short last chunk is never tried as not final: Tampered", () => {
    const tried: Array<boolean> = []
    const outcome = openChunk(1, 2, 100, (final) => (tried.push(final), !final))
    expect(outcome).toMatchObject({ release: false, failure: { _tag: "Tampered", chunk: 1 } })
    expect(tried).toEqual([true])
  })

  it("a lone tag after other chunks: EmptyLastChunk before any opening; alone, an empty payload", () => {
    expect(openChunk(2, 3, TAG_SIZE, () => true)).toMatchObject({ release: false, failure: { _tag: "EmptyLastChunk" } })
    expect(openChunk(0, 1, TAG_SIZE, opensAs(true))).toEqual({ release: true, failure: undefined })
  })

  it("a chunk shorter than a tag, or one that opens under no flag: Tampered with its index", () => {
    expect(openChunk(0, 1, 5, () => true)).toMatchObject({ release: false, failure: { _tag: "Tampered", chunk: 0 } })
    expect(openChunk(4, 9, ENCRYPTED_CHUNK_SIZE, opensAs(undefined))).toMatchObject({ release: false, failure: { _tag: "Tampered", chunk: 4 } })
  })

  it("no chunk at all: Truncated", () => {
    expect(openChunk(0, 0, 0, () => true)).toMatchObject({ release: false, failure: { _tag: "Truncated", chunk: 0 } })
  })
})

describe("sealPayload and openPayload", () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)
  it.each([0, 1, 65535, 65536, 65537, 131072])("%i bytes round-trip, chunk by chunk", (size) => {
    const plaintext = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff)
    const payload = sealPayload(nobleAead, key, plaintext)
    expect(payload.length).toBe(ciphertextSize(size))
    const out: Array<number> = []
    expect(openPayload(nobleAead, key, payload, (chunk) => out.push(...chunk))).toBeUndefined()
    expect(Uint8Array.from(out)).toEqual(plaintext)
  })

  it("a flipped byte in the second chunk releases the first only and names chunk 1", () => {
    const payload = sealPayload(nobleAead, key, new Uint8Array(3 * CHUNK_SIZE))
    payload[ENCRYPTED_CHUNK_SIZE + 10]! ^= 0x80
    const released: Array<number> = []
    const failure = openPayload(nobleAead, key, payload, (_chunk, index) => released.push(index))
    expect(released).toEqual([0])
    expect(failure).toMatchObject({ _tag: "Tampered", chunk: 1 })
  })
})

describeCctvPayloads(nobleAead)
