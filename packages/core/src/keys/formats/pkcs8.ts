import { ed25519, x25519 } from "@noble/curves/ed25519.js"
import {
  bitString,
  type Bytes,
  children,
  context,
  copy,
  DerError,
  expectTag,
  integerMagnitude,
  nullValue,
  octetString,
  oid,
  oidText,
  padTo,
  readOne,
  sequence,
  smallInteger,
  TAG,
  unsignedInteger
} from "../der.js"
import { KeyParseError } from "../KeyError.js"
import { ecFromScalar, pqFromSeed, publicKeyProblem } from "../KeyKernel.js"
import type { KeyPair, PublicKey } from "../KeyPair.js"
import { type EcInfo, KEY_INFO, KEY_TYPES, type KeyType, type RsaType } from "../KeyType.js"
import { armor, unarmor } from "./pem.js"

/** Each type's AlgorithmIdentifier, made once: written into every key's SPKI and PKCS#8 (copied, never changed). */
const algorithms = new Map<KeyType, Bytes>()

/** The AlgorithmIdentifier (RFC 5280 §4.1.1.2) of a key type in SPKI and PKCS#8. */
const algorithm = (type: KeyType): Bytes => {
  let known = algorithms.get(type)
  if (known === undefined) algorithms.set(type, known = algorithmOf(type))
  return known
}

const algorithmOf = (type: KeyType): Bytes => {
  const info = KEY_INFO[type]
  switch (info.family) {
    // RFC 5480 §2.1.1: id-ecPublicKey with the namedCurve.
    case "ec":
      return sequence(oid(info.oid), oid(info.curveOid))
    // RFC 8017 A.1 / RFC 3279 §2.3.1: rsaEncryption with NULL parameters.
    case "rsa":
      return sequence(oid(info.oid), nullValue)
    // RFC 8410 §3, RFC 9881 §2: the parameters are absent.
    default:
      return sequence(oid(info.oid))
  }
}

/** RFC 8017 A.1.1: RSAPublicKey ::= SEQUENCE { modulus, publicExponent }. */
const rsaPublicKey = (n: Uint8Array, e: Uint8Array) => sequence(unsignedInteger(n), unsignedInteger(e))

/** The subjectPublicKey BIT STRING's content of a key. */
export const publicKeyBits = (key: PublicKey): Bytes => key.family === "rsa" ? rsaPublicKey(key.n, key.e) : key.publicKey

/**
 * SubjectPublicKeyInfo, RFC 5280 §4.1.2.7, with each family's key: RFC 8410 §4 (the raw
 * 32 bytes), RFC 5480 §2.2 (the uncompressed point), RFC 8017 A.1.1 (RSAPublicKey),
 * RFC 9881 §4 / draft-ietf-lamps-kyber-certificates §4 (the raw encoded public key).
 */
/** SPKI DER element by element, for every family. */
export const spkiGeneral = (key: PublicKey): Bytes => sequence(algorithm(key.type), bitString(publicKeyBits(key)))

export const spkiDer = (key: PublicKey): Bytes => {
  const layout = key.family === "okp" || key.family === "ec" ? fixedLayout(key.type) : undefined
  return layout !== undefined && key.family !== "rsa" && key.publicKey.length === layout.publicBytes
    ? withPrefix(layout.spki, key.publicKey)
    : spkiGeneral(key)
}

/**
 * An OKP or EC key's SPKI is a fixed prefix of its type and its public key (RFC 8410 §4,
 * RFC 5480 §2.2), and its PKCS#8 fixed bytes with its secret (and, for EC, its point) at
 * fixed places (RFC 8410 §7, RFC 5915 §3): found once by encoding the type's key with all
 * parts zero and all 0xff, so that a bulk run makes one array per form, not one per DER
 * element.
 */
