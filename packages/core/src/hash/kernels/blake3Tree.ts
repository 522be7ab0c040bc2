/**
 * BLAKE3 (hash mode) computed as independent subtrees, for hashing one large input on
 * several threads: each worker hashes one aligned range of chunks into the chaining value
 * (CV) of its subtree, and the caller merges those CVs into the root.
 *
 * Section numbers refer to the BLAKE3 paper, "BLAKE3: one function, fast everywhere"
 * (github.com/BLAKE3-team/BLAKE3-specs).
 *
 * Splitting rule. Under §2.1 every left subtree is complete (a power-of-two number of
 * chunks) and at least as big as its right sibling. Hence a range of `c` chunks starting
 * at chunk `s` is one node of the tree of the whole input when `s` is a multiple of the
 * smallest power of two >= `c`, and either `c` is a power of two whose chunks are all
 * full and more input follows the range, or the range ends the input. A list of such
 * ranges covering the input from chunk 0 is a valid split; `blake3SplitRanges` makes one
 * and `blake3CombineSubtrees` rejects any other.
 */

import {
  BLAKE3_SIMD_INPUT_BYTES,
  BLAKE3_SIMD_WIDE_BYTES,
  BLAKE3_SIMD_WIDE_SUBTREE_CHUNKS,
  compressChunks4,
  compressChunks64,
  simdAvailable
} from "./blake3Simd.js"

export const BLAKE3_CHUNK_LEN = 1024

const BLOCK_LEN = 64
const BLOCK_WORDS = 16
const MiB = 1024 * 1024
const DEFAULT_MIN_SUBTREE_BYTES = MiB
const MAX_SUBTREE_BYTES = 16 * MiB
/** Pieces per part in `blake3SplitRanges`: several per worker, for load balancing. */
const PIECES_PER_PART = 4
/** CV stack entries: one per 1-bit of the chunk count (§5.1.2); counts stay below 2^53 / 1024. */
const MAX_STACK_DEPTH = 54

// §2.2, Table 3: domain separation flags used by hash mode.
const CHUNK_START = 1
const CHUNK_END = 2
const PARENT = 4
const ROOT = 8

// §2.2, Table 1: IV (hash mode keys with it, §2.3).
const IV = Uint32Array.of(
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
)

/** Message words are little-endian (§2.4); on a little-endian host a Uint32Array view reads them as is. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

/** Aligned staging area for input that cannot be viewed as words in place (unaligned, or big-endian host). */
const STAGE_BLOCKS = 256
const STAGE = new Uint32Array(STAGE_BLOCKS * BLOCK_WORDS)
const STAGE_BYTES = new Uint8Array(STAGE.buffer)

/** The CVs of the 4 chunks the SIMD kernel (`blake3Simd.ts`) compresses at once, 8 words each. */
const SIMD_CVS = new Uint32Array(32)

const swapWords = (words: Uint32Array, count: number): void => {
  for (let i = 0; i < count; i++) {
    const w = words[i]!
    words[i] = (w >>> 24) | ((w >>> 8) & 0xff00) | ((w << 8) & 0xff0000) | (w << 24)
  }
}

/**
 * The compression function (§2.2): input CV `h` at `cv[cvAt..]`, message block at
 * `m[mAt..]`, 64-bit counter `t`, block length `b`, flags `d`. Writes the first
 * `outWords` (8: the truncated output, a CV; 16: the full output, §2.6) words to
 * `out[outAt..]`. The message is read before `out` is written, so a CV may overwrite the
 * block or input CV it came from; a full output must not overlap `cv`.
 * The 7 rounds are unrolled; each round's message word order is Table 2's permutation
 * applied once per preceding round.
 */
