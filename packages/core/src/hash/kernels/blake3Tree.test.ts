import { blake3 } from "@noble/hashes/blake3.js"
import { blake3Vectors } from "@sluice/vectors"
import { describe, expect, it } from "vitest"
import { randomBytes } from "./blake3.testkit.js"
import {
  BLAKE3_CHUNK_LEN,
  blake3CombineSubtrees,
  blake3SplitRanges,
  Blake3SubtreeHasher,
  type Blake3SubtreeCv
} from "./blake3Tree.js"
import { toHex } from "./IncrementalHasher.js"

interface VectorCase {
  readonly input_len: number
  readonly hash: string
}

const vectors: { readonly cases: ReadonlyArray<VectorCase> } = blake3Vectors()

/** The official vectors' input: `length` bytes of 0, 1, ..., 250, 0, 1, ... */
const vectorInput = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => i % 251)

/** Hashes `input` through the parallel path: split, one hasher per range, combine in order. */
const splitAndCombine = (input: Uint8Array, parts: number, minSubtreeBytes: number, outLen = 32): Uint8Array => {
  const ranges = blake3SplitRanges(input.length, parts, minSubtreeBytes)
  const subtrees: Array<Blake3SubtreeCv> = ranges.map(({ length, offset, startChunk }) =>
    new Blake3SubtreeHasher(startChunk).update(input.subarray(offset, offset + length)).subtreeCv()
  )
  return blake3CombineSubtrees(subtrees, outLen)
}

/** Feeds `input` in pieces cycling through `sizes`. */
const hashInPieces = (input: Uint8Array, sizes: ReadonlyArray<number>): Blake3SubtreeHasher => {
  const hasher = new Blake3SubtreeHasher(0)
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = sizes[i % sizes.length]!
    hasher.update(input.subarray(at, at + size))
    at += size
  }
  return hasher
}

const PIECE_SIZES = [[1], [63], [64], [65], [1023], [1025], [1, 63, 64, 65, 1023, 1025]] as const

describe("official BLAKE3 test vectors (hash mode)", () => {
  it("has the cases", () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(35)
  })

  describe.each(vectors.cases.map((c) => [c.input_len, c] as const))("input_len %i", (_, { hash, input_len }) => {
    const input = vectorInput(input_len)
    const digest32 = hash.slice(0, 64)

    it("whole, through one hasher from chunk 0, with 32 and 131 bytes of output", () => {
      const hasher = new Blake3SubtreeHasher(0).update(input)
      expect(toHex(hasher.rootDigest())).toBe(digest32)
      expect(toHex(hasher.rootDigest(131))).toBe(hash)
      expect(toHex(hasher.rootDigest(0))).toBe("")
      expect(toHex(hasher.rootDigest(65))).toBe(hash.slice(0, 130))
    })

    it.each(PIECE_SIZES.map((sizes) => [sizes.join(",") as string, sizes] as const))(
      "fed in pieces of %s bytes",
      (_, sizes) => {
        const hasher = hashInPieces(input, sizes)
        expect(toHex(hasher.rootDigest())).toBe(digest32)
        expect(toHex(hasher.rootDigest(131))).toBe(hash)
      }
    )

    it.each([1024, 2048])("split with minSubtreeBytes %i and combined", (minSubtreeBytes) => {
      for (const parts of [1, 2, 3, 8]) {
        expect(toHex(splitAndCombine(input, parts, minSubtreeBytes))).toBe(digest32)
        expect(toHex(splitAndCombine(input, parts, minSubtreeBytes, 131))).toBe(hash)
      }
    })

    it("combines from CVs alone whenever the input has two or more chunks", () => {
      const ranges = blake3SplitRanges(input_len, 4, BLAKE3_CHUNK_LEN)
      if (input_len <= BLAKE3_CHUNK_LEN) {
        expect(ranges).toEqual([{ offset: 0, length: input_len, startChunk: 0 }])
        return
      }
      expect(ranges.length).toBeGreaterThanOrEqual(2)
      const cvs = ranges.map(({ length, offset, startChunk }) => ({
        cv: new Blake3SubtreeHasher(startChunk).update(input.subarray(offset, offset + length)).chainingValue(),
        chunks: Math.ceil(length / BLAKE3_CHUNK_LEN)
      }))
      expect(toHex(blake3CombineSubtrees(cvs, 131))).toBe(hash)
    })
  })
})

