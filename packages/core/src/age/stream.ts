/**
 * age's payload: STREAM [C2SP age §Payload; Hoang, Reyhanitabar, Rogaway, Vizár, "Online
 * authenticated-encryption and its nonce-reuse misuse-resistance"]. The plaintext is cut in
 * 64 KiB chunks, each sealed with ChaCha20-Poly1305 under the payload key, its 12-byte nonce
 * the 11-byte big-endian chunk counter and a flag byte, 1 on the final chunk. The final chunk
 * may be full; it is empty only when the whole payload is.
 *
 * This module is the math (sizes, nonces, pieces of chunks for the workers) and the rule
 * that says what a failing chunk means. The cipher is an `Aead` a platform supplies.
 */
import { EmptyLastChunk, type PayloadFailure, Tampered, TrailingData, Truncated } from "./AgeError.js"

/** Plaintext bytes of a full chunk. */
export const CHUNK_SIZE = 65536
/** The Poly1305 tag after each chunk. */
export const TAG_SIZE = 16
/** Ciphertext bytes of a full chunk. */
export const ENCRYPTED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
/** ChaCha20-Poly1305's key and nonce [RFC 8439]. */
export const KEY_SIZE = 32
export const AEAD_NONCE_SIZE = 12

/**
 * ChaCha20-Poly1305 [RFC 8439] as a platform provides it: Node's sodium-native or
 * node:crypto, noble anywhere. Both calls write into `out`, which the caller sizes
 * (`plaintext.length + TAG_SIZE` to seal, `ciphertext.length - TAG_SIZE` to open). age uses
 * no associated data; `aad` is there so the kernels run every Wycheproof vector.
 * A key other than 32 bytes or a nonce other than 12 throws.
 */
export interface Aead {
  /** Names the implementation (`doctor`, benchmarks). */
  readonly name: string
  readonly seal: (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, out: Uint8Array, aad?: Uint8Array) => void
  /** False when the tag does not verify; `out` then holds nothing to use. */
  readonly open: (key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, out: Uint8Array, aad?: Uint8Array) => boolean
  /**
   * True when `seal`'s `out` may be the plaintext itself (the same bytes at the same
   * offset: libsodium). The workers then seal a piece in its one buffer; otherwise each
   * chunk goes through a scratch buffer. (`open` never works in place: a failed one may
   * zero its output, and the ciphertext must survive to be tried under the other flag.)
   */
  readonly inPlace?: boolean
  /**
   * Optional, a whole run of chunks in one call (Node: Sluice's addon over OpenSSL): seals
   * `plaintext`'s 64 KiB chunks into `out` (`ENCRYPTED_CHUNK_SIZE` apart), the nonces
   * counting from `firstChunk`, the last flagged final when `final`. `plaintext` is apart
   * from `out` or exactly its tail. Without it `sealRun` loops over `seal`.
   */
  readonly sealChunks?: (key: Uint8Array, firstChunk: number, final: boolean, plaintext: Uint8Array, out: Uint8Array) => void
  /**
   * Optional, the opening counterpart: opens a run of chunks into `out` (`CHUNK_SIZE`
   * apart; apart from `ciphertext` or starting where it does) each under its expected flag,
   * and returns how many opened before the first that did not. That one leaves no plaintext
   * (zeroed, or in one buffer its ciphertext put back) and the chunks after it are
   * untouched: `openRun` then names the failure chunk by chunk with `open`.
   */
  readonly openChunks?: (key: Uint8Array, firstChunk: number, final: boolean, ciphertext: Uint8Array, out: Uint8Array) => number
}

