import { Schema } from "effect"

/**
 * The key types Sluice generates, and what each is: its family, its OIDs (for PKCS#8 and
 * SPKI), its JWK parameters, its OpenSSH name where OpenSSH has the type, and a generous
 * estimate of one generation's CPU time on the slowest kernel that generates it (the
 * pool's deadline is made from it, never a rate that is promised).
 */
export const KEY_TYPES = [
  "ed25519",
  "x25519",
  "ecdsa-p256",
  "ecdsa-p384",
  "ecdsa-p521",
  "rsa-2048",
  "rsa-3072",
  "rsa-4096",
  "ml-dsa-44",
  "ml-dsa-65",
  "ml-dsa-87",
  "ml-kem-512",
  "ml-kem-768",
  "ml-kem-1024"
] as const

export const KeyType = Schema.Literals(KEY_TYPES)
export type KeyType = typeof KeyType.Type

export type OkpType = "ed25519" | "x25519"
export type EcType = "ecdsa-p256" | "ecdsa-p384" | "ecdsa-p521"
export type RsaType = "rsa-2048" | "rsa-3072" | "rsa-4096"
export type PqType = "ml-dsa-44" | "ml-dsa-65" | "ml-dsa-87" | "ml-kem-512" | "ml-kem-768" | "ml-kem-1024"

export type KeyFamily = "okp" | "ec" | "rsa" | "pq"

interface Common {
  /** The algorithm's OID in PKCS#8 and SPKI's AlgorithmIdentifier. */
  readonly oid: string
  /** Milliseconds of CPU one generation may take on the slowest kernel for it (an upper estimate). */
  readonly cpuMillis: number
}

export interface OkpInfo extends Common {
  readonly family: "okp"
  /** RFC 8037 §2: the JWK `crv`. */
  readonly crv: "Ed25519" | "X25519"
  readonly ssh?: "ssh-ed25519"
}
export interface EcInfo extends Common {
  readonly family: "ec"
  /** SEC 1 / RFC 5480 §2.1.1.1: the namedCurve OID. */
  readonly curveOid: string
  /** RFC 7518 §6.2.1.1: the JWK `crv`. */
  readonly crv: "P-256" | "P-384" | "P-521"
  /** Bytes of a coordinate and of the private scalar. */
  readonly size: number
  /** RFC 5656 §6.1: the key type name and its curve identifier. */
  readonly ssh: string
  readonly sshCurve: string
}
export interface RsaInfo extends Common {
  readonly family: "rsa"
  readonly bits: 2048 | 3072 | 4096
  readonly ssh: "ssh-rsa"
}
export interface PqInfo extends Common {
  readonly family: "pq"
  /** The JOSE `alg` of the AKP key type (draft-ietf-cose-dilithium, as node:crypto writes it). */
  readonly alg: string
  /** The seed that FIPS 204 (ξ, 32 bytes) or FIPS 203 (d ‖ z, 64 bytes) key generation starts from. */
  readonly seedBytes: number
  readonly publicBytes: number
}
export type KeyInfo = OkpInfo | EcInfo | RsaInfo | PqInfo

const ec = (crv: EcInfo["crv"], curveOid: string, size: number, n: string, cpuMillis: number): EcInfo => ({
  family: "ec",
  oid: "1.2.840.10045.2.1",
  curveOid,
  crv,
  size,
  ssh: `ecdsa-sha2-${n}`,
  sshCurve: n,
  cpuMillis
})
const rsa = (bits: RsaInfo["bits"], cpuMillis: number): RsaInfo => ({ family: "rsa", oid: "1.2.840.113549.1.1.1", bits, ssh: "ssh-rsa", cpuMillis })
const pq = (alg: string, oid: string, seedBytes: number, publicBytes: number, cpuMillis: number): PqInfo => ({
  family: "pq",
  oid,
  alg,
  seedBytes,
  publicBytes,
  cpuMillis
})

export const KEY_INFO: { readonly [K in KeyType]: KeyInfo } = {
  // RFC 8410 §3: id-Ed25519, id-X25519.
  "ed25519": { family: "okp", oid: "1.3.101.112", crv: "Ed25519", ssh: "ssh-ed25519", cpuMillis: 2 },
  "x25519": { family: "okp", oid: "1.3.101.110", crv: "X25519", cpuMillis: 2 },
  // RFC 5480 §2.1.1.1: secp256r1, secp384r1, secp521r1.
  "ecdsa-p256": ec("P-256", "1.2.840.10045.3.1.7", 32, "nistp256", 5),
  "ecdsa-p384": ec("P-384", "1.3.132.0.34", 48, "nistp384", 10),
  "ecdsa-p521": ec("P-521", "1.3.132.0.35", 66, "nistp521", 20),
  // RFC 8017 A.1: rsaEncryption. Prime search is random: these are far above the mean.
  "rsa-2048": rsa(2048, 1000),
  "rsa-3072": rsa(3072, 4000),
  "rsa-4096": rsa(4096, 10000),
  // RFC 9881 §2 (ML-DSA) and the NIST registry (csor): id-ml-dsa-*, id-alg-ml-kem-*.
  "ml-dsa-44": pq("ML-DSA-44", "2.16.840.1.101.3.4.3.17", 32, 1312, 20),
  "ml-dsa-65": pq("ML-DSA-65", "2.16.840.1.101.3.4.3.18", 32, 1952, 30),
  "ml-dsa-87": pq("ML-DSA-87", "2.16.840.1.101.3.4.3.19", 32, 2592, 40),
  "ml-kem-512": pq("ML-KEM-512", "2.16.840.1.101.3.4.4.1", 64, 800, 10),
  "ml-kem-768": pq("ML-KEM-768", "2.16.840.1.101.3.4.4.2", 64, 1184, 15),
  "ml-kem-1024": pq("ML-KEM-1024", "2.16.840.1.101.3.4.4.3", 64, 1568, 20)
}

export const keyInfo = <T extends KeyType>(type: T): (typeof KEY_INFO)[T] => KEY_INFO[type]

export const isOkp = (type: KeyType): type is OkpType => KEY_INFO[type].family === "okp"
export const isEc = (type: KeyType): type is EcType => KEY_INFO[type].family === "ec"
export const isRsa = (type: KeyType): type is RsaType => KEY_INFO[type].family === "rsa"
export const isPq = (type: KeyType): type is PqType => KEY_INFO[type].family === "pq"

/** The key types OpenSSH has (PROTOCOL.key; RFC 8709, RFC 5656, RFC 4253 §6.6). */
export const hasOpenSsh = (type: KeyType): boolean => type !== "x25519" && !isPq(type)

export const okpInfo = (type: OkpType): OkpInfo => KEY_INFO[type] as OkpInfo
export const ecInfo = (type: EcType): EcInfo => KEY_INFO[type] as EcInfo
export const pqInfo = (type: PqType): PqInfo => KEY_INFO[type] as PqInfo
