/**
 * The C2SP CCTV age vectors (in @sluice/vectors) as tests read them [CCTV age/README.md
 * "Test file format"]: `key: value` lines, an empty line, then the age file (zlib-deflated
 * when `compressed: zlib`). Test code only.
 */
import { ageCctvFiles, ageCctvVector } from "@sluice/vectors"

export type CctvExpect = "success" | "no match" | "HMAC failure" | "header failure" | "payload failure" | "armor failure"

export interface CctvVector {
  readonly name: string
  readonly expect: CctvExpect
  /** SHA-256 (hex) of all plaintext a streaming decrypter releases, failures included. */
  readonly payload: string | undefined
  readonly fileKey: Uint8Array | undefined
  readonly identities: ReadonlyArray<string>
  readonly passphrases: ReadonlyArray<string>
  readonly armored: boolean
  readonly comment: string | undefined
  /** The age file (inflated). */
  readonly file: Uint8Array
}

const KNOWN = new Set(["expect", "payload", "file key", "identity", "passphrase", "armored", "compressed", "comment"])

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16))

export const readCctv = (name: string): CctvVector | undefined => {
  const { fields, file } = ageCctvVector(name)
  // A vector with a key this reader does not know is skipped, as the README asks.
  if (fields.some(([key]) => !KNOWN.has(key))) return undefined
  const one = (key: string) => fields.find(([k]) => k === key)?.[1]
  const all = (key: string) => fields.filter(([k]) => k === key).map(([, v]) => v)
  const fileKey = one("file key")
  return {
    name,
    expect: one("expect") as CctvExpect,
    payload: one("payload"),
    fileKey: fileKey === undefined ? undefined : fromHex(fileKey),
    identities: all("identity"),
    passphrases: all("passphrase"),
    armored: one("armored") === "yes",
    comment: one("comment"),
    file
  }
}

/** Every vector this reader knows how to read. */
export const cctvVectors = (): ReadonlyArray<CctvVector> => ageCctvFiles().flatMap((name) => readCctv(name) ?? [])

/**
 * How each CCTV payload failure is classified (design §2 release semantics): the vectors
 * only say "payload failure"; this table pins the reason and chunk so a change shows.
 */
export const PAYLOAD_FAILURES: Readonly<Record<string, string>> = {
  armor_garbage_encoded: "TrailingData(0)",
  stream_bad_tag: "Tampered(0)",
  stream_bad_tag_second_chunk: "Tampered(1)",
  stream_bad_tag_second_chunk_full: "Tampered(1)",
  stream_last_chunk_empty: "EmptyLastChunk",
  stream_missing_tag: "Tampered(0)",
  stream_no_chunks: "Truncated(0)",
  stream_no_final: "Tampered(0)",
  stream_no_final_full: "Truncated(1)",
  stream_no_final_two_chunks: "Tampered(1)",
  stream_no_final_two_chunks_full: "Truncated(2)",
  stream_short_chunk: "Tampered(0)",
  stream_short_second_chunk: "Tampered(1)",
  stream_trailing_garbage_long: "TrailingData(0)",
  stream_trailing_garbage_short: "TrailingData(0)",
  stream_two_final_chunks: "TrailingData(0)",
  stream_two_final_chunks_full: "TrailingData(0)",
  stream_two_final_chunks_second: "TrailingData(1)",
  stream_two_final_chunks_short: "Tampered(0)"
}