function compress(
  cv: Uint32Array,
  cvAt: number,
  m: Uint32Array,
  mAt: number,
  counter: number,
  blockLen: number,
  flags: number,
  out: Uint32Array,
  outAt: number,
  outWords: 8 | 16
): void {
  const m0 = m[mAt]! | 0, m1 = m[mAt + 1]! | 0, m2 = m[mAt + 2]! | 0, m3 = m[mAt + 3]! | 0
  const m4 = m[mAt + 4]! | 0, m5 = m[mAt + 5]! | 0, m6 = m[mAt + 6]! | 0, m7 = m[mAt + 7]! | 0
  const m8 = m[mAt + 8]! | 0, m9 = m[mAt + 9]! | 0, m10 = m[mAt + 10]! | 0, m11 = m[mAt + 11]! | 0
  const m12 = m[mAt + 12]! | 0, m13 = m[mAt + 13]! | 0, m14 = m[mAt + 14]! | 0, m15 = m[mAt + 15]! | 0
  let v0 = cv[cvAt]! | 0, v1 = cv[cvAt + 1]! | 0, v2 = cv[cvAt + 2]! | 0, v3 = cv[cvAt + 3]! | 0
  let v4 = cv[cvAt + 4]! | 0, v5 = cv[cvAt + 5]! | 0, v6 = cv[cvAt + 6]! | 0, v7 = cv[cvAt + 7]! | 0
  let v8 = 0x6a09e667 | 0, v9 = 0xbb67ae85 | 0, v10 = 0x3c6ef372 | 0, v11 = 0xa54ff53a | 0
  let v12 = counter | 0, v13 = (counter / 0x100000000) | 0, v14 = blockLen | 0, v15 = flags | 0
  // Round 1: message words in schedule order [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
  v0 = (v0 + v4 + m0) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20)
  v0 = (v0 + v4 + m1) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25)
  v1 = (v1 + v5 + m2) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20)
  v1 = (v1 + v5 + m3) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25)
  v2 = (v2 + v6 + m4) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20)
  v2 = (v2 + v6 + m5) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25)
  v3 = (v3 + v7 + m6) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20)
  v3 = (v3 + v7 + m7) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25)
  v0 = (v0 + v5 + m8) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20)
  v0 = (v0 + v5 + m9) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25)
  v1 = (v1 + v6 + m10) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20)
  v1 = (v1 + v6 + m11) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25)
  v2 = (v2 + v7 + m12) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20)
  v2 = (v2 + v7 + m13) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25)
  v3 = (v3 + v4 + m14) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20)
  v3 = (v3 + v4 + m15) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25)
  // Round 2: message words in schedule order [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]
  v0 = (v0 + v4 + m2) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20)
  v0 = (v0 + v4 + m6) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25)
  v1 = (v1 + v5 + m3) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20)
  v1 = (v1 + v5 + m10) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25)
  v2 = (v2 + v6 + m7) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20)
  v2 = (v2 + v6 + m0) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25)
  v3 = (v3 + v7 + m4) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20)
  v3 = (v3 + v7 + m13) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25)
  v0 = (v0 + v5 + m1) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20)
  v0 = (v0 + v5 + m11) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25)
  v1 = (v1 + v6 + m12) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20)
  v1 = (v1 + v6 + m5) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25)
  v2 = (v2 + v7 + m9) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20)
  v2 = (v2 + v7 + m14) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25)
  v3 = (v3 + v4 + m15) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20)
  v3 = (v3 + v4 + m8) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25)
  // Round 3: message words in schedule order [3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1]
  v0 = (v0 + v4 + m3) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20)
  v0 = (v0 + v4 + m4) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25)
  v1 = (v1 + v5 + m10) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20)
  v1 = (v1 + v5 + m12) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25)
  v2 = (v2 + v6 + m13) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20)
  v2 = (v2 + v6 + m2) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25)
  v3 = (v3 + v7 + m7) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20)
  v3 = (v3 + v7 + m14) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25)
  v0 = (v0 + v5 + m6) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20)
  v0 = (v0 + v5 + m5) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25)
  v1 = (v1 + v6 + m9) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20)
  v1 = (v1 + v6 + m0) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25)
  v2 = (v2 + v7 + m11) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20)
  v2 = (v2 + v7 + m15) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25)
  v3 = (v3 + v4 + m8) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20)
  v3 = (v3 + v4 + m1) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25)
  // Round 4: message words in schedule order [10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6]
  v0 = (v0 + v4 + m10) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20)
  v0 = (v0 + v4 + m7) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25)
  v1 = (v1 + v5 + m12) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20)
  v1 = (v1 + v5 + m9) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25)
  v2 = (v2 + v6 + m14) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20)
  v2 = (v2 + v6 + m3) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25)
  v3 = (v3 + v7 + m13) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20)
  v3 = (v3 + v7 + m15) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25)
  v0 = (v0 + v5 + m4) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20)
  v0 = (v0 + v5 + m0) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25)
  v1 = (v1 + v6 + m11) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20)
  v1 = (v1 + v6 + m2) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25)
  v2 = (v2 + v7 + m5) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20)
  v2 = (v2 + v7 + m8) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25)
  v3 = (v3 + v4 + m1) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20)
  v3 = (v3 + v4 + m6) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25)
  // Round 5: message words in schedule order [12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4]
  v0 = (v0 + v4 + m12) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20)
  v0 = (v0 + v4 + m13) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25)
  v1 = (v1 + v5 + m9) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20)
  v1 = (v1 + v5 + m11) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25)
  v2 = (v2 + v6 + m15) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20)
  v2 = (v2 + v6 + m10) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25)
  v3 = (v3 + v7 + m14) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20)
  v3 = (v3 + v7 + m8) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25)
  v0 = (v0 + v5 + m7) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20)
  v0 = (v0 + v5 + m2) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25)
  v1 = (v1 + v6 + m5) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20)
  v1 = (v1 + v6 + m3) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25)
  v2 = (v2 + v7 + m0) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20)
  v2 = (v2 + v7 + m1) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25)
  v3 = (v3 + v4 + m6) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20)
  v3 = (v3 + v4 + m4) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25)
  // Round 6: message words in schedule order [9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7]
  v0 = (v0 + v4 + m9) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20)
  v0 = (v0 + v4 + m14) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25)
  v1 = (v1 + v5 + m11) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20)
  v1 = (v1 + v5 + m5) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25)
  v2 = (v2 + v6 + m8) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20)
  v2 = (v2 + v6 + m12) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25)
  v3 = (v3 + v7 + m15) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20)
  v3 = (v3 + v7 + m1) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25)
  v0 = (v0 + v5 + m13) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20)
  v0 = (v0 + v5 + m3) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25)
  v1 = (v1 + v6 + m0) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20)
  v1 = (v1 + v6 + m10) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25)
  v2 = (v2 + v7 + m2) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20)
  v2 = (v2 + v7 + m6) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25)
  v3 = (v3 + v4 + m4) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20)
  v3 = (v3 + v4 + m7) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25)
  // Round 7: message words in schedule order [11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13]
  v0 = (v0 + v4 + m11) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20)
  v0 = (v0 + v4 + m15) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24)
  v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25)
  v1 = (v1 + v5 + m5) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20)
  v1 = (v1 + v5 + m0) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24)
  v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25)
  v2 = (v2 + v6 + m1) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20)
  v2 = (v2 + v6 + m9) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24)
  v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25)
  v3 = (v3 + v7 + m8) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20)
  v3 = (v3 + v7 + m6) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24)
  v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25)
  v0 = (v0 + v5 + m14) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20)
  v0 = (v0 + v5 + m10) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24)
  v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25)
  v1 = (v1 + v6 + m2) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20)
  v1 = (v1 + v6 + m12) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24)
  v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25)
  v2 = (v2 + v7 + m3) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20)
  v2 = (v2 + v7 + m4) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24)
  v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25)
  v3 = (v3 + v4 + m7) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20)
  v3 = (v3 + v4 + m13) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24)
  v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25)
  if (outWords === 16) {
    out[outAt + 8] = v8 ^ cv[cvAt]!
    out[outAt + 9] = v9 ^ cv[cvAt + 1]!
    out[outAt + 10] = v10 ^ cv[cvAt + 2]!
    out[outAt + 11] = v11 ^ cv[cvAt + 3]!
    out[outAt + 12] = v12 ^ cv[cvAt + 4]!
    out[outAt + 13] = v13 ^ cv[cvAt + 5]!
    out[outAt + 14] = v14 ^ cv[cvAt + 6]!
    out[outAt + 15] = v15 ^ cv[cvAt + 7]!
  }
  out[outAt] = v0 ^ v8
  out[outAt + 1] = v1 ^ v9
  out[outAt + 2] = v2 ^ v10
  out[outAt + 3] = v3 ^ v11
  out[outAt + 4] = v4 ^ v12
  out[outAt + 5] = v5 ^ v13
  out[outAt + 6] = v6 ^ v14
  out[outAt + 7] = v7 ^ v15
}