/** Throws unless `key` and `nonce` have ChaCha20-Poly1305's sizes and `out` the size the call writes. */
export const checkAeadSizes = (key: Uint8Array, nonce: Uint8Array, out: Uint8Array, outSize: number): void => {
  if (key.length !== KEY_SIZE) throw new RangeError(`a ChaCha20-Poly1305 key has ${KEY_SIZE} bytes`)
  if (nonce.length !== AEAD_NONCE_SIZE) throw new RangeError(`a ChaCha20-Poly1305 nonce has ${AEAD_NONCE_SIZE} bytes`)
  if (out.length !== outSize) throw new RangeError(`the output buffer must have ${outSize} bytes`)
}

/** Chunks of a plaintext of `size` bytes: at least one (an empty payload is one empty final chunk). */
export const chunkCount = (size: number): number => Math.max(1, Math.ceil(size / CHUNK_SIZE))

/** The payload's ciphertext size (after the nonce) for `size` bytes of plaintext. */
export const ciphertextSize = (size: number): number => size + TAG_SIZE * chunkCount(size)

/**
 * The plaintext size of a payload of `size` ciphertext bytes (after the nonce), or undefined
 * when no plaintext encrypts to that size: no chunk, a last chunk shorter than a tag, or an
 * empty last chunk after others (Go's `EncryptedChunkCount`).
 */
export const plaintextSize = (size: number): number | undefined => {
  const chunks = Math.ceil(size / ENCRYPTED_CHUNK_SIZE)
  if (chunks === 0) return undefined
  const plain = size - TAG_SIZE * chunks
  return plain >= 0 && chunkCount(plain) === chunks ? plain : undefined
}

/** The chunks of a ciphertext payload cut at fixed 65,552-byte boundaries, whether or not it is valid. */
export const chunkLayout = (size: number): { readonly chunks: number; readonly lastChunkSize: number } => {
  const chunks = Math.ceil(size / ENCRYPTED_CHUNK_SIZE)
  return { chunks, lastChunkSize: chunks === 0 ? 0 : size - (chunks - 1) * ENCRYPTED_CHUNK_SIZE }
}

/** Chunk `index`'s nonce: the counter big-endian in bytes 0-10, then 1 for the final chunk, else 0. */
export const chunkNonce = (index: number, final: boolean, out: Uint8Array = new Uint8Array(AEAD_NONCE_SIZE)): Uint8Array => {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError("a chunk index is a whole number from 0 to 2^53 - 1")
  out.fill(0)
  let rest = index
  for (let i = 10; i >= 0 && rest > 0; i--) {
    out[i] = rest % 256
    rest = Math.floor(rest / 256)
  }
  out[11] = final ? 1 : 0
  return out
}

/**
 * A run of chunks one task seals or opens: where its plaintext and ciphertext start within
 * the payload (after the nonce) and how long they are. `final` when it holds the last chunk.
 */
export interface Piece {
  readonly index: number
  readonly firstChunk: number
  readonly chunks: number
  readonly final: boolean
  readonly plaintextOffset: number
  readonly plaintextLength: number
  readonly ciphertextOffset: number
  readonly ciphertextLength: number
}

function* cut(chunks: number, chunksPerPiece: number, plaintextTotal: number, ciphertextTotal: number): Generator<Piece> {
  if (!Number.isSafeInteger(chunksPerPiece) || chunksPerPiece < 1) throw new RangeError("a piece holds at least one chunk")
  for (let index = 0, first = 0; first < chunks; index++, first += chunksPerPiece) {
    const count = Math.min(chunksPerPiece, chunks - first)
    const final = first + count === chunks
    const plaintextOffset = first * CHUNK_SIZE
    const ciphertextOffset = first * ENCRYPTED_CHUNK_SIZE
    yield {
      index,
      firstChunk: first,
      chunks: count,
      final,
      plaintextOffset,
      plaintextLength: final ? plaintextTotal - plaintextOffset : count * CHUNK_SIZE,
      ciphertextOffset,
      ciphertextLength: final ? ciphertextTotal - ciphertextOffset : count * ENCRYPTED_CHUNK_SIZE
    }
  }
}

