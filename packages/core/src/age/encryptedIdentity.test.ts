import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { nodeAgeKeyKernel as kernel } from "../node/NodeAgeKeyKernel.js"
import { armor } from "./armor.js"
import { encodeHeader, NONCE_SIZE } from "./header.js"
import { type AgeIdentity, forgetIdentities, parseIdentityFile, recipientsOfIdentities } from "./identities.js"
import { headerMac, payloadKey } from "./keySchedule.js"
import { nobleAead } from "./nobleAead.js"
import { readAgeFile, verifyMacOf } from "./cctv.testkit.js"
import * as Scrypt from "./stanzas/scrypt.js"
import * as X25519 from "./stanzas/x25519.js"
import { sealPayload } from "./stream.js"
import { unwrapFileKey } from "./unwrap.js"

/**
 * Identity files encrypted with a passphrase (age -p over an age-keygen file), read as
 * age's `-i` reads them: the passphrase asked for once, when a stanza first needs the
 * identities inside, and a file Debian's age encrypted to the key inside then opens.
 */
const dir = mkdtempSync(join(tmpdir(), "sluice-age-encid-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const encoder = new TextEncoder()
const PASSPHRASE = "correct horse battery staple"

/** `plaintext` as an age file encrypted with `passphrase` (scrypt work factor 2^10: fast), armored or not. */
const passphraseFile = async (plaintext: Uint8Array, passphrase: string, armored: boolean): Promise<Uint8Array> => {
  const fileKey = crypto.getRandomValues(new Uint8Array(16))
  const stanza = await Scrypt.wrap(fileKey, encoder.encode(passphrase), kernel, 10)
  const header = encodeHeader([stanza], (input) => headerMac(fileKey, input))
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_SIZE))
  const payload = sealPayload(nobleAead, payloadKey(fileKey, nonce), plaintext)
  const file = Uint8Array.from([...header, ...nonce, ...payload])
  return armored ? armor(file) : file
}