const readWords = (bytes: Uint8Array, words: Uint32Array, at: number, count: number): void => {
  for (let i = 0; i < count; i++) {
    const p = i * 4
    words[at + i] = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)
  }
}

const writeBytes = (words: Uint32Array, at: number, bytes: Uint8Array, byteAt: number, count: number): void => {
  for (let i = 0; i < count; i++) {
    const w = words[at + (i >> 2)]!
    bytes[byteAt + i] = w >>> ((i & 3) * 8)
  }
}

/**
 * A node's last compression before the ROOT flag is known (the reference implementation's
 * `Output`): input CV, block, block length and flags. Only the root needs it, to run its
 * final compression again with ROOT set and the output block counter (§2.6).
 */
export interface Blake3RootNode {
  /** 32 bytes, little-endian words. */
  readonly inputCv: Uint8Array
  /** 64 bytes: the last block of the only chunk, or the two child CVs of a parent. */
  readonly block: Uint8Array
  readonly blockLen: number
  readonly flags: number
}

/**
 * One subtree's result, in the shape `blake3CombineSubtrees` takes. `rootNode` is present
 * when the subtree starts at chunk 0, the only place the root can be.
 */
export interface Blake3SubtreeCv {
  /** The subtree's chaining value as a non-root node, 32 bytes. */
  readonly cv: Uint8Array
  /** Chunks in the subtree (an empty input is one empty chunk, §2.1). */
  readonly chunks: number
  readonly rootNode?: Blake3RootNode
}

