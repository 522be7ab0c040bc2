import * as crypto from "node:crypto"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as NodeKeyKernel from "../node/NodeKeyKernel.js"
import { parseEncryptedPkcs8Der } from "./formats/encryptedPkcs8.js"
import { jwkThumbprint, privateJwk, publicJwk } from "./formats/jwk.js"
import { parsePkcs8Der, parseSpkiDer, pkcs8Der, pkcs8General, spkiDer, spkiGeneral } from "./formats/pkcs8.js"
import { encodeKey } from "./encodeKey.js"
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

describe("PKCS#8 and SPKI of the curves from their fixed layout", () => {
  it.each(["ed25519", "x25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521"] as const)("%s: the same bytes as the DER written element by element, key after key", (type) => {
    for (let i = 0; i < 20; i++) {
      const pair = node.generateNow!(type)!
      expect(pkcs8Der(pair)).toEqual(pkcs8General(pair))
      expect(spkiDer(pair)).toEqual(spkiGeneral(pair))
    }
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

describe("readers refuse bad files by what is wrong, never with a byte of the key", () => {
  it("age: a changed character fails the Bech32 checksum; a recipient is not an identity", async () => {
    const { parseAgeIdentity, parseAgeRecipient, ageKeyFile } = await import("./formats/age.js")
    const pair = await generate("x25519")
    const file = ageKeyFile(pair, Date.UTC(2026, 0, 2, 3, 4, 5))
    expect(file.split("\n")[0]).toMatch(/^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/)
    const identity = file.split("\n")[2]!
    const damaged = identity.slice(0, 30) + (identity[30] === "Q" ? "P" : "Q") + identity.slice(31)
    const error = (() => {
      try {
        parseAgeIdentity(damaged)
      } catch (e) {
        return e as Error
      }
      throw new Error("expected a refusal")
    })()
    expect(error.message).toBe("not a readable age identity key: bad Bech32")
    expect(error.message).not.toContain(identity.slice(16, 40))
    expect(() => parseAgeRecipient(identity.toLowerCase())).toThrow(/prefix of an identity/)
  })

  it("OpenSSH: a wrong passphrase is told as that; an ML-KEM key has no OpenSSH form", async () => {
    const { opensshPrivateKey, parseOpensshPrivateKey } = await import("./formats/openssh.js")
    const pair = await generate("ed25519")
    const file = opensshPrivateKey(pair, "c", text("right"), 2)
    expect(() => parseOpensshPrivateKey(file, text("wrong"))).toThrow("not a readable OpenSSH private key: wrong passphrase or damaged file")
    expect(() => parseOpensshPrivateKey(file)).toThrow(/no passphrase given/)
    expect(parseOpensshPrivateKey(file, text("right")).comment).toBe("c")
    const pq = await generate("ml-kem-512")
    expect(() => opensshPrivateKey(pq)).toThrow(/no OpenSSH form/)
  })

  it("PKCS#8: a truncated file and an RSA key of a size Sluice does not make", async () => {
    const der = pkcs8Der(await generate("ecdsa-p256"))
    expect(() => parsePkcs8Der(der.subarray(0, der.length - 5))).toThrow(/not a readable PKCS#8 key: DER element of tag 0x30 runs past its end/)
    const small = crypto.generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "der" })
    expect(() => parsePkcs8Der(small)).toThrow("an RSA key of 1024 bits (Sluice has 2048, 3072 and 4096)")
  })

  it("SPKI and OpenSSH: a compressed point, a point off the curve and a short Ed25519 key are refused", async () => {
    const { authorizedKeysLine, parseAuthorizedKey } = await import("./formats/openssh.js")
    const pair = await generate("ecdsa-p256")
    if (pair.family !== "ec") throw new Error("expected an EC pair")
    const point = new Uint8Array(pair.publicKey)
    const squeezed = Uint8Array.of(2 + (point[64]! & 1), ...point.subarray(1, 33))
    expect(() => parseSpkiDer(spkiDer({ family: "ec", type: "ecdsa-p256", publicKey: squeezed as never }))).toThrow("not a readable SPKI key: not an uncompressed P-256 point")
    const off = new Uint8Array(point)
    off[64]! ^= 1
    const offKey = { family: "ec", type: "ecdsa-p256", publicKey: off } as const
    expect(() => parseSpkiDer(spkiDer(offKey))).toThrow("not a readable SPKI key: a point not on P-256")
    expect(() => parseAuthorizedKey(authorizedKeysLine(offKey))).toThrow("not a readable OpenSSH public key: a point not on P-256")
    const short = { family: "okp", type: "ed25519", publicKey: new Uint8Array(31) } as const
    expect(() => parseSpkiDer(spkiDer(short))).toThrow("a public key of 31 bytes, not 32")
  })
})
