/**
 * Wycheproof (C2SP/wycheproof, in @sluice/vectors) against Sluice's key paths: each
 * test group's key is made from the vector's key material, written by Sluice's encoders
 * (SPKI DER and PEM, JWK, the OpenSSH line where the type has one) and read back by its
 * parsers, the vector's own SPKI read too; every form imports into node:crypto, and the
 * key verifies every signature (Ed25519, ECDSA P-256/384/521) or computes every X25519
 * and P-256 ECDH shared secret as Wycheproof says, in node:crypto and in noble (which
 * Sluice's portable kernel and parsers use).
 *
 * `valid` must succeed with Wycheproof's answer; `invalid` must fail (a parser's refusal,
 * an import's, or a verification's `false`). `acceptable` (X25519: twist points, low-order
 * points, an all-zero secret, non-canonical encodings; ECDH: odd but decodable ASN.1) may
 * go either way, but a secret that is computed must be Wycheproof's: never another one.
 */
import { ed25519, x25519 } from "@noble/curves/ed25519.js"
import { p256, p384, p521 } from "@noble/curves/nist.js"
import { wycheproof, type WycheproofTest } from "@sluice/vectors"
import * as crypto from "node:crypto"
import { describe, expect, it } from "vitest"
import { publicMembers, publicJwk } from "./formats/jwk.js"
import { authorizedKeysLine, parseAuthorizedKey } from "./formats/openssh.js"
import { parsePkcs8Der, parseSpkiDer, parseSpkiPem, pkcs8Der, spkiDer, spkiPem } from "./formats/pkcs8.js"
import { ecFromScalar } from "./KeyKernel.js"
import { type PublicKey, samePublic } from "./KeyPair.js"
import { type EcType, KEY_INFO } from "./KeyType.js"

const bytes = (hex: unknown) => Uint8Array.from(Buffer.from(String(hex), "hex"))
const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex")
const name = (t: WycheproofTest) => `tcId ${t.tcId}${t.comment === "" ? "" : ` (${t.comment})`} [${t.flags.join(", ")}]`
const attempt = <A>(f: () => A): A | undefined => {
  try {
    return f()
  } catch {
    return undefined
  }
}

/**
 * The key in every public form Sluice writes, read back by Sluice where it has a reader,
 * and each imported into node:crypto. Every form must hold the vector's key.
 */
const importedForms = (key: PublicKey, group: Record<string, unknown>): Array<[string, crypto.KeyObject]> => {
  const der = spkiDer(key)
  if (group["publicKeyDer"] !== undefined) expect(hexOf(der)).toBe(group["publicKeyDer"])
  if (group["publicKeyPem"] !== undefined) {
    expect(spkiPem(key)).toBe(group["publicKeyPem"])
    expect(samePublic(parseSpkiPem(String(group["publicKeyPem"])), key)).toBe(true)
  }
  if (group["publicKeyDer"] !== undefined) expect(samePublic(parseSpkiDer(bytes(group["publicKeyDer"])), key)).toBe(true)
  const vectorJwk = group["publicKeyJwk"] as Record<string, string> | undefined
  if (vectorJwk !== undefined) {
    for (const [member, value] of Object.entries(publicMembers(key))) expect([member, vectorJwk[member]]).toEqual([member, value])
  }
  const forms: Array<[string, crypto.KeyObject]> = [
    ["SPKI DER", crypto.createPublicKey({ key: Buffer.from(spkiDer(parseSpkiDer(der))), format: "der", type: "spki" })],
    ["SPKI PEM", crypto.createPublicKey(spkiPem(parseSpkiPem(spkiPem(key))))],
    ["JWK", crypto.createPublicKey({ key: { ...publicJwk(key) }, format: "jwk" })]
  ]
  if (KEY_INFO[key.type].family !== "okp" || key.type === "ed25519") {
    const line = authorizedKeysLine(key, "wycheproof")
    const parsed = parseAuthorizedKey(line).key
    expect(samePublic(parsed, key)).toBe(true)
    forms.push(["OpenSSH line", crypto.createPublicKey({ key: Buffer.from(spkiDer(parsed)), format: "der", type: "spki" })])
  }
  for (const [, object] of forms) expect(object.export({ format: "der", type: "spki" }).equals(Buffer.from(der))).toBe(true)
  return forms
}

