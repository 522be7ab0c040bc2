import * as crypto from "node:crypto"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as NodeKeyKernel from "../node/NodeKeyKernel.js"
import { parseEncryptedPkcs8Der } from "./formats/encryptedPkcs8.js"
import { jwkThumbprint, privateJwk, publicJwk } from "./formats/jwk.js"
import { parsePkcs8Der, parseSpkiDer, pkcs8Der, spkiDer } from "./formats/pkcs8.js"
import { encodeKey } from "./KeyFormat.js"
import { portableKeyKernel } from "./KeyKernel.js"
import { samePublic } from "./KeyPair.js"
import { KEY_TYPES, type KeyType } from "./KeyType.js"

const node = NodeKeyKernel.make()
const generate = (type: KeyType) => Effect.runPromise(node.generate(type))
const text = (s: string) => new TextEncoder().encode(s)

describe("JWK thumbprint", () => {
  it("gives RFC 7638 §3.1's example", () => {
    const n =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    expect(jwkThumbprint({ kty: "RSA", n, e: "AQAB", alg: "RS256", kid: "2011-04-29" })).toBe("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
  })
})

describe.each(KEY_TYPES.map((t) => [t]))("%s", (type) => {
  it("SPKI is byte for byte node:crypto's, and PKCS#8 reads back in node:crypto as the same key", async () => {
    const pair = await generate(type)
    const der = pkcs8Der(pair)
    const imported = crypto.createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" })
    const nodeSpki = crypto.createPublicKey(imported).export({ type: "spki", format: "der" })
    expect(Buffer.from(spkiDer(pair)).equals(nodeSpki)).toBe(true)
    // Sluice's own reader gives the same pair back from node's PKCS#8 and its own.
    const again = parsePkcs8Der(imported.export({ type: "pkcs8", format: "der" }))
    expect(samePublic(again, pair)).toBe(true)
    expect(pkcs8Der(again)).toEqual(der)
    expect(samePublic(parseSpkiDer(nodeSpki), pair)).toBe(true)
  })

  it("JWK is node:crypto's own, with kid its thumbprint", async () => {
    const pair = await generate(type)
    const jwk = privateJwk(pair)
    const imported = crypto.createPrivateKey({ key: Buffer.from(pkcs8Der(pair)), format: "der", type: "pkcs8" })
    const { kid, ...members } = jwk
    expect(members).toEqual(imported.export({ format: "jwk" }))
    expect(kid).toBe(publicJwk(pair).kid)
    expect(crypto.createPublicKey({ key: publicJwk(pair) as crypto.JsonWebKey, format: "jwk" }).export({ type: "spki", format: "der" }))
      .toEqual(Buffer.from(spkiDer(pair)))
  })

  it.runIf(type !== "rsa-4096" && type !== "rsa-3072")("encrypted PKCS#8 (scrypt) is read by node:crypto with the passphrase and refused without", async () => {
    const pair = await generate(type)
    const der = await encodeKey(pair, "pkcs8-encrypted-der", { passphrase: text("correct horse"), createdMillis: 0 })
    const key = crypto.createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8", passphrase: "correct horse" })
    expect(key.export({ type: "pkcs8", format: "der" })).toEqual(crypto.createPrivateKey({ key: Buffer.from(pkcs8Der(pair)), format: "der", type: "pkcs8" }).export({ type: "pkcs8", format: "der" }))
    expect(() => crypto.createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8", passphrase: "wrong" })).toThrow()
    expect(samePublic(await parseEncryptedPkcs8Der(der, text("correct horse")), pair)).toBe(true)
    await expect(parseEncryptedPkcs8Der(der, text("wrong horse"))).rejects.toThrow(/wrong passphrase or damaged file/)
  })

  it.runIf(portableKeyKernel.supports(type))("noble's keys are as valid to node:crypto", async () => {
    const pair = await Effect.runPromise(portableKeyKernel.generate(type))
    const imported = crypto.createPrivateKey({ key: Buffer.from(pkcs8Der(pair)), format: "der", type: "pkcs8" })
    expect(crypto.createPublicKey(imported).export({ type: "spki", format: "der" })).toEqual(Buffer.from(spkiDer(pair)))
  })
})

describe("encrypted PKCS#8", () => {
  it("PBKDF2-HMAC-SHA256 is read by node:crypto too, and node:crypto's own is read by Sluice", async () => {
    const pair = await generate("ed25519")
    const der = await encodeKey(pair, "pkcs8-encrypted-der", { passphrase: text("pw"), pbe: "pbkdf2-sha256", createdMillis: 0 })
    crypto.createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8", passphrase: "pw" })
    const theirs = crypto.createPrivateKey({ key: Buffer.from(pkcs8Der(pair)), format: "der", type: "pkcs8" })
      .export({ type: "pkcs8", format: "der", cipher: "aes-256-cbc", passphrase: "pw" })
    expect(samePublic(await parseEncryptedPkcs8Der(theirs, text("pw")), pair)).toBe(true)
  }, 30_000)
})