interface FixedLayout {
  readonly publicBytes: number
  readonly secretBytes: number
  readonly spki: Bytes
  /** The PKCS#8 of the zero key, and where its secret and public parts go (-1: none). */
  readonly pkcs8: Bytes
  readonly secretAt: number
  readonly publicAt: number
}
const fixedLayouts = new Map<KeyType, FixedLayout>()
const fixedLayout = (type: KeyType): FixedLayout => {
  let known = fixedLayouts.get(type)
  if (known === undefined) {
    const info = KEY_INFO[type]
    const [secretBytes, publicBytes] = info.family === "ec" ? [info.size, 1 + 2 * info.size] : [32, 32]
    const pair = (fill: number): KeyPair => {
      const secret = new Uint8Array(secretBytes).fill(fill)
      const publicKey = new Uint8Array(publicBytes).fill(fill)
      return info.family === "ec" ? { family: "ec", type: type as "ecdsa-p256", d: secret, publicKey } : { family: "okp", type: type as "ed25519", seed: secret, publicKey }
    }
    const zero = pkcs8General(pair(0))
    const ones = pkcs8General(pair(0xff))
    // The runs of bytes that differ: the secret first, then the point (EC).
    const runs: Array<number> = []
    for (let i = 0; i < zero.length; i++) if (zero[i] !== ones[i] && (i === 0 || zero[i - 1] === ones[i - 1])) runs.push(i)
    const spki = sequence(algorithm(type), bitString(new Uint8Array(publicBytes)))
    known = {
      publicBytes,
      secretBytes,
      spki: spki.slice(0, spki.length - publicBytes),
      pkcs8: zero,
      secretAt: runs[0]!,
      publicAt: info.family === "ec" ? runs[1]! : -1
    }
    if (zero.length !== ones.length || runs.length !== (info.family === "ec" ? 2 : 1)) throw new Error(`no fixed layout for ${type}`)
    fixedLayouts.set(type, known)
  }
  return known
}
const withPrefix = (prefix: Uint8Array, key: Uint8Array): Bytes => {
  const out = new Uint8Array(prefix.length + key.length)
  out.set(prefix)
  out.set(key, prefix.length)
  return out
}

/** The privateKey OCTET STRING's content of PKCS#8 for a pair. */
const privateKeyContent = (pair: KeyPair): Bytes => {
  switch (pair.family) {
    // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING (the 32-byte private key).
    case "okp":
      return octetString(pair.seed)
    // RFC 5915 §3: ECPrivateKey { version 1, privateKey, [1] publicKey }; the curve is
    // in the AlgorithmIdentifier, so parameters are left out (RFC 5915 §3, RFC 5958).
    case "ec":
      return sequence(smallInteger(1), octetString(pair.d), context(1, bitString(pair.publicKey), true))
    // RFC 8017 A.1.2: RSAPrivateKey, version 0 (two primes).
    case "rsa":
      return sequence(
        unsignedInteger(Uint8Array.of(0)),
        ...[pair.n, pair.e, pair.d, pair.p, pair.q, pair.dp, pair.dq, pair.qi].map(unsignedInteger)
      )
    // RFC 9881 §6 (ML-DSA) and draft-ietf-lamps-kyber-certificates §6 (ML-KEM): the
    // `seed [0] IMPLICIT OCTET STRING` choice, the smallest, from which both expand.
    case "pq":
      return context(0, pair.seed, false)
  }
}

/** PKCS#8 PrivateKeyInfo (RFC 5208 §5, RFC 5958 §2 version v1(0)). */
export const pkcs8Der = (pair: KeyPair): Bytes => {
  if (pair.family === "okp" || pair.family === "ec") {
    const out = new Uint8Array(fixedLayout(pair.type).pkcs8.length)
    if (fixedDerInto(pair, true, out) > 0) return out
  }
  return pkcs8General(pair)
}
/**
 * An OKP or EC key's PKCS#8 (`private`) or SPKI DER, written into `out` from 0 (the type's
 * fixed layout: no array made); returns its size, or -1 where the key has no fixed layout
 * (RSA, ML-*: `pkcs8Der`/`spkiDer` make those) or `out` is too small. The private form in
 * `out` is the caller's to wipe.
 */
