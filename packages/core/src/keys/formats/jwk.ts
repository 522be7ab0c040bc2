import { sha256 } from "@noble/hashes/sha2.js"
import type { KeyPair, PublicKey } from "../KeyPair.js"
import { ecInfo, okpInfo, pqInfo } from "../KeyType.js"
import { base64UrlText, utf8, writeBase64Url } from "./pem.js"

/** A JSON Web Key (RFC 7517 §4) as a flat record of strings. */
export type Jwk = Readonly<Record<string, string>>

const b64 = base64UrlText

/**
 * The public members of a key, each family's as its RFC names them: RFC 8037 §2 (OKP:
 * crv, x), RFC 7518 §6.2.1 (EC: crv, x, y), §6.3.1 (RSA: n, e), and the AKP key type of
 * draft-ietf-cose-dilithium (alg, pub), which node:crypto also uses for ML-KEM.
 */
export const publicMembers = (key: PublicKey): Jwk => {
  switch (key.family) {
    case "okp":
      return { kty: "OKP", crv: okpInfo(key.type).crv, x: b64(key.publicKey) }
    case "ec": {
      const { size, crv } = ecInfo(key.type)
      return { kty: "EC", crv, x: b64(key.publicKey.subarray(1, 1 + size)), y: b64(key.publicKey.subarray(1 + size)) }
    }
    case "rsa":
      return { kty: "RSA", n: b64(key.n), e: b64(key.e) }
    case "pq":
      return { kty: "AKP", alg: pqInfo(key.type).alg, pub: b64(key.publicKey) }
  }
}

/** RFC 7638 §3.2 (and RFC 8037 §2 for OKP): the required members of each key type, in lexicographic order. */
const REQUIRED: Record<string, ReadonlyArray<string>> = {
  EC: ["crv", "kty", "x", "y"],
  RSA: ["e", "kty", "n"],
  OKP: ["crv", "kty", "x"],
  AKP: ["alg", "kty", "pub"]
}

/**
 * RFC 7638 §3: the SHA-256 of the required members as JSON with no whitespace, in
 * lexicographic order, base64url without padding (§3.1's example is in the tests).
 */
export const jwkThumbprint = (jwk: Jwk): string => {
  const required = REQUIRED[jwk.kty!]
  if (required === undefined) throw new Error(`no thumbprint rule for kty ${jwk.kty}`)
  // The members' names are plain identifiers: quoted as JSON.stringify would.
  let json = "{"
  for (let i = 0; i < required.length; i++) json += `${i === 0 ? "" : ","}"${required[i]}":${JSON.stringify(jwk[required[i]!])}`
  json += "}"
  return b64(sha256(utf8(json)))
}

/** Each OKP and EC type's thumbprint input up to its `x` value: `{"crv":"Ed25519","kty":"OKP","x":"`. */
const thumbprintHeads = new Map<string, Uint8Array>()
const Y = utf8(`","y":"`)
const CLOSE = utf8(`"}`)

/**
 * RFC 7638 §3's input for an OKP or EC key (the JSON `jwkThumbprint` hashes), written as
 * UTF-8 into `out` from 0 with no string or object made; returns its size, or -1 for the
 * other families (and where `out`, which needs 512 bytes, is too small).
 */
export const thumbprintInputInto = (key: PublicKey, out: Uint8Array): number => {
  if ((key.family !== "okp" && key.family !== "ec") || out.length < 512) return -1
  let head = thumbprintHeads.get(key.type)
  if (head === undefined) {
    const crv = key.family === "okp" ? okpInfo(key.type).crv : ecInfo(key.type).crv
    thumbprintHeads.set(key.type, head = utf8(`{"crv":${JSON.stringify(crv)},"kty":${key.family === "okp" ? `"OKP"` : `"EC"`},"x":"`))
  }
  out.set(head)
  let at = head.length
  if (key.family === "okp") {
    if (key.publicKey.length > 64) return -1
    at = writeBase64Url(key.publicKey, out, at)
  } else {
    const { size } = ecInfo(key.type)
    if (key.publicKey.length !== 1 + 2 * size) return -1
    at = writeBase64Url(key.publicKey.subarray(1, 1 + size), out, at)
    out.set(Y, at)
    at = writeBase64Url(key.publicKey.subarray(1 + size), out, at + Y.length)
  }
  out.set(CLOSE, at)
  return at + CLOSE.length
}

/**
 * A key's thumbprint. One key's forms ask for it in a row (the JWK's `kid`, the
 * thumbprint itself, a private JWK): the last one is kept, for the same key object.
 */
export const thumbprintOf = (key: PublicKey): string => key === lastKey ? lastThumbprint : thumbprintOfMembers(key, publicMembers(key))

const thumbprintOfMembers = (key: PublicKey, members: Jwk): string => {
  if (key !== lastKey) {
    lastThumbprint = jwkThumbprint(members)
    lastKey = key
  }
  return lastThumbprint
}
let lastKey: PublicKey | undefined
let lastThumbprint = ""

/** The public JWK with `kid` = its RFC 7638 thumbprint. */
export const publicJwk = (key: PublicKey): Jwk => {
  const members = publicMembers(key)
  return { ...members, kid: thumbprintOfMembers(key, members) }
}

/**
 * The private JWK (RFC 7518 §6.2.2 EC `d`, §6.3.2 RSA `d, p, q, dp, dq, qi`, RFC 8037 §2
 * OKP `d`, AKP `priv` = the seed) with `kid` = the thumbprint of its public part.
 */
export const privateJwk = (pair: KeyPair): Jwk => {
  const members = publicMembers(pair)
  const kid = thumbprintOfMembers(pair, members)
  switch (pair.family) {
    case "okp":
      return { ...members, d: b64(pair.seed), kid }
    case "ec":
      return { ...members, d: b64(pair.d), kid }
    case "rsa":
      return { ...members, d: b64(pair.d), p: b64(pair.p), q: b64(pair.q), dp: b64(pair.dp), dq: b64(pair.dq), qi: b64(pair.qi), kid }
    case "pq":
      return { ...members, priv: b64(pair.seed), kid }
  }
}