/** The pieces of `chunksPerPiece` chunks that encrypt a plaintext of `size` bytes (one for an empty one). */
export const encryptionPieces = (size: number, chunksPerPiece: number): Iterable<Piece> =>
  cut(chunkCount(size), chunksPerPiece, size, ciphertextSize(size))

/**
 * The pieces that decrypt a payload of `size` ciphertext bytes, cut at fixed chunk boundaries
 * even when the size is not one a plaintext has (the chunks then say how it fails):
 * `plaintextLength` counts what the chunks would give, a chunk shorter than a tag nothing.
 */
export const decryptionPieces = (size: number, chunksPerPiece: number): Iterable<Piece> => {
  const { chunks, lastChunkSize } = chunkLayout(size)
  const plaintext = chunks === 0 ? 0 : (chunks - 1) * CHUNK_SIZE + Math.max(0, lastChunkSize - TAG_SIZE)
  return cut(chunks, chunksPerPiece, plaintext, size)
}

/** What opening one chunk gave: release its plaintext or not, then stop with a failure or go on. */
export interface ChunkOutcome {
  readonly release: boolean
  readonly failure: PayloadFailure | undefined
}

const OPENED: ChunkOutcome = { release: true, failure: undefined }

/**
 * Opens chunk `index` of `chunks` (cut at fixed boundaries; `size` its ciphertext bytes)
 * through `open(final)`, which decrypts it with that flag, and says what it means, releasing
 * exactly what Go's streaming reader releases (design §2 "release semantics", checked on
 * every CCTV payload vector):
 * - the last chunk is a lone tag after other chunks: EmptyLastChunk, nothing released;
 * - a chunk before the last opens only as final: released, then TrailingData;
 * - a full last chunk opens only as not final: released, then Truncated (a final chunk was due);
 * - any other chunk that does not open: Tampered, nothing released.
 * A chunk never opens under both flags; the other flag is tried only to name the failure.
 */
export const openChunk = (index: number, chunks: number, size: number, open: (final: boolean) => boolean): ChunkOutcome => {
  if (chunks === 0) return { release: false, failure: new Truncated({ chunk: 0 }) }
  const final = index === chunks - 1
  if (final && size === TAG_SIZE && chunks > 1) return { release: false, failure: new EmptyLastChunk({}) }
  if (size < TAG_SIZE) return { release: false, failure: new Tampered({ chunk: index }) }
  if (open(final)) return OPENED
  if (!final && open(true)) return { release: true, failure: new TrailingData({ chunk: index }) }
  if (final && size === ENCRYPTED_CHUNK_SIZE && open(false)) return { release: true, failure: new Truncated({ chunk: chunks }) }
  return { release: false, failure: new Tampered({ chunk: index }) }
}

/** Seals chunk `index` of plaintext `plaintext` (≤ CHUNK_SIZE bytes) into `out` (`plaintext.length + TAG_SIZE`). */
export const sealChunk = (aead: Aead, key: Uint8Array, index: number, final: boolean, plaintext: Uint8Array, out: Uint8Array): void => {
  if (plaintext.length > CHUNK_SIZE) throw new RangeError("a chunk holds at most 64 KiB")
  if (!final && plaintext.length !== CHUNK_SIZE) throw new RangeError("only the final chunk may be short")
  aead.seal(key, chunkNonce(index, final), plaintext, out)
}

/**
 * The payload of `plaintext` (everything after the header's nonce), sealed in one call: for
 * tests and small inputs; large ones go by pieces on the workers.
 */
export const sealPayload = (aead: Aead, key: Uint8Array, plaintext: Uint8Array): Uint8Array => {
  const out = new Uint8Array(ciphertextSize(plaintext.length))
  for (const piece of encryptionPieces(plaintext.length, 1)) {
    const input = plaintext.subarray(piece.plaintextOffset, piece.plaintextOffset + piece.plaintextLength)
    sealChunk(aead, key, piece.firstChunk, piece.final, input, out.subarray(piece.ciphertextOffset, piece.ciphertextOffset + piece.ciphertextLength))
  }
  return out
}

