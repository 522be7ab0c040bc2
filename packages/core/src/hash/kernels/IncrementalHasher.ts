import { Effect, Schema } from "effect"
import { Blake3SubtreeHasher } from "./blake3Tree.js"

/** A streaming digest: feed bytes in order, read the digest once at the end. */
export interface IncrementalHasher {
  update(data: Uint8Array): void
  digest(): Uint8Array
}

/**
 * An `IncrementalHasher` whose state can be saved, so that a long hash can checkpoint and
 * continue in another process (after a crash, a killed worker, `kill -9`) with the digest
 * an uninterrupted run gives.
 *
 * A saved state holds the algorithm's chaining values and its pending partial block,
 * which is input: up to one block (64 bytes for MD5, SHA-1, SHA-256 and BLAKE3, 128 for
 * SHA-384, SHA-512 and BLAKE2b, the rate for SHA-3: 136 or 72). So a state is as
 * sensitive as the input's digest plus one block of the input: checkpoints of secret input
 * must be kept like the input itself. Hashing files is fine (the checkpoint sits beside
 * data it reveals less of). Whoever can write a checkpoint chooses what the resumed hash
 * covers, so keep them where only the job's owner can write.
 */
export interface ResumableHasher extends IncrementalHasher {
  /** Bytes hashed so far, counting those before the state this hasher was restored from. */
  readonly bytesHashed: number
  /**
   * The state after `bytesHashed` bytes, in the checkpoint format below; a
   * `HashKernel.makeResumable` of the same algorithm continues from it. Call before `digest`.
   */
  save(): Uint8Array
}

/** A saved hasher state that cannot be resumed here: damaged, or written by another algorithm, implementation or format. */
export class CheckpointInvalid extends Schema.TaggedError<CheckpointInvalid>()("CheckpointInvalid", {
  detail: Schema.String
}) {
  override get message() {
    return `cannot resume from this checkpoint: ${this.detail}`
  }
}

/**
 * Checkpoint format, version 1. All integers little-endian.
 *
 *   "SLCK"                       magic
 *   u8      1                    format version
 *   u8 n, n bytes ASCII          algorithm (a HashAlgorithm id)
 *   u8 n, n bytes ASCII          implementation that wrote the state, with its version
 *                                ("hash-wasm@4.13.0", "sluice-blake3@1")
 *   u64                          bytes hashed
 *   u32 n, n bytes               the implementation's state
 *   16 bytes                     BLAKE3 of all of the above, truncated
 *
 * The check value catches torn writes and bit rot, which would otherwise resume into a
 * wrong digest (hash-wasm loads any state of the right length). It is not a MAC.
 */
const MAGIC = [0x53, 0x4c, 0x43, 0x4b] as const
const FORMAT_VERSION = 1
const CHECK_BYTES = 16
const MAX_STATE_BYTES = 1 << 16

export interface CheckpointHeader {
  readonly algorithm: string
  readonly implementation: string
  readonly bytesHashed: number
}

const ascii = (text: string): Uint8Array => {
  if (!/^[\x21-\x7e]{1,255}$/.test(text)) throw new RangeError(`checkpoint names are 1 to 255 printable ASCII characters, got ${JSON.stringify(text)}`)
  return Uint8Array.from(text, (c) => c.charCodeAt(0))
}

const check = (bytes: Uint8Array): Uint8Array => new Blake3SubtreeHasher(0).update(bytes).rootDigest(CHECK_BYTES)

/** Wraps an implementation's `state` in a checkpoint (see the format above). */
export const writeCheckpoint = (header: CheckpointHeader, state: Uint8Array): Uint8Array => {
  const algorithm = ascii(header.algorithm)
  const implementation = ascii(header.implementation)
  if (!Number.isSafeInteger(header.bytesHashed) || header.bytesHashed < 0) {
    throw new RangeError(`bytesHashed must be a non-negative integer, got ${header.bytesHashed}`)
  }
  if (state.length > MAX_STATE_BYTES) throw new RangeError(`a hasher state of ${state.length} bytes is past the ${MAX_STATE_BYTES} this format allows`)
  const bodyLength = 4 + 1 + 1 + algorithm.length + 1 + implementation.length + 8 + 4 + state.length
  const out = new Uint8Array(bodyLength + CHECK_BYTES)
  const view = new DataView(out.buffer)
  let at = 0
  out.set(MAGIC, at)
  at += 4
  out[at++] = FORMAT_VERSION
  out[at++] = algorithm.length
  out.set(algorithm, at)
  at += algorithm.length
  out[at++] = implementation.length
  out.set(implementation, at)
  at += implementation.length
  view.setUint32(at, header.bytesHashed % 0x100000000, true)
  view.setUint32(at + 4, Math.floor(header.bytesHashed / 0x100000000), true)
  at += 8
  view.setUint32(at, state.length, true)
  at += 4
  out.set(state, at)
  out.set(check(out.subarray(0, bodyLength)), bodyLength)
  return out
}

/**
 * The state inside a checkpoint, if it is intact, in format version 1, and was written by
 * `expected.algorithm` and `expected.implementation` exactly.
 */
export const readCheckpoint = (
  checkpoint: Uint8Array,
  expected: { readonly algorithm: string; readonly implementation: string }
): Effect.Effect<{ readonly bytesHashed: number; readonly state: Uint8Array }, CheckpointInvalid> =>
  Effect.suspend(() => {
    const fail = (detail: string) => Effect.fail(new CheckpointInvalid({ detail }))
    if (checkpoint.length < 4 || MAGIC.some((b, i) => checkpoint[i] !== b)) return fail("not a Sluice hasher checkpoint")
    if (checkpoint[4] !== FORMAT_VERSION) {
      return fail(`format version ${checkpoint[4]}, this build reads version ${FORMAT_VERSION}`)
    }
    const view = new DataView(checkpoint.buffer, checkpoint.byteOffset, checkpoint.byteLength)
    let at = 5
    const readName = (): string | undefined => {
      const length = checkpoint[at]
      if (length === undefined || at + 1 + length > checkpoint.length) return undefined
      const name = String.fromCharCode(...checkpoint.subarray(at + 1, at + 1 + length))
      at += 1 + length
      return name
    }
    const algorithm = readName()
    const implementation = readName()
    if (algorithm === undefined || implementation === undefined || at + 12 > checkpoint.length) {
      return fail(`truncated: ${checkpoint.length} bytes end inside the header`)
    }
    const bytesHashed = view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x100000000
    const stateLength = view.getUint32(at + 8, true)
    at += 12
    const bodyLength = at + stateLength
    if (checkpoint.length !== bodyLength + CHECK_BYTES) {
      return fail(`${checkpoint.length} bytes, its header says ${bodyLength + CHECK_BYTES} (truncated or padded)`)
    }
    const actual = check(checkpoint.subarray(0, bodyLength))
    if (actual.some((b, i) => checkpoint[bodyLength + i] !== b)) return fail("check value mismatch: the checkpoint is damaged")
    if (!Number.isSafeInteger(bytesHashed)) return fail("byte count out of range")
    if (algorithm !== expected.algorithm) {
      return fail(`it is a ${algorithm} state, not ${expected.algorithm}`)
    }
    if (implementation !== expected.implementation) {
      return fail(`written by ${implementation}, this build resumes ${expected.algorithm} with ${expected.implementation}`)
    }
    return Effect.succeed({ bytesHashed, state: checkpoint.slice(at, bodyLength) })
  })

export { toHex } from "../../engine/format.js"