/** A key age-keygen made: its file's text and its recipient. */
const ageKey = () => {
  const text = execFileSync("age-keygen", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
  return { text, recipient: /# public key: (\S+)/.exec(text)![1]! }
}

/** What Debian's age encrypts to `recipient`: the header's stanzas and its MAC check. */
const ageEncryptTo = (recipient: string) => {
  const out = join(dir, `${recipient.slice(-8)}.age`)
  execFileSync("age", ["-e", "-r", recipient, "-o", out], { input: "hello\n" })
  const header = readAgeFile(new Uint8Array(readFileSync(out)))!
  return { stanzas: header.stanzas, verifyMac: verifyMacOf(header) }
}

const locked = (bytes: Uint8Array, answers: Array<string | undefined>, asked: Array<string>, warned: Array<string> = []): ReadonlyArray<AgeIdentity> => {
  const parsed = parseIdentityFile(bytes, {
    name: "key.age",
    noMatchWarning: (name) => warned.push(name),
    filePassphrase: async (name) => {
      asked.push(name)
      const answer = answers.shift()
      return answer === undefined ? undefined : encoder.encode(answer)
    }
  })
  if (parsed._tag !== "Identities") throw new Error(parsed.problem)
  return parsed.identities
}

describe("a passphrase-encrypted identity file", () => {
  it.each([["binary", false], ["armored", true]])("%s: read without a prompt; asked for once, when a stanza needs it; the key inside opens age's file", async (_name, armored) => {
    const key = ageKey()
    const asked: Array<string> = []
    const ids = locked(await passphraseFile(encoder.encode(key.text), PASSPHRASE, armored), [PASSPHRASE], asked)
    expect(ids.map((i) => i.kind)).toEqual(["encrypted-file"])
    expect(asked).toEqual([])
    const { stanzas, verifyMac } = ageEncryptTo(key.recipient)
    expect((await unwrapFileKey(stanzas, ids, { kernel, verifyMac }))._tag).toBe("FileKey")
    expect((await unwrapFileKey(stanzas, ids, { kernel, verifyMac }))._tag).toBe("FileKey")
    expect(asked).toEqual(["key.age"])
    forgetIdentities(ids)
  })

  it("is not asked for when an identity before it (a plain one) opens the file; no match (and a warning) when the keys inside do not", async () => {
    const inside = ageKey()
    const plain = ageKey()
    const asked: Array<string> = []
    const warned: Array<string> = []
    const encrypted = locked(await passphraseFile(encoder.encode(inside.text), PASSPHRASE, false), [PASSPHRASE], asked, warned)
    const direct = parseIdentityFile(plain.text)
    if (direct._tag !== "Identities") throw new Error(direct.problem)
    const forPlain = ageEncryptTo(plain.recipient)
    expect((await unwrapFileKey(forPlain.stanzas, [...encrypted, ...direct.identities], { kernel, verifyMac: forPlain.verifyMac }))._tag).toBe("FileKey")
    expect(asked).toEqual([])
    expect(warned).toEqual([])
    expect(await unwrapFileKey(forPlain.stanzas, encrypted, { kernel, verifyMac: forPlain.verifyMac })).toEqual({ _tag: "NoMatch" })
    expect(asked).toEqual(["key.age"])
    // As age: a warning that the encrypted identity file matched none of the file's recipients.
    expect(warned).toEqual(["key.age"])
  })

  it("a wrong passphrase, none, or a file encrypted to a recipient: age's reasons, naming the file and no secret", async () => {
    const key = ageKey()
    const { stanzas, verifyMac } = ageEncryptTo(key.recipient)
    const file = await passphraseFile(encoder.encode(key.text), PASSPHRASE, false)
    const asked: Array<string> = []
    const wrong = await unwrapFileKey(stanzas, locked(file, ["not it"], asked), { kernel, verifyMac })
    expect(wrong).toEqual({ _tag: "IdentityLocked", detail: "failed to decrypt identity file key.age: incorrect passphrase" })
    expect(await unwrapFileKey(stanzas, locked(file, [undefined], asked), { kernel, verifyMac })).toEqual({
      _tag: "IdentityLocked",
      detail: "identity file key.age: no passphrase was given for it"
    })
    // An identity file age encrypted to a recipient, not a passphrase: never asked for.
    const toRecipient = join(dir, "to-recipient.age")
    execFileSync("age", ["-e", "-r", ageKey().recipient, "-o", toRecipient], { input: key.text })
    const before = asked.length
    expect(await unwrapFileKey(stanzas, locked(new Uint8Array(readFileSync(toRecipient)), [PASSPHRASE], asked), { kernel, verifyMac })).toEqual({
      _tag: "IdentityLocked",
      detail: "identity file key.age: is encrypted with age but not with a passphrase"
    })
    expect(asked.length).toBe(before)
    for (const result of [wrong]) expect(JSON.stringify(result)).not.toMatch(/AGE-SECRET-KEY|not it/)
  })

  it("gives the recipients of the keys inside (encrypt -i), the passphrase asked once", async () => {
    const key = ageKey()
    const asked: Array<string> = []
    const ids = locked(await passphraseFile(encoder.encode(key.text), PASSPHRASE, true), [PASSPHRASE], asked)
    const recipients = await recipientsOfIdentities(ids, kernel)
    if (!Array.isArray(recipients)) throw new Error(recipients._tag)
    expect(recipients).toHaveLength(1)
    expect(recipients[0]!.kind).toBe("X25519")
    const stanza = X25519.wrap(new Uint8Array(16).fill(7), (recipients[0] as { publicKey: Uint8Array }).publicKey)
    expect(await unwrapFileKey([stanza], ids, { kernel, verifyMac: () => true })).toMatchObject({ _tag: "FileKey", fileKey: new Uint8Array(16).fill(7) })
    expect(asked).toEqual(["key.age"])
  })
})