export const fixedDerInto = (pair: KeyPair, private_: boolean, out: Uint8Array): number => {
  if (pair.family !== "okp" && pair.family !== "ec") return -1
  const layout = fixedLayout(pair.type)
  if (pair.publicKey.length !== layout.publicBytes) return -1
  if (!private_) {
    const size = layout.spki.length + layout.publicBytes
    if (out.length < size) return -1
    out.set(layout.spki)
    out.set(pair.publicKey, layout.spki.length)
    return size
  }
  const secret = pair.family === "okp" ? pair.seed : pair.d
  if (secret.length !== layout.secretBytes || out.length < layout.pkcs8.length) return -1
  out.set(layout.pkcs8)
  out.set(secret, layout.secretAt)
  if (layout.publicAt !== -1) out.set(pair.publicKey, layout.publicAt)
  return layout.pkcs8.length
}

/** PKCS#8 DER element by element, for every family (what the fixed layouts are cut from). */
export const pkcs8General = (pair: KeyPair): Bytes => sequence(smallInteger(0), algorithm(pair.type), octetString(privateKeyContent(pair)))

/** RFC 7468 §10 and §13: the labels of PKCS#8 and SPKI in PEM. */
export const pkcs8Pem = (pair: KeyPair): string => armor("PRIVATE KEY", pkcs8Der(pair))
export const spkiPem = (key: PublicKey): string => armor("PUBLIC KEY", spkiDer(key))

const rsaType = (n: Uint8Array, format: string): RsaType => {
  const bits = n.length * 8 - Math.clz32(n[0]!) + 24
  const type = `rsa-${bits}`
  if (type !== "rsa-2048" && type !== "rsa-3072" && type !== "rsa-4096") {
    throw new KeyParseError({ format, problem: `an RSA key of ${bits} bits (Sluice has 2048, 3072 and 4096)` })
  }
  return type
}
export { rsaType }

/** The type an AlgorithmIdentifier names. */
const typeOf = (alg: Uint8Array, format: string): KeyType => {
  const parts = children(alg)
  const algorithmOid = oidText(expectTag(parts[0]!, TAG.oid))
  if (algorithmOid === "1.2.840.10045.2.1") {
    const curve = oidText(expectTag(parts[1]!, TAG.oid))
    const found = KEY_TYPES.find((t) => KEY_INFO[t].family === "ec" && (KEY_INFO[t] as EcInfo).curveOid === curve)
    if (found === undefined) throw new KeyParseError({ format, problem: `the curve ${curve}` })
    return found
  }
  if (algorithmOid === "1.2.840.113549.1.1.1") return "rsa-2048" // refined from the modulus
  const found = KEY_TYPES.find((t) => KEY_INFO[t].oid === algorithmOid)
  if (found === undefined) throw new KeyParseError({ format, problem: `the algorithm ${algorithmOid}` })
  return found
}

const guard = <A>(format: string, read: () => A): A => {
  try {
    return read()
  } catch (error) {
    if (error instanceof KeyParseError) throw error
    throw new KeyParseError({ format, problem: error instanceof DerError ? error.message : "malformed structure" })
  }
}

/** Reads SubjectPublicKeyInfo DER. */
export const parseSpkiDer = (der: Uint8Array): PublicKey =>
  guard("SPKI", () => {
    const [alg, bits] = children(readOne(der, TAG.sequence))
    const type = typeOf(expectTag(alg!, TAG.sequence), "SPKI")
    const content = expectTag(bits!, TAG.bitString)
    if (content[0] !== 0) throw new KeyParseError({ format: "SPKI", problem: "unused bits in the key" })
    const key = copy(content.subarray(1))
    const info = KEY_INFO[type]
    if (info.family === "rsa") {
      const [n, e] = children(readOne(key, TAG.sequence)).map((el) => integerMagnitude(expectTag(el, TAG.integer)))
      return { family: "rsa", type: rsaType(n!, "SPKI"), n: n!, e: e! }
    }
    const problem = publicKeyProblem(type, key)
    if (problem !== undefined) throw new KeyParseError({ format: "SPKI", problem })
    return { family: info.family, type, publicKey: key } as PublicKey
  })

