import { Schema } from "effect"

/** The digests Sluice computes; ids match the `-a` spellings of the CLI. */
export const HashAlgorithm = Schema.Literals([
  "sha256",
  "sha384",
  "sha512",
  "sha1",
  "md5",
  "sha3-256",
  "sha3-512",
  "blake2b-512",
  "blake3"
])
export type HashAlgorithm = typeof HashAlgorithm.Type

export const HASH_ALGORITHMS: ReadonlyArray<HashAlgorithm> = HashAlgorithm.literals