/** A node's last compression: words `[input CV (8) | block (16)]`, counter, block length, flags. */
interface Node {
  readonly words: Uint32Array
  readonly counter: number
  readonly blockLen: number
  readonly flags: number
}

/** A non-root node's CV: its truncated output (§2.4, §2.5), as 32 bytes. */
const nodeCv = (node: Node): Uint8Array => {
  const cv = new Uint32Array(8)
  compress(node.words, 0, node.words, 8, node.counter, node.blockLen, node.flags, cv, 0, 8)
  const out = new Uint8Array(32)
  writeBytes(cv, 0, out, 0, 32)
  return out
}

/** §2.6: repeat the root compression with output block counter t = 0, 1, ... */
const rootOutput = (node: Node, outLen: number): Uint8Array => {
  if (!Number.isSafeInteger(outLen) || outLen < 0) {
    throw new RangeError(`BLAKE3 output length must be a non-negative integer, got ${outLen}`)
  }
  const out = new Uint8Array(outLen)
  const block = new Uint32Array(BLOCK_WORDS)
  for (let t = 0, at = 0; at < outLen; t++, at += BLOCK_LEN) {
    compress(node.words, 0, node.words, 8, t, node.blockLen, node.flags | ROOT, block, 0, 16)
    writeBytes(block, 0, out, at, Math.min(BLOCK_LEN, outLen - at))
  }
  return out
}

/** Node words of a parent (§2.5): input CV = IV; the block is filled with the children's CVs. */
const parentWords = (): Uint32Array => {
  const words = new Uint32Array(8 + BLOCK_WORDS)
  words.set(IV)
  return words
}

/** Largest power of two strictly below `n` (n >= 2): the left subtree's chunks (§2.1). */
const leftChunks = (n: number): number => {
  let p = 1
  while (p * 2 < n) p *= 2
  return p
}

const isPowerOfTwo = (n: number): boolean => Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n

const popCount = (n: number): number => {
  let count = 0
  for (; n > 0; n = Math.floor(n / 2)) count += n % 2
  return count
}

/** `saveState` layout: counters (20 bytes), then the chunk CV, the pending block, and the stack. */
const STATE_CV_AT = 20
const STATE_BLOCK_AT = STATE_CV_AT + 32
const STATE_FIXED_BYTES = STATE_BLOCK_AT + BLOCK_LEN

const setU64 = (view: DataView, at: number, n: number): void => {
  view.setUint32(at, n % 0x100000000, true)
  view.setUint32(at + 4, Math.floor(n / 0x100000000), true)
}

const getU64 = (view: DataView, at: number): number =>
  view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x100000000

/**
 * Streaming BLAKE3 over one subtree: a range of whole chunks starting at chunk `startChunk`
 * (a multiple of the smallest power of two >= the range's chunk count; see the splitting
 * rule above). Memory is bounded: a chunk state (§5.1.1) and a CV stack (§5.1.2).
 * Finalizing does not consume the state; more input can follow.
 */
export class Blake3SubtreeHasher {
  readonly startChunk: number
  /** Chunk state (§5.1.1): the running CV of the current chunk and its pending block. */
  private readonly cv = IV.slice()
  private readonly block = new Uint8Array(BLOCK_LEN)
  private readonly blockWords = new Uint32Array(this.block.buffer)
  private blockLen = 0
  private blocksCompressed = 0
  /** CV stack (§5.1.2), 8 words per entry, bottom first; holds the CVs of completed chunks' subtrees. */
  private readonly stack = new Uint32Array(MAX_STACK_DEPTH * 8)
  private stackLen = 0
  private chunksDone = 0