describe("random inputs against @noble/hashes", () => {
  const MiB = 1024 * 1024
  const sizes = [0, 1, 1023, 1024, 1025, 2048, 3073, 5 * MiB + 17]

  describe.each(sizes)("%i bytes", (size) => {
    const input = randomBytes(size, size + 1)
    const expected = toHex(blake3(input))
    const expectedLong = toHex(blake3(input, { dkLen: 200 }))

    it("whole, and in uneven pieces", () => {
      expect(toHex(new Blake3SubtreeHasher(0).update(input).rootDigest())).toBe(expected)
      expect(toHex(hashInPieces(input, [1025, 7, 64, 65_537]).rootDigest(200))).toBe(expectedLong)
    })

    it.each([2, 3, 4, 7])("split into %i parts", (parts) => {
      const ranges = blake3SplitRanges(size, parts, BLAKE3_CHUNK_LEN)
      expect(ranges[0]?.offset).toBe(0)
      expect(ranges.reduce((sum, r) => sum + r.length, 0)).toBe(size)
      expect(toHex(splitAndCombine(input, parts, BLAKE3_CHUNK_LEN))).toBe(expected)
      expect(toHex(splitAndCombine(input, parts, 4 * BLAKE3_CHUNK_LEN, 200))).toBe(expectedLong)
      expect(toHex(splitAndCombine(input, parts, MiB))).toBe(expected)
    })
  })

  it("reads input at any byte offset of its buffer", () => {
    const backing = randomBytes(70_000, 7)
    for (const start of [0, 1, 2, 3, 5]) {
      const input = backing.subarray(start, start + 65_000)
      expect(toHex(new Blake3SubtreeHasher(0).update(input).rootDigest())).toBe(toHex(blake3(input)))
    }
  })

  it("keeps hashing after a digest is read", () => {
    const input = randomBytes(5000, 3)
    const hasher = new Blake3SubtreeHasher(0).update(input.subarray(0, 2000))
    expect(toHex(hasher.rootDigest())).toBe(toHex(blake3(input.subarray(0, 2000))))
    hasher.update(input.subarray(2000))
    expect(toHex(hasher.rootDigest())).toBe(toHex(blake3(input)))
  })
})

describe("blake3SplitRanges", () => {
  const MiB = 1024 * 1024

  it("covers the input with aligned power-of-two subtrees and a final rest", () => {
    for (const total of [0, 1, 1024, 1025, 3 * MiB + 5, 64 * MiB, 1000 * MiB + 1]) {
      for (const parts of [1, 2, 3, 8, 16]) {
        const ranges = blake3SplitRanges(total, parts)
        let offset = 0
        ranges.forEach((range, i) => {
          expect(range.offset).toBe(offset)
          expect(range.startChunk * BLAKE3_CHUNK_LEN).toBe(offset)
          if (i < ranges.length - 1) expect(range.length).toBe(ranges[0]!.length)
          offset += range.length
        })
        expect(offset).toBe(total)
        const size = ranges[0]!.length
        if (ranges.length > 1) {
          expect(Number.isInteger(Math.log2(size / BLAKE3_CHUNK_LEN))).toBe(true)
          expect(size).toBeLessThanOrEqual(16 * MiB)
        }
      }
    }
  })

  it("gives several ranges per part, within 1 to 16 MiB by default", () => {
    expect(blake3SplitRanges(64 * MiB, 4).length).toBe(16)
    expect(blake3SplitRanges(64 * MiB, 4)[0]!.length).toBe(4 * MiB)
    expect(blake3SplitRanges(1024 * MiB, 2)[0]!.length).toBe(16 * MiB)
    expect(blake3SplitRanges(3 * MiB, 8)[0]!.length).toBe(MiB)
  })

  it("splits any input of two or more chunks at least once", () => {
    expect(blake3SplitRanges(1025, 1, MiB)).toEqual([
      { offset: 0, length: 1024, startChunk: 0 },
      { offset: 1024, length: 1, startChunk: 1 }
    ])
    expect(blake3SplitRanges(MiB, 1).length).toBe(2)
    expect(blake3SplitRanges(1024, 8)).toEqual([{ offset: 0, length: 1024, startChunk: 0 }])
    expect(blake3SplitRanges(0, 8)).toEqual([{ offset: 0, length: 0, startChunk: 0 }])
  })

  it("rejects bad arguments", () => {
    expect(() => blake3SplitRanges(-1, 2)).toThrow(RangeError)
    expect(() => blake3SplitRanges(10, 0)).toThrow(RangeError)
    expect(() => blake3SplitRanges(10, 2, 3000)).toThrow(RangeError)
    expect(() => blake3SplitRanges(10, 2, 512)).toThrow(RangeError)
  })
})

