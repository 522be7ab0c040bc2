import { describe, expect, it } from "vitest"
import { nodeAgeKeyKernel } from "../node/NodeAgeKeyKernel.js"
import type { AgeKeyKernel } from "./AgeKeyKernel.js"
import { type AgeIdentity, parseIdentityFile, scryptIdentity } from "./identities.js"
import { type CctvVector, cctv, cctvVectors, hex, readHeader, verifyMacOf } from "./cctv.testkit.js"
import type { UnwrapResult } from "./stanzas/result.js"
import { unwrapFileKey } from "./unwrap.js"

/**
 * The CCTV age vectors at the stanza level: each header's stanzas (read by the test kit's
 * lenient reader) unwrapped with the vector's identities and passphrases. The header MAC
 * is checked here with HKDF + HMAC as the spec says (the real check is keySchedule.ts's).
 */
const encoder = new TextEncoder()

const identitiesOf = (vector: CctvVector): Array<AgeIdentity> => [
  ...vector.identities.flatMap((line) => {
    const parsed = parseIdentityFile(`${line}\n`)
    if (parsed._tag !== "Identities") throw new Error(`vector ${vector.name}: ${parsed.problem}`)
    return parsed.identities
  }),
  ...vector.passphrases.map((p) => scryptIdentity(encoder.encode(p)))
]

/** node's kernel, counting its scrypt calls. */
const counting = () => {
  let calls = 0
  const kernel: AgeKeyKernel = { ...nodeAgeKeyKernel, scrypt: (...args) => (calls++, nodeAgeKeyKernel.scrypt(...args)) }
  return { kernel, calls: () => calls }
}

const unwrapVector = async (vector: CctvVector, kernel: AgeKeyKernel = nodeAgeKeyKernel): Promise<UnwrapResult> => {
  const header = readHeader(vector)
  if (header === undefined) throw new Error(`${vector.name}: the test reader found no header`)
  return unwrapFileKey(header.stanzas, identitiesOf(vector), { kernel, verifyMac: verifyMacOf(header) })
}

const STANZA_LEVEL = /^(x25519|hybrid|scrypt)_/
const vectors = cctvVectors()
const withFileKey = vectors.filter((v) => v.expect === "success" || v.expect === "payload failure")
const noMatches = vectors.filter((v) => v.expect === "no match")
/** A body in non-canonical base64 is the header parser's to reject (rule 4), before any stanza is read. */
const SYNTACTIC = /_not_canonical_body$/
const stanzaFailures = vectors.filter((v) => v.expect === "header failure" && STANZA_LEVEL.test(v.name) && !SYNTACTIC.test(v.name))
const syntactic = vectors.filter((v) => v.expect === "header failure" && STANZA_LEVEL.test(v.name) && SYNTACTIC.test(v.name))

describe("unwrapping the CCTV vectors' file keys", () => {
  it("finds every class the stanza level answers for", () => {
    expect([withFileKey.length, noMatches.length, stanzaFailures.length, syntactic.length]).toEqual([45, 13, 34, 3])
  })

  it.each(withFileKey.map((v) => [v.name, v]))("%s: gives the vector's file key, its header MAC verified", async (_name, vector) => {
    const result = await unwrapVector(vector)
    expect(result._tag).toBe("FileKey")
    expect((result as { fileKey: Uint8Array }).fileKey).toEqual(vector.fileKey)
  })

  it.each(noMatches.map((v) => [v.name, v]))("%s: no match", async (_name, vector) => {
    expect(await unwrapVector(vector)).toEqual({ _tag: "NoMatch" })
  })

  it("hmac_bad: a file key that does not verify the header's MAC", async () => {
    expect(await unwrapVector(cctv("hmac_bad"))).toEqual({ _tag: "BadMac" })
  })

  it.each(stanzaFailures.map((v) => [v.name, v]))("%s: the header is rejected at its stanza", async (_name, vector) => {
    const result = await unwrapVector(vector)
    expect(["Malformed", "WorkFactorTooLarge"]).toContain(result._tag)
  })

  it.each(syntactic.map((v) => [v.name, v]))("%s: a body in non-canonical base64 never reaches the stanzas", (_name, vector) => {
    expect(readHeader(vector)).toBeUndefined()
  })

  it("scrypt_work_factor_23: refused as too large a work factor, without running scrypt", async () => {
    const { kernel, calls } = counting()
    expect(await unwrapVector(cctv("scrypt_work_factor_23"), kernel)).toEqual({ _tag: "WorkFactorTooLarge", logN: 23, max: 22 })
    expect(calls()).toBe(0)
  })

  it("scrypt_and_x25519: the scrypt rule holds before any identity is tried", async () => {
    const { kernel, calls } = counting()
    expect(await unwrapVector(cctv("scrypt_and_x25519"), kernel)).toMatchObject({ _tag: "Malformed", stanza: "scrypt" })
    expect(calls()).toBe(0)
  })

  it("x25519_low_order and hybrid_low_order: an all-zero shared secret is an error, never no match", async () => {
    expect(await unwrapVector(cctv("x25519_low_order"))).toMatchObject({ _tag: "Malformed", detail: expect.stringContaining("all-zero") })
    expect(await unwrapVector(cctv("hybrid_low_order"))).toMatchObject({ _tag: "Malformed", detail: expect.stringContaining("all-zero") })
  })

  it("puts no file key, identity or passphrase in any failure, on every vector whose header reads", async () => {
    let checked = 0
    for (const vector of vectors) {
      if (readHeader(vector) === undefined || vector.identities.length + vector.passphrases.length === 0) continue
      const result = await unwrapVector(vector)
      if (result._tag === "FileKey") continue
      const text = JSON.stringify(result).toLowerCase()
      for (const secret of [vector.fileKey === undefined ? "-" : hex(vector.fileKey), ...vector.identities, ...vector.passphrases]) expect(text).not.toContain(secret.toLowerCase())
      checked++
    }
    expect(checked).toBeGreaterThan(40)
  })
})