interface VerifyGroup {
  readonly publicKey: Record<string, string>
  readonly tests: ReadonlyArray<WycheproofTest & { msg: string; sig: string }>
  readonly [field: string]: unknown
}

describe("Wycheproof Ed25519 (eddsa_verify): Sluice's key forms verify as Wycheproof says", () => {
  const file = wycheproof<VerifyGroup["tests"][number]>("ed25519_test")
  const groups = file.testGroups as unknown as ReadonlyArray<VerifyGroup>
  it("has cases", () => expect(groups.flatMap((g) => g.tests).length).toBe(file.numberOfTests))
  it.each(groups.map((g, i) => [i, g] as const))("group %i", (_i, group) => {
    const key: PublicKey = { family: "okp", type: "ed25519", publicKey: bytes(group.publicKey["pk"]) }
    const forms = importedForms(key, group)
    for (const test of group.tests) {
      const msg = bytes(test.msg)
      const sig = bytes(test.sig)
      const expected = test.result === "valid"
      for (const [form, object] of forms) {
        expect([name(test), form, attempt(() => crypto.verify(null, msg, object, sig)) ?? false]).toEqual([name(test), form, expected])
      }
      // RFC 8032 §5.1.7, strictly (noble's default is ZIP-215's looser rules).
      expect([name(test), "noble", attempt(() => ed25519.verify(sig, msg, key.publicKey, { zip215: false })) ?? false]).toEqual([name(test), "noble", expected])
    }
  })
})

const ECDSA: ReadonlyArray<[string, EcType, "sha256" | "sha384" | "sha512"]> = [
  ["ecdsa_secp256r1_sha256_test", "ecdsa-p256", "sha256"],
  ["ecdsa_secp384r1_sha384_test", "ecdsa-p384", "sha384"],
  ["ecdsa_secp521r1_sha512_test", "ecdsa-p521", "sha512"]
]
const NOBLE = { "ecdsa-p256": p256, "ecdsa-p384": p384, "ecdsa-p521": p521 } as const

describe.each(ECDSA)("Wycheproof %s (DER signatures): Sluice's key forms verify as Wycheproof says", (fileName, type, hash) => {
  const file = wycheproof<VerifyGroup["tests"][number]>(fileName)
  const groups = file.testGroups as unknown as ReadonlyArray<VerifyGroup>
  it("has cases", () => expect(groups.flatMap((g) => g.tests).length).toBe(file.numberOfTests))
  it.each(groups.map((g, i) => [i, g] as const))("group %i", (_i, group) => {
    const key: PublicKey = { family: "ec", type, publicKey: bytes(group.publicKey["uncompressed"]) }
    const forms = importedForms(key, group)
    for (const test of group.tests) {
      const msg = bytes(test.msg)
      const sig = bytes(test.sig)
      const expected = test.result === "valid"
      for (const [form, object] of forms) {
        const got = attempt(() => crypto.verify(hash, msg, { key: object, dsaEncoding: "der" }, sig)) ?? false
        expect([name(test), form, got]).toEqual([name(test), form, expected])
      }
      // High S is valid ECDSA (noble's default refuses it, as Bitcoin does).
      const noble = attempt(() => NOBLE[type].verify(sig, msg, key.publicKey, { format: "der", lowS: false })) ?? false
      expect([name(test), "noble", noble]).toEqual([name(test), "noble", expected])
    }
  })
})

interface SecretTest extends WycheproofTest {
  readonly public: string
  readonly private: string
  readonly shared: string
}

/** Wycheproof's rule for a computed secret: valid must match, invalid must not be computed, acceptable must match if computed. */
const judge = (test: SecretTest, got: Uint8Array | undefined): boolean =>
  test.result === "valid"
    ? got !== undefined && hexOf(got) === test.shared
    : test.result === "invalid"
    ? got === undefined
    : got === undefined || hexOf(got) === test.shared