describe("blake3CombineSubtrees", () => {
  const input = vectorInput(7 * BLAKE3_CHUNK_LEN + 100)
  const subtree = (startChunk: number, chunks: number): Blake3SubtreeCv =>
    new Blake3SubtreeHasher(startChunk)
      .update(input.subarray(startChunk * BLAKE3_CHUNK_LEN, (startChunk + chunks) * BLAKE3_CHUNK_LEN))
      .subtreeCv()

  it("accepts any split into nodes of the tree, not only uniform ones", () => {
    const expected = toHex(blake3(input))
    // 8 chunks: [0,4) [4,6) [6,7) [7,8), and [0,4) [4,8) with a partial last chunk.
    expect(toHex(blake3CombineSubtrees([subtree(0, 4), subtree(4, 2), subtree(6, 1), subtree(7, 1)]))).toBe(expected)
    expect(toHex(blake3CombineSubtrees([subtree(0, 4), subtree(4, 4)]))).toBe(expected)
    expect(toHex(blake3CombineSubtrees([subtree(0, 1), subtree(1, 1), subtree(2, 2), subtree(4, 4)]))).toBe(expected)
  })

  it("rejects subtrees that are not nodes of the tree", () => {
    expect(() => blake3CombineSubtrees([subtree(0, 3), subtree(3, 5)])).toThrow(RangeError)
    expect(() => blake3CombineSubtrees([subtree(0, 2), subtree(2, 4), subtree(6, 2)])).toThrow(RangeError)
    expect(() => blake3CombineSubtrees([])).toThrow(RangeError)
  })

  it("needs the root node when one subtree is the whole input", () => {
    const whole = subtree(0, 8)
    expect(toHex(blake3CombineSubtrees([whole]))).toBe(toHex(blake3(input)))
    expect(() => blake3CombineSubtrees([{ cv: whole.cv, chunks: whole.chunks }])).toThrow(RangeError)
    expect(subtree(4, 4).rootNode).toBeUndefined()
  })

  it("gives the root of the empty input and of a single chunk", () => {
    for (const length of [0, 1, 64, 1024]) {
      const bytes = input.subarray(0, length)
      const only = new Blake3SubtreeHasher(0).update(bytes).subtreeCv()
      expect(only.chunks).toBe(1)
      expect(toHex(blake3CombineSubtrees([only], 100))).toBe(toHex(blake3(bytes, { dkLen: 100 })))
    }
  })
})

describe("Blake3SubtreeHasher", () => {
  it("rejects a root digest of a subtree that does not start at chunk 0", () => {
    expect(() => new Blake3SubtreeHasher(4).update(new Uint8Array(10)).rootDigest()).toThrow(RangeError)
    expect(() => new Blake3SubtreeHasher(4).chainingValue()).toThrow(RangeError)
    expect(() => new Blake3SubtreeHasher(-1)).toThrow(RangeError)
  })
})

