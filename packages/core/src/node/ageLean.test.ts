/**
 * The lean age path's header (ageLean.ts) against core's full one: a header it seals is
 * opened by core's unwrap (the same payload key), a header core's stanzas make is opened by
 * it, and what is not the plain case (scrypt beside other stanzas, a MAC that fails, a stanza
 * of another type, keys it does not read) is left to the full program.
 */
import { x25519 } from "@noble/curves/ed25519.js"
import { hkdf } from "@noble/hashes/hkdf.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { parseHeader } from "../age/header.js"
import { x25519Identity } from "../age/identities.js"
import { verifyHeaderMac } from "../age/keySchedule.js"
import { parseRecipient, wrapFileKey } from "../age/recipients.js"
import { DEFAULT_LOG_N, DEFAULT_MAX_LOG_N } from "../age/stanzas/scrypt.js"
import { ageFile } from "../age/stanzas/ageFile.testkit.js"
import { unwrapFileKey } from "../age/unwrap.js"
import { ageIdentity, ageRecipient } from "../keys/formats/age.js"
import { LEAN_SCRYPT, leanIdentityFile, leanParseHeader, leanRecipient, leanRecipientsFile, openHeader, sealHeader } from "./ageLean.js"
import { nodeAgeKeyKernel as kernel } from "./NodeAgeKeyKernel.js"

const payloadKeyOf = (fileKey: Uint8Array, nonce: Uint8Array) => hkdf(sha256, fileKey, nonce, new TextEncoder().encode("payload"), 32)

const keyPair = () => {
  const seed = new Uint8Array(randomBytes(32))
  const pair = { family: "okp", type: "x25519", seed, publicKey: x25519.getPublicKey(seed) } as const
  return { seed, publicKey: pair.publicKey, recipient: ageRecipient(pair as never), identity: ageIdentity(pair as never) }
}

describe("the lean age header", () => {
  it("uses age's scrypt work factors (core's)", () => {
    expect(LEAN_SCRYPT).toEqual({ encryptLogN: DEFAULT_LOG_N, maxLogN: DEFAULT_MAX_LOG_N })
  })

  it("reads X25519 recipients and identities as core does, and leaves every other kind to the full program", () => {
    const key = keyPair()
    expect(leanRecipient(key.recipient)).toEqual(key.publicKey)
    const core = parseRecipient(key.recipient)
    expect(core._tag === "Recipient" && core.recipient.kind === "X25519" ? core.recipient.publicKey : undefined).toEqual(key.publicKey)
    for (const text of [key.recipient.toUpperCase(), ` ${key.recipient}`, "age1pq1abc", "age1yubikey1abc", "ssh-ed25519 AAAA", key.identity]) expect(leanRecipient(text), text).toBeUndefined()
    expect(leanRecipientsFile(`# a comment\n\n${key.recipient}\r\n`)).toEqual([key.publicKey])
    expect(leanRecipientsFile("# none\n")).toBeUndefined()
    expect(leanRecipientsFile(`${key.recipient}\nssh-ed25519 AAAA\n`)).toBeUndefined()
    expect(leanIdentityFile(`# created: now\n# public key: ${key.recipient}\n${key.identity}\n`)).toEqual([{ secret: key.seed, publicKey: key.publicKey }])
    for (const text of [key.identity.toLowerCase(), "AGE-SECRET-KEY-PQ-1ABC", "-----BEGIN OPENSSH PRIVATE KEY-----\n", "age-encryption.org/v1\n", "# nothing\n"]) {
      expect(leanIdentityFile(text), text).toBeUndefined()
    }
  })

  it("seals a header core's unwrap opens, with the same payload key", async () => {
    const [a, b] = [keyPair(), keyPair()]
    const sealed = await sealHeader({ recipients: [a.publicKey, b.publicKey] })
    const header = parseHeader(sealed.header)
    expect(header.headerLength + 16).toBe(sealed.header.length)
    const unwrapped = await unwrapFileKey(header.stanzas, [x25519Identity(b.seed)], { kernel, verifyMac: (fileKey) => verifyHeaderMac(fileKey, header.macInput, header.mac) })
    expect(unwrapped._tag).toBe("FileKey")
    if (unwrapped._tag === "FileKey") expect(payloadKeyOf(unwrapped.fileKey, header.nonce)).toEqual(sealed.payloadKey)
    const opened = await openHeader(leanParseHeader(sealed.header)!, { identities: [{ secret: a.seed, publicKey: a.publicKey }] })
    expect(opened).toEqual({ _tag: "Opened", payloadKey: sealed.payloadKey, payloadOffset: sealed.header.length })
  })

  it("opens a header core's stanzas make; a wrong passphrase is BadPassphrase, other keys are the full program's", async () => {
    const passphrase = new TextEncoder().encode("lean")
    const fileKey = new Uint8Array(randomBytes(16))
    const wrapped = await wrapFileKey(fileKey, [{ kind: "scrypt", passphrase, logN: 10 }], kernel)
    expect(wrapped._tag).toBe("Stanzas")
    if (wrapped._tag !== "Stanzas") return
    const file = ageFile(wrapped.stanzas, fileKey, new Uint8Array(10))
    const header = leanParseHeader(file)!
    expect(await openHeader(header, { passphrase: undefined })).toEqual({ _tag: "Passphrase" })
    expect(await openHeader(header, { passphrase })).toEqual({ _tag: "Opened", payloadKey: payloadKeyOf(fileKey, header.nonce), payloadOffset: header.headerLength + 16 })
    expect(await openHeader(header, { passphrase: new TextEncoder().encode("wrong") })).toEqual({ _tag: "BadPassphrase" })
    expect(await openHeader(header, { identities: [{ secret: keyPair().seed, publicKey: keyPair().publicKey }] })).toEqual({ _tag: "Full" })
  })

  it("leaves a header whose MAC fails, and a stanza of another type, to the full program", async () => {
    const key = keyPair()
    const sealed = await sealHeader({ recipients: [key.publicKey] })
    const text = new TextDecoder("latin1").decode(sealed.header)
    const macAt = text.indexOf("\n--- ") + 5
    const tampered = Uint8Array.from(sealed.header)
    tampered[macAt] = tampered[macAt] === 0x41 ? 0x42 : 0x41
    const identity = { identities: [{ secret: key.seed, publicKey: key.publicKey }] }
    const parsed = leanParseHeader(tampered)
    expect(parsed === undefined ? { _tag: "Full" } : await openHeader(parsed, identity)).toEqual({ _tag: "Full" })
    const fileKey = new Uint8Array(randomBytes(16))
    const grease = [{ type: "grease-x", args: ["a"], body: new Uint8Array(3) }]
    const withGrease = ageFile(grease, fileKey, new Uint8Array(1))
    expect(await openHeader(leanParseHeader(withGrease)!, identity)).toEqual({ _tag: "Full" })
    expect(leanParseHeader(new TextEncoder().encode("not age\n"))).toBeUndefined()
  })
})