/**
 * Opens a whole payload (everything after the nonce) chunk by chunk in order, handing each
 * released chunk's plaintext to `release` (a view reused for the next chunk: copy it to keep
 * it), and returns the failure that stopped it, or undefined when it authenticated whole.
 * The reference the parallel path must agree with.
 */
export const openPayload = (
  aead: Aead,
  key: Uint8Array,
  payload: Uint8Array,
  release: (plaintext: Uint8Array, chunk: number) => void
): PayloadFailure | undefined => {
  const { chunks } = chunkLayout(payload.length)
  if (chunks === 0) return new Truncated({ chunk: 0 })
  const buffer = new Uint8Array(CHUNK_SIZE)
  const nonce = new Uint8Array(AEAD_NONCE_SIZE)
  try {
    for (let i = 0; i < chunks; i++) {
      const ciphertext = payload.subarray(i * ENCRYPTED_CHUNK_SIZE, Math.min(payload.length, (i + 1) * ENCRYPTED_CHUNK_SIZE))
      const out = buffer.subarray(0, Math.max(0, ciphertext.length - TAG_SIZE))
      const outcome = openChunk(i, chunks, ciphertext.length, (final) => aead.open(key, chunkNonce(i, final, nonce), ciphertext, out))
      if (outcome.release) release(out, i)
      if (outcome.failure !== undefined) return outcome.failure
    }
    return undefined
  } finally {
    buffer.fill(0)
  }
}

/**
 * Seals a run of chunks (a worker's piece): `plaintext` (whole chunks, the last short or
 * empty only when `final`) into `out` (`plaintext.length + TAG_SIZE` a chunk), chunk `i` at
 * `i * ENCRYPTED_CHUNK_SIZE`, the nonces counting from `firstChunk`. `plaintext` is apart
 * from `out` or exactly its tail (one buffer read into its end: each chunk is moved down to
 * its place, its tag's room ahead of it, and sealed there). In one call where the AEAD has
 * `sealChunks`, else chunk by chunk (`scratch`, 64 KiB, where it cannot seal in place).
 */
export const sealRun = (
  aead: Aead,
  key: Uint8Array,
  firstChunk: number,
  final: boolean,
  plaintext: Uint8Array,
  out: Uint8Array,
  scratch?: Uint8Array
): void => {
  const chunks = chunkCount(plaintext.length)
  if (out.length !== plaintext.length + TAG_SIZE * chunks) throw new RangeError("out must have 16 bytes more than the plaintext a chunk")
  if (!final && plaintext.length % CHUNK_SIZE !== 0) throw new RangeError("only the final chunk may be short")
  if (aead.sealChunks !== undefined) return aead.sealChunks(key, firstChunk, final, plaintext, out)
  const tail = plaintext.buffer === out.buffer && plaintext.byteOffset === out.byteOffset + out.length - plaintext.length
  const nonce = new Uint8Array(AEAD_NONCE_SIZE)
  let room: Uint8Array | undefined
  try {
    for (let i = 0; i < chunks; i++) {
      const start = i * CHUNK_SIZE
      const length = Math.min(CHUNK_SIZE, plaintext.length - start)
      const at = i * ENCRYPTED_CHUNK_SIZE
      const target = out.subarray(at, at + length + TAG_SIZE)
      chunkNonce(firstChunk + i, final && i === chunks - 1, nonce)
      if (!tail) aead.seal(key, nonce, plaintext.subarray(start, start + length), target)
      else {
        const from = out.length - plaintext.length + start
        out.copyWithin(at, from, from + length)
        if (aead.inPlace === true) aead.seal(key, nonce, out.subarray(at, at + length), target)
        else {
          const chunk = (room ??= scratch ?? new Uint8Array(CHUNK_SIZE)).subarray(0, length)
          chunk.set(out.subarray(at, at + length))
          aead.seal(key, nonce, chunk, target)
        }
      }
    }
  } finally {
    room?.fill(0)
  }
}