  constructor(startChunk: number) {
    if (!Number.isSafeInteger(startChunk) || startChunk < 0) {
      throw new RangeError(`startChunk must be a non-negative integer, got ${startChunk}`)
    }
    this.startChunk = startChunk
  }

  update(data: Uint8Array): this {
    const end = data.length
    let at = 0
    // The SIMD kernel takes 4 whole chunks at a chunk boundary, and only with input after them.
    const simd = end > BLAKE3_SIMD_INPUT_BYTES && simdAvailable()
    while (at < end) {
      // §5.1.1: the pending block is compressed only once input beyond it arrives.
      if (this.blockLen === BLOCK_LEN) {
        if (LITTLE_ENDIAN) this.compressBlocks(this.blockWords, 0, 1)
        else {
          readWords(this.block, STAGE, 0, BLOCK_WORDS)
          this.compressBlocks(STAGE, 0, 1)
        }
        this.block.fill(0)
        this.blockLen = 0
      }
      if (this.blockLen === 0 && end - at > BLOCK_LEN) {
        if (simd && end - at > BLAKE3_SIMD_INPUT_BYTES) {
          if (this.blocksCompressed !== 0) {
            // Finish the current chunk in JS (input follows it), then hand whole chunks to SIMD.
            at = this.compressInput(data, at, BLOCK_WORDS - this.blocksCompressed)
            continue
          }
          at = this.compressChunksSimd(data, at, end)
        }
        if (end - at > BLOCK_LEN) at = this.compressInput(data, at, Math.floor((end - at - 1) / BLOCK_LEN))
      }
      const take = Math.min(BLOCK_LEN - this.blockLen, end - at)
      this.block.set(data.subarray(at, at + take), this.blockLen)
      this.blockLen += take
      at += take
    }
    return this
  }

  /** The subtree's CV as a non-root node: the truncated output of its last compression (§2.4, §2.5). */
  chainingValue(): Uint8Array {
    return nodeCv(this.finalNode())
  }

  /** The BLAKE3 hash (with `outLen` bytes of extended output, §2.6) of an input hashed whole from chunk 0. */
  rootDigest(outLen = 32): Uint8Array {
    if (this.startChunk !== 0) {
      throw new RangeError(`rootDigest needs the whole input from chunk 0, this subtree starts at chunk ${this.startChunk}`)
    }
    return rootOutput(this.finalNode(), outLen)
  }

  /** CV and chunk count, plus the root node when this subtree starts at chunk 0, for `blake3CombineSubtrees`. */
  subtreeCv(): Blake3SubtreeCv {
    const node = this.finalNode()
    const cv = nodeCv(node)
    const chunks = this.chunksDone + 1
    if (this.startChunk !== 0) return { cv, chunks }
    const { blockLen, flags, words } = node
    const inputCv = new Uint8Array(32)
    const block = new Uint8Array(BLOCK_LEN)
    writeBytes(words, 0, inputCv, 0, 32)
    writeBytes(words, 8, block, 0, BLOCK_LEN)
    return { cv, chunks, rootNode: { inputCv, block, blockLen, flags } }
  }

  /**
   * The state, for `restore` to continue from (a checkpoint of a long hash). Little-endian:
   * startChunk and chunksDone (u64 each); blocksCompressed, blockLen, stackLen (u8 each) and
   * a zero byte; the chunk CV (8 words); the pending block (64 bytes, zero past blockLen);
   * then the `stackLen` stack CVs (8 words each). Besides CVs it holds up to one block of
   * input: the pending block, kept until more input follows (§5.1.1).
   */
  saveState(): Uint8Array {
    const out = new Uint8Array(STATE_FIXED_BYTES + this.stackLen * 32)
    const view = new DataView(out.buffer)
    setU64(view, 0, this.startChunk)
    setU64(view, 8, this.chunksDone)
    out[16] = this.blocksCompressed
    out[17] = this.blockLen
    out[18] = this.stackLen
    for (let i = 0; i < 8; i++) view.setUint32(STATE_CV_AT + i * 4, this.cv[i]!, true)
    out.set(this.block, STATE_BLOCK_AT)
    for (let i = 0; i < this.stackLen * 8; i++) view.setUint32(STATE_FIXED_BYTES + i * 4, this.stack[i]!, true)
    return out
  }