/**
 * Reads PKCS#8 PrivateKeyInfo / OneAsymmetricKey DER (as `openssl genpkey` and
 * node:crypto write them), deriving the public key where the file does not hold it.
 * An ML-DSA / ML-KEM key must hold its seed: an expanded key alone cannot be re-encoded.
 * `knownPublic` (from the SPKI of the same key, as a kernel has it) saves computing the
 * public key again. What is returned is copied out: the caller may wipe `der`.
 */
export const parsePkcs8Der = (der: Uint8Array, knownPublic?: PublicKey): KeyPair =>
  guard("PKCS#8", () => {
    const format = "PKCS#8"
    const [, alg, privateKey] = children(readOne(der, TAG.sequence))
    const type = typeOf(expectTag(alg!, TAG.sequence), format)
    const content = expectTag(privateKey!, TAG.octetString)
    const info = KEY_INFO[type]
    const known = (t: KeyType): Bytes | undefined =>
      knownPublic !== undefined && knownPublic.type === t && knownPublic.family !== "rsa" ? knownPublic.publicKey : undefined
    switch (info.family) {
      case "okp": {
        const seed = copy(readOne(content, TAG.octetString))
        const publicKey = known(type) ?? new Uint8Array(type === "ed25519" ? ed25519.getPublicKey(seed) : x25519.getPublicKey(seed))
        return { family: "okp", type: type as "ed25519" | "x25519", seed, publicKey }
      }
      case "ec": {
        const fields = children(readOne(content, TAG.sequence))
        const d = padTo(expectTag(fields[1]!, TAG.octetString), info.size)
        const publicKey = known(type)
        return publicKey === undefined ? ecFromScalar(type as "ecdsa-p256", d) : { family: "ec", type: type as "ecdsa-p256", d, publicKey }
      }
      case "rsa": {
        const [, n, e, d, p, q, dp, dq, qi] = children(readOne(content, TAG.sequence)).map((el) =>
          integerMagnitude(expectTag(el, TAG.integer))
        )
        return { family: "rsa", type: rsaType(n!, format), n: n!, e: e!, d: d!, p: p!, q: q!, dp: dp!, dq: dq!, qi: qi! }
      }
      case "pq": {
        const { element } = { element: children(content)[0]! }
        let seed: Uint8Array
        if (element.tag === 0x80) seed = element.content
        else if (element.tag === TAG.sequence) seed = expectTag(children(element.content)[0]!, TAG.octetString)
        else throw new KeyParseError({ format, problem: "an expanded key without its seed" })
        if (seed.length !== info.seedBytes) throw new KeyParseError({ format, problem: `a seed of ${seed.length} bytes` })
        const publicKey = known(type)
        return publicKey === undefined
          ? pqFromSeed(type as "ml-dsa-44", seed)
          : { family: "pq", type: type as "ml-dsa-44", seed: copy(seed), publicKey }
      }
    }
  })

export const parsePkcs8Pem = (text: string): KeyPair => parsePkcs8Der(unarmor(text, "PRIVATE KEY", "PKCS#8"))
export const parseSpkiPem = (text: string): PublicKey => parseSpkiDer(unarmor(text, "PUBLIC KEY", "SPKI"))

/**
 * A PKCS#1 RSAPrivateKey PEM (`-----BEGIN RSA PRIVATE KEY-----`, RFC 8017 A.1.2), as
 * `ssh-keygen -m PEM` and older OpenSSH write RSA keys: read as the PKCS#8 that wraps it
 * (RFC 5208 §5: version 0, rsaEncryption, the RSAPrivateKey in an OCTET STRING). An
 * encrypted one (RFC 1421 `Proc-Type: 4,ENCRYPTED` headers) is not read.
 */
export const parsePkcs1RsaPem = (text: string): KeyPair => {
  const der = unarmor(text, "RSA PRIVATE KEY", "PKCS#1")
  const wrapped = sequence(smallInteger(0), algorithm("rsa-2048"), octetString(der))
  try {
    return parsePkcs8Der(wrapped)
  } finally {
    der.fill(0)
    wrapped.fill(0)
  }
}
