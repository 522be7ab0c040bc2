import type { Bytes } from "./der.js"
import type { EcType, KeyType, OkpType, PqType, RsaType } from "./KeyType.js"

/**
 * A key's parts as raw bytes, the one shape every kernel gives and every format reads.
 * Integers are unsigned big-endian; EC coordinates and scalars are their curve's size.
 * A `PublicKey` is what a public format holds; a `KeyPair` is one with its secret parts,
 * so it can be given wherever a public key is asked for.
 */
export type PublicKey =
  | { readonly family: "okp"; readonly type: OkpType; readonly publicKey: Bytes }
  /** `publicKey` is the uncompressed point 04 ‖ x ‖ y (SEC 1 §2.3.3). */
  | { readonly family: "ec"; readonly type: EcType; readonly publicKey: Bytes }
  | { readonly family: "rsa"; readonly type: RsaType; readonly n: Bytes; readonly e: Bytes }
  | { readonly family: "pq"; readonly type: PqType; readonly publicKey: Bytes }

export type KeyPair =
  /** RFC 8032 §5.1.5 / RFC 7748 §5: the 32-byte private key (the seed, or the scalar before clamping). */
  | { readonly family: "okp"; readonly type: OkpType; readonly publicKey: Bytes; readonly seed: Bytes }
  | { readonly family: "ec"; readonly type: EcType; readonly publicKey: Bytes; readonly d: Bytes }
  /** RFC 8017 §3.2: the second representation, with the CRT parts. */
  | {
    readonly family: "rsa"
    readonly type: RsaType
    readonly n: Bytes
    readonly e: Bytes
    readonly d: Bytes
    readonly p: Bytes
    readonly q: Bytes
    readonly dp: Bytes
    readonly dq: Bytes
    readonly qi: Bytes
  }
  /** FIPS 204 ξ (32 bytes) or FIPS 203 d ‖ z (64 bytes): the expanded key is made from it. */
  | { readonly family: "pq"; readonly type: PqType; readonly publicKey: Bytes; readonly seed: Bytes }

/** Overwrites every secret part with zeros. */
export const wipe = (pair: KeyPair): void => {
  switch (pair.family) {
    case "okp":
    case "pq":
      pair.seed.fill(0)
      return
    case "ec":
      pair.d.fill(0)
      return
    case "rsa":
      for (const part of [pair.d, pair.p, pair.q, pair.dp, pair.dq, pair.qi]) part.fill(0)
  }
}

/** Only the public parts. */
export const publicOf = (key: PublicKey | KeyPair): PublicKey => {
  switch (key.family) {
    case "rsa":
      return { family: "rsa", type: key.type, n: key.n, e: key.e }
    default:
      return { family: key.family, type: key.type, publicKey: key.publicKey } as PublicKey
  }
}

/** Same public key: for tests and for checking a parsed file against its public part. */
export const samePublic = (a: PublicKey, b: PublicKey): boolean => {
  if (a.type !== b.type) return false
  const eq = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, i) => v === y[i])
  if (a.family === "rsa" && b.family === "rsa") return eq(a.n, b.n) && eq(a.e, b.e)
  if (a.family !== "rsa" && b.family !== "rsa") return eq(a.publicKey, b.publicKey)
  return false
}

export type { KeyType }