  /**
   * A hasher in the state `saveState` wrote. Throws a RangeError for bytes that no hasher
   * could have written (wrong length, counts out of range, a stack that does not match the
   * chunk count, non-zero bytes past the pending block), so a damaged state is refused
   * rather than hashed on.
   */
  static restore(state: Uint8Array): Blake3SubtreeHasher {
    const invalid = (detail: string) => new RangeError(`not a BLAKE3 hasher state: ${detail}`)
    if (state.length < STATE_FIXED_BYTES) throw invalid(`${state.length} bytes, the fixed part alone is ${STATE_FIXED_BYTES}`)
    const view = new DataView(state.buffer, state.byteOffset, state.byteLength)
    const startChunk = getU64(view, 0)
    const chunksDone = getU64(view, 8)
    const blocksCompressed = state[16]!
    const blockLen = state[17]!
    const stackLen = state[18]!
    if (state[19] !== 0) throw invalid("reserved byte is not zero")
    if (!Number.isSafeInteger(startChunk + chunksDone)) throw invalid("chunk counter out of range")
    if (blocksCompressed >= BLOCK_WORDS) throw invalid(`${blocksCompressed} blocks compressed in a 16-block chunk`)
    if (blockLen > BLOCK_LEN) throw invalid(`pending block of ${blockLen} bytes`)
    // §5.1.2: the stack holds one CV per 1-bit of the chunk count.
    if (stackLen !== popCount(chunksDone)) throw invalid(`${stackLen} stack entries after ${chunksDone} chunks`)
    if (state.length !== STATE_FIXED_BYTES + stackLen * 32) {
      throw invalid(`${state.length} bytes, expected ${STATE_FIXED_BYTES + stackLen * 32}`)
    }
    // `update` always leaves at least one byte pending, so only a fresh hasher has an empty block.
    if (blockLen === 0 && (blocksCompressed !== 0 || chunksDone !== 0)) throw invalid("empty pending block after input")
    for (let i = STATE_BLOCK_AT + blockLen; i < STATE_FIXED_BYTES; i++) {
      if (state[i] !== 0) throw invalid("bytes past the pending block are not zero")
    }
    const hasher = new Blake3SubtreeHasher(startChunk)
    for (let i = 0; i < 8; i++) hasher.cv[i] = view.getUint32(STATE_CV_AT + i * 4, true)
    if (blocksCompressed === 0 && hasher.cv.some((w, i) => w !== IV[i])) {
      throw invalid("a chunk with no block compressed yet must have the IV as its CV")
    }
    hasher.block.set(state.subarray(STATE_BLOCK_AT, STATE_FIXED_BYTES))
    hasher.blockLen = blockLen
    hasher.blocksCompressed = blocksCompressed
    for (let i = 0; i < stackLen * 8; i++) hasher.stack[i] = view.getUint32(STATE_FIXED_BYTES + i * 4, true)
    hasher.stackLen = stackLen
    hasher.chunksDone = chunksDone
    return hasher
  }

  /**
   * At a chunk boundary (empty chunk state), compresses whole chunks with the SIMD kernel
   * while more input follows them, pushing their CVs in order (§5.1.2): 64 at a time as
   * four 16-chunk subtrees wherever the chunk count is a multiple of 16 (each is then a
   * node of this subtree), else 4 at a time. Returns the byte offset after them: at most
   * 4 chunks of input are left.
   */
  private compressChunksSimd(data: Uint8Array, at: number, end: number): number {
    const cvs = SIMD_CVS
    const stack = this.stack
    while (end - at > BLAKE3_SIMD_INPUT_BYTES) {
      const wide = end - at > BLAKE3_SIMD_WIDE_BYTES && this.chunksDone % BLAKE3_SIMD_WIDE_SUBTREE_CHUNKS === 0
      if (wide) compressChunks64(data, at, this.startChunk + this.chunksDone, cvs, 0)
      else compressChunks4(data, at, this.startChunk + this.chunksDone, cvs, 0)
      for (let c = 0; c < 32; c += 8) {
        const top = this.stackLen * 8
        for (let j = 0; j < 8; j++) stack[top + j] = cvs[c + j]!
        this.pushChunk(wide ? BLAKE3_SIMD_WIDE_SUBTREE_CHUNKS : 1)
      }
      at += wide ? BLAKE3_SIMD_WIDE_BYTES : BLAKE3_SIMD_INPUT_BYTES
    }
    return at
  }