describe("Blake3SubtreeHasher state (saveState / restore)", () => {
  /** Hashes `input` in pieces ending at `cuts`, moving the state into a fresh hasher at each cut. */
  const hashThroughStates = (input: Uint8Array, cuts: ReadonlyArray<number>, startChunk = 0): Blake3SubtreeHasher => {
    let hasher = new Blake3SubtreeHasher(startChunk)
    let at = 0
    for (const cut of [...cuts, input.length]) {
      hasher.update(input.subarray(at, cut))
      at = cut
      hasher = Blake3SubtreeHasher.restore(hasher.saveState())
    }
    return hasher
  }

  // Mid-block, block boundaries, chunk boundaries, and past several SIMD runs of 4 chunks.
  const CUTS = [1, 63, 64, 65, 1023, 1024, 1025, 2048, 4096, 4097, 8192 + 64, 16_384, 16_385, 40_000]

  describe.each(vectors.cases.map((c) => [c.input_len, c] as const))("official vector, input_len %i", (_, { hash, input_len }) => {
    const input = vectorInput(input_len)

    it("saved and restored at each single cut", () => {
      for (const cut of CUTS.filter((c) => c <= input_len)) {
        const hasher = hashThroughStates(input, [cut])
        expect(toHex(hasher.rootDigest(131))).toBe(hash)
      }
    })

    it("saved and restored at every cut in turn", () => {
      expect(toHex(hashThroughStates(input, CUTS.filter((c) => c <= input_len)).rootDigest(131))).toBe(hash)
    })
  })

  it("saved and restored at random cuts of random inputs, against @noble/hashes", () => {
    const rng = randomBytes(4 * 64, 99)
    for (let round = 0; round < 64; round++) {
      const size = (rng[round * 4]! | (rng[round * 4 + 1]! << 8) | (rng[round * 4 + 2]! << 16)) % (300_000 + round)
      const input = randomBytes(size, round + 1)
      const cuts: Array<number> = []
      for (let i = 0, x = rng[round * 4 + 3]! + 1; i < 6; i++) {
        x = (x * 1_103_515_245 + 12_345) % 2 ** 31
        cuts.push(x % (size + 1))
      }
      cuts.sort((a, b) => a - b)
      expect(toHex(hashThroughStates(input, cuts).rootDigest())).toBe(toHex(blake3(input)))
    }
  })

  it("keeps the start chunk of a subtree", () => {
    const input = vectorInput(4 * BLAKE3_CHUNK_LEN)
    const expected = new Blake3SubtreeHasher(8).update(input).chainingValue()
    const restored = hashThroughStates(input, [100, 1024, 3000], 8)
    expect(restored.startChunk).toBe(8)
    expect(toHex(restored.chainingValue())).toBe(toHex(expected))
  })

  it("holds no input beyond the pending block", () => {
    const input = randomBytes(50_000, 5)
    for (const length of [1, 64, 65, 1024, 1025, 5000, 50_000]) {
      const state = new Blake3SubtreeHasher(0).update(input.subarray(0, length)).saveState()
      const pendingFrom = length - (((length - 1) % 64) + 1)
      const text = Buffer.from(state)
      for (let at = 0; at + 4 <= pendingFrom; at++) {
        expect(text.indexOf(input.subarray(at, at + 4)), `input bytes ${at}..${at + 4} in the state`).toBe(-1)
      }
    }
  })

  it("refuses states no hasher could have written", () => {
    const good = new Blake3SubtreeHasher(0).update(randomBytes(5000, 9)).saveState()
    const damaged = (edit: (state: Uint8Array) => void): Uint8Array => {
      const copy = good.slice()
      edit(copy)
      return copy
    }
    expect(() => Blake3SubtreeHasher.restore(good)).not.toThrow()
    for (const state of [
      good.subarray(0, good.length - 1),
      good.subarray(0, 10),
      Uint8Array.of(...good, 0),
      damaged((s) => s[8] = s[8]! ^ 1), // chunksDone no longer matches the stack
      damaged((s) => s[16] = 16), // blocksCompressed
      damaged((s) => s[17] = 65), // blockLen
      damaged((s) => s[17] = 0), // an empty pending block after input
      damaged((s) => s[19] = 1),
      damaged((s) => s[15] = 0xff), // chunk counter past 2^53
      damaged((s) => s[52 + 63] = s[52 + 63]! ^ 1) // pending block is 5000 % 64 = 8 bytes; byte 63 is past it
    ]) {
      expect(() => Blake3SubtreeHasher.restore(state)).toThrow(RangeError)
    }
    const fresh = new Blake3SubtreeHasher(0).saveState()
    fresh[20] = fresh[20]! ^ 1 // the CV of a chunk with no block compressed must be the IV
    expect(() => Blake3SubtreeHasher.restore(fresh)).toThrow(RangeError)
  })
})