/**
 * Opens a run of chunks (a worker's piece, cut at fixed boundaries) by `openChunk`'s rules:
 * chunk `i`'s plaintext into `out` at `i * CHUNK_SIZE` (`out` apart from `ciphertext`, or
 * the same buffer: each chunk's plaintext is put down over the tags before it), in order
 * until one fails. Returns the plaintext bytes released (a prefix of `out`; nothing after it
 * is plaintext) and the failure that stopped it. `final` when the run holds the payload's
 * last chunk. The chunks that simply open go in one call where the AEAD has `openChunks`;
 * the rest, and a failure's name, chunk by chunk (`scratch`, 64 KiB, for one buffer).
 */
export const openRun = (
  aead: Aead,
  key: Uint8Array,
  firstChunk: number,
  final: boolean,
  ciphertext: Uint8Array,
  out: Uint8Array,
  scratch?: Uint8Array
): { readonly released: number; readonly failure: PayloadFailure | undefined } => {
  const chunks = Math.ceil(ciphertext.length / ENCRYPTED_CHUNK_SIZE)
  if (chunks === 0) return { released: 0, failure: final ? new Truncated({ chunk: firstChunk }) : undefined }
  const sizeOf = (i: number) => Math.min(ENCRYPTED_CHUNK_SIZE, ciphertext.length - i * ENCRYPTED_CHUNK_SIZE)
  const inBuffer = out.buffer === ciphertext.buffer && out.byteOffset === ciphertext.byteOffset
  const total = final ? firstChunk + chunks : Number.MAX_SAFE_INTEGER
  let released = 0
  let start = 0
  // In one call: every chunk but a last one no longer than a tag (openChunk names those
  // without opening them); a run that is not final holds whole chunks only.
  const batch = chunks > 0 && final && sizeOf(chunks - 1) <= TAG_SIZE ? chunks - 1 : chunks
  if (aead.openChunks !== undefined && batch > 0 && (final || ciphertext.length === chunks * ENCRYPTED_CHUNK_SIZE)) {
    const end = batch === chunks ? ciphertext.length : batch * ENCRYPTED_CHUNK_SIZE
    start = aead.openChunks(key, firstChunk, final && batch === chunks, ciphertext.subarray(0, end), out.subarray(0, end - batch * TAG_SIZE))
    for (let i = 0; i < start; i++) released += sizeOf(i) - TAG_SIZE
  }
  const nonce = new Uint8Array(AEAD_NONCE_SIZE)
  let room: Uint8Array | undefined
  try {
    for (let i = start; i < chunks; i++) {
      const size = sizeOf(i)
      const index = firstChunk + i
      const length = Math.max(0, size - TAG_SIZE)
      const chunk = ciphertext.subarray(i * ENCRYPTED_CHUNK_SIZE, i * ENCRYPTED_CHUNK_SIZE + size)
      const dest = i * CHUNK_SIZE
      const open = (target: Uint8Array) => (flag: boolean) => aead.open(key, chunkNonce(index, flag, nonce), chunk, target)
      let outcome: ChunkOutcome
      if (!inBuffer) {
        const target = out.subarray(dest, dest + length)
        outcome = openChunk(index, total, size, open(target))
        if (!outcome.release) target.fill(0)
      } else {
        // Not in place even where the AEAD could: libsodium zeroes its output when a tag
        // fails, and the chunk's ciphertext must survive to be tried under the other flag.
        const target = (room ??= scratch ?? new Uint8Array(CHUNK_SIZE)).subarray(0, length)
        outcome = openChunk(index, total, size, open(target))
        if (outcome.release) out.set(target, dest)
      }
      if (outcome.release) released += length
      if (outcome.failure !== undefined) return { released, failure: outcome.failure }
    }
    return { released, failure: undefined }
  } finally {
    room?.fill(0)
  }
}