  /** Compresses `blocks` whole blocks of `data` from byte `at`; returns the byte offset after them. */
  private compressInput(data: Uint8Array, at: number, blocks: number): number {
    const byteOffset = data.byteOffset + at
    if (LITTLE_ENDIAN && byteOffset % 4 === 0) {
      this.compressBlocks(new Uint32Array(data.buffer, byteOffset, blocks * BLOCK_WORDS), 0, blocks)
      return at + blocks * BLOCK_LEN
    }
    while (blocks > 0) {
      const n = Math.min(blocks, STAGE_BLOCKS)
      STAGE_BYTES.set(data.subarray(at, at + n * BLOCK_LEN))
      if (!LITTLE_ENDIAN) swapWords(STAGE, n * BLOCK_WORDS)
      this.compressBlocks(STAGE, 0, n)
      at += n * BLOCK_LEN
      blocks -= n
    }
    return at
  }

  /** Compresses full blocks known not to be the input's last (§2.4); completed chunks go to the stack. */
  private compressBlocks(words: Uint32Array, at: number, blocks: number): void {
    const cv = this.cv
    for (let i = 0; i < blocks; i++, at += BLOCK_WORDS) {
      const counter = this.startChunk + this.chunksDone
      if (this.blocksCompressed === 15) {
        compress(cv, 0, words, at, counter, BLOCK_LEN, CHUNK_END, this.stack, this.stackLen * 8, 8)
        this.pushChunk()
      } else {
        compress(cv, 0, words, at, counter, BLOCK_LEN, this.blocksCompressed === 0 ? CHUNK_START : 0, cv, 0, 8)
        this.blocksCompressed++
      }
    }
  }

  /**
   * §5.1.2: the CV just written on top of the stack, of a chunk or of a subtree of `chunks`
   * (a power of two dividing the chunk count before it), completes a subtree per further
   * trailing 0-bit of the chunk count.
   */
  private pushChunk(chunks = 1): void {
    this.stackLen++
    this.chunksDone += chunks
    for (let total = this.chunksDone / chunks; total % 2 === 0; total /= 2) {
      const left = (this.stackLen - 2) * 8
      compress(IV, 0, this.stack, left, 0, BLOCK_LEN, PARENT, this.stack, left, 8)
      this.stackLen--
    }
    this.cv.set(IV)
    this.blocksCompressed = 0
  }

  /** §5.1.2: the current chunk's last block, merged with every CV on the stack, newest first. */
  private finalNode(): Node {
    if (this.startChunk !== 0 && this.chunksDone === 0 && this.blockLen === 0) {
      throw new RangeError("an empty subtree is only valid as the whole (empty) input, at chunk 0")
    }
    const words = new Uint32Array(8 + BLOCK_WORDS)
    words.set(this.cv, 0)
    if (LITTLE_ENDIAN) words.set(this.blockWords, 8)
    else readWords(this.block, words, 8, BLOCK_WORDS)
    let counter = this.startChunk + this.chunksDone
    let blockLen = this.blockLen
    let flags = CHUNK_END | (this.blocksCompressed === 0 ? CHUNK_START : 0)
    for (let i = this.stackLen - 1; i >= 0; i--) {
      compress(words, 0, words, 8, counter, blockLen, flags, words, 16, 8)
      words.set(this.stack.subarray(i * 8, i * 8 + 8), 8)
      words.set(IV, 0)
      counter = 0
      blockLen = BLOCK_LEN
      flags = PARENT
    }
    return { words, counter, blockLen, flags }
  }
}

/**
 * The BLAKE3 hash of a whole input from the results of consecutive subtrees covering it
 * from chunk 0, in order, split by the rule above. With two or more subtrees the root is a
 * parent (§2.5) and the CVs suffice; a single subtree is itself the root (a chunk or a
 * parent) and needs its `rootNode`.
 */