describe("Wycheproof X25519 (xdh_comp): Sluice's PKCS#8 and SPKI keys compute each shared secret", () => {
  const file = wycheproof<SecretTest>("x25519_test")
  const tests = file.testGroups.flatMap((g) => g.tests)
  it("has cases", () => expect(tests.length).toBe(file.numberOfTests))
  it.each(tests.map((t) => [name(t), t] as const))("%s", (_n, test) => {
    const scalar = bytes(test.private)
    // Sluice's pair from the private key (noble derives the public part), through its PKCS#8 writer and reader.
    const pair = parsePkcs8Der(pkcs8Der({ family: "okp", type: "x25519", seed: scalar, publicKey: x25519.getPublicKey(scalar) }))
    expect(hexOf(pair.family === "okp" ? pair.seed : new Uint8Array())).toBe(test.private)
    const privateKey = crypto.createPrivateKey({ key: Buffer.from(pkcs8Der(pair)), format: "der", type: "pkcs8" })
    const peer: PublicKey = { family: "okp", type: "x25519", publicKey: bytes(test.public) }
    const viaSpki = attempt(() => crypto.createPublicKey({ key: Buffer.from(spkiDer(parseSpkiDer(spkiDer(peer)))), format: "der", type: "spki" }))
    const viaJwk = attempt(() => crypto.createPublicKey({ key: { ...publicJwk(peer) }, format: "jwk" }))
    for (const [form, publicKey] of [["SPKI", viaSpki], ["JWK", viaJwk]] as const) {
      const got = publicKey === undefined ? undefined : attempt(() => new Uint8Array(crypto.diffieHellman({ privateKey, publicKey })))
      expect([form, judge(test, got), got && hexOf(got)]).toEqual([form, true, got && hexOf(got)])
    }
    const noble = attempt(() => x25519.getSharedSecret(scalar, peer.publicKey))
    expect(["noble", judge(test, noble)]).toEqual(["noble", true])
  })
})

describe("Wycheproof ECDH P-256 (ecdh, ASN.1 public keys): Sluice's SPKI reader and PKCS#8 writer compute each shared secret", () => {
  const file = wycheproof<SecretTest>("ecdh_secp256r1_test")
  const tests = file.testGroups.flatMap((g) => g.tests)
  it("has cases", () => expect(tests.length).toBe(file.numberOfTests))
  it.each(tests.map((t) => [name(t), t] as const))("%s", (_n, test) => {
    // Wycheproof writes the scalar as a DER integer's magnitude: a leading 00 when its top bit is set.
    const raw = bytes(test.private)
    const scalar = new Uint8Array(32)
    const magnitude = raw.subarray(Math.max(0, raw.length - 32))
    scalar.set(magnitude, 32 - magnitude.length)
    const privateKey = crypto.createPrivateKey({ key: Buffer.from(pkcs8Der(ecFromScalar("ecdsa-p256", scalar))), format: "der", type: "pkcs8" })
    // The peer's SPKI through Sluice's reader: a key it refuses, or of another curve, computes nothing.
    const peer = attempt(() => parseSpkiDer(bytes(test.public)))
    const p256Peer = peer?.type === "ecdsa-p256" ? peer : undefined
    // Sluice's reader alone refuses every invalid key (off-curve, other-curve, compressed, explicit parameters), before node:crypto sees it.
    if (test.result === "invalid") expect(p256Peer).toBeUndefined()
    const publicKey = p256Peer === undefined ? undefined : attempt(() => crypto.createPublicKey({ key: Buffer.from(spkiDer(p256Peer)), format: "der", type: "spki" }))
    const got = publicKey === undefined ? undefined : attempt(() => new Uint8Array(crypto.diffieHellman({ privateKey, publicKey })))
    expect(["node:crypto", judge(test, got)]).toEqual(["node:crypto", true])
    const noble = p256Peer === undefined || p256Peer.family !== "ec" ? undefined : attempt(() => p256.getSharedSecret(scalar, p256Peer.publicKey).subarray(1))
    expect(["noble", judge(test, noble)]).toEqual(["noble", true])
  })
})