export const blake3CombineSubtrees = (
  subtrees: ReadonlyArray<{ readonly cv: Uint8Array; readonly chunks: number; readonly rootNode?: Blake3RootNode }>,
  outLen = 32
): Uint8Array => {
  let total = 0
  subtrees.forEach(({ chunks, cv }, i) => {
    if (!Number.isSafeInteger(chunks) || chunks < 1) {
      throw new RangeError(`subtree ${i}: chunks must be a positive integer, got ${chunks}`)
    }
    if (cv.length !== 32) throw new RangeError(`subtree ${i}: a chaining value is 32 bytes, got ${cv.length}`)
    total += chunks
  })
  if (subtrees.length === 0) throw new RangeError("no subtrees to combine")
  const only = subtrees.length === 1 ? subtrees[0] : undefined
  if (only !== undefined) {
    const root = only.rootNode
    if (root === undefined) {
      throw new RangeError("a single subtree is the root itself: its CV cannot give the root output, pass its rootNode")
    }
    if (root.inputCv.length !== 32 || root.block.length !== BLOCK_LEN) {
      throw new RangeError("rootNode: inputCv is 32 bytes and block 64")
    }
    const words = new Uint32Array(8 + BLOCK_WORDS)
    readWords(root.inputCv, words, 0, 8)
    readWords(root.block, words, 8, BLOCK_WORDS)
    return rootOutput({ words, counter: 0, blockLen: root.blockLen, flags: root.flags }, outLen)
  }

  // Walks the §2.1 tree over `total` chunks left to right; every subtree must be one of its nodes.
  let next = 0
  let nextStart = 0
  const subtreeCv = (lo: number, hi: number, out: Uint32Array, outAt: number): void => {
    const subtree = subtrees[next]!
    const end = nextStart + subtree.chunks
    if (end === hi) {
      readWords(subtree.cv, out, outAt, 8)
      next++
      nextStart = end
      return
    }
    if (end > hi) {
      throw new RangeError(
        `subtree ${next} (chunks ${nextStart}..${end}) is not a node of the BLAKE3 tree of ${total} chunks; see blake3SplitRanges`
      )
    }
    const words = parentWords()
    const mid = lo + leftChunks(hi - lo)
    subtreeCv(lo, mid, words, 8)
    subtreeCv(mid, hi, words, 16)
    compress(words, 0, words, 8, 0, BLOCK_LEN, PARENT, out, outAt, 8)
  }
  const words = parentWords()
  const mid = leftChunks(total)
  subtreeCv(0, mid, words, 8)
  subtreeCv(mid, total, words, 16)
  return rootOutput({ words, counter: 0, blockLen: BLOCK_LEN, flags: PARENT }, outLen)
}

/**
 * Splits an input of `totalBytes` into ranges that `Blake3SubtreeHasher`s can hash
 * independently and `blake3CombineSubtrees` can merge, in order. All ranges but the last
 * have the same power-of-two number of chunks, `minSubtreeBytes` (a power of two >= one
 * chunk, default 1 MiB) up to 16 MiB, chosen to give about 4 ranges per part; the last
 * range is the rest. An input of two or more chunks always gets two or more ranges, so its
 * root is a parent of CVs; an input of at most one chunk is one range.
 */
export const blake3SplitRanges = (
  totalBytes: number,
  parts: number,
  minSubtreeBytes = DEFAULT_MIN_SUBTREE_BYTES
): Array<{ offset: number; length: number; startChunk: number }> => {
  if (!Number.isSafeInteger(totalBytes) || totalBytes < 0) {
    throw new RangeError(`totalBytes must be a non-negative integer, got ${totalBytes}`)
  }
  if (!Number.isSafeInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`)
  if (!isPowerOfTwo(minSubtreeBytes) || minSubtreeBytes < BLAKE3_CHUNK_LEN) {
    throw new RangeError(`minSubtreeBytes must be a power of two >= ${BLAKE3_CHUNK_LEN}, got ${minSubtreeBytes}`)
  }
  const chunks = Math.max(1, Math.ceil(totalBytes / BLAKE3_CHUNK_LEN))
  const maxChunks = Math.max(minSubtreeBytes, MAX_SUBTREE_BYTES) / BLAKE3_CHUNK_LEN
  let size = minSubtreeBytes / BLAKE3_CHUNK_LEN
  while (size < maxChunks && size * 2 * parts * PIECES_PER_PART <= chunks) size *= 2
  if (chunks > 1) while (size >= chunks) size /= 2
  const ranges: Array<{ offset: number; length: number; startChunk: number }> = []
  for (let startChunk = 0; startChunk < chunks; startChunk += size) {
    const offset = startChunk * BLAKE3_CHUNK_LEN
    ranges.push({ offset, length: Math.min(size * BLAKE3_CHUNK_LEN, totalBytes - offset), startChunk })
  }
  return ranges
}
