import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { ageHybridIdentity } from "../keys/formats/age.js"
import { nodeAgeKeyKernel as kernel } from "../node/NodeAgeKeyKernel.js"
import { type AgeIdentity, forgetIdentities, parseIdentityFile, type PassphrasePrompt } from "./identities.js"
import { parseRecipient } from "./recipients.js"
import { readAgeFile, verifyMacOf } from "./cctv.testkit.js"
import { unwrapFileKey } from "./unwrap.js"

/**
 * Identity files as age-keygen and ssh-keygen write them, and files Debian's age (1.1.1)
 * encrypts, unwrapped at the stanza level (the test kit reads the header; the MAC is
 * checked here as the spec says). Our stanzas read by age is whole-file interop: later.
 */
const dir = mkdtempSync(join(tmpdir(), "sluice-age-ids-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const path = (name: string) => join(dir, `${n++}-${name}`)
const encoder = new TextEncoder()

const identities = (text: string, passphrase?: PassphrasePrompt): ReadonlyArray<AgeIdentity> => {
  const parsed = parseIdentityFile(text, passphrase === undefined ? { name: "id" } : { name: "id", passphrase })
  if (parsed._tag !== "Identities") throw new Error(parsed.problem)
  return parsed.identities
}

/** A file age encrypts to `args` (-r/-R), its header's stanzas, and its MAC check. */
const ageEncrypt = (...args: Array<string>) => {
  const out = path("file.age")
  execFileSync("age", ["-e", ...args, "-o", out], { input: "hello from age\n" })
  const header = readAgeFile(new Uint8Array(readFileSync(out)))!
  return { stanzas: header.stanzas, verifyMac: verifyMacOf(header) }
}

const sshKey = (type: string, passphrase = "") => {
  const file = path(`id_${type}`)
  execFileSync("ssh-keygen", ["-q", "-t", type, ...(type === "rsa" ? ["-b", "2048"] : []), "-N", passphrase, "-C", "", "-f", file])
  return { file, text: readFileSync(file, "utf8"), pub: readFileSync(`${file}.pub`, "utf8").trim() }
}

describe("age identity files", () => {
  it("reads age-keygen's file, and its recipient is age-keygen -y's", async () => {
    const file = path("key.txt")
    execFileSync("age-keygen", ["-o", file], { stdio: "ignore" })
    const ids = identities(readFileSync(file, "utf8"))
    expect(ids.map((i) => i.kind)).toEqual(["X25519"])
    const recipient = parseRecipient(execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim())
    expect(recipient._tag).toBe("Recipient")
    expect((recipient as { recipient: { publicKey: Uint8Array } }).recipient.publicKey).toEqual((ids[0] as { identity: { publicKey: Uint8Array } }).identity.publicKey)
  })

  it("reads several keys, hybrid ones too, skipping comments, blank lines and CRs", () => {
    const x = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
    const pq = ageHybridIdentity(new Uint8Array(32).fill(7))
    const ids = identities(`# created: now\r\n\r\n${x}\r\n# comment\n${pq}\n\n`)
    expect(ids.map((i) => i.kind)).toEqual(["X25519", "mlkem768x25519"])
  })

  it("names the line of a problem, never its text", () => {
    const secret = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEY"
    const cases = [
      [`# a\n${secret}\n`, 2, "a malformed secret key"],
      ["# a\n\nage1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj\n", 3, "an apparent recipient found in the identity file"],
      [" AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n", 1, "an unknown identity type"],
      ["AGE-PLUGIN-YUBIKEY-1QQQQ\n", 1, "plugin identities are not supported"]
    ] as const
    for (const [text, line, problem] of cases) {
      const parsed = parseIdentityFile(text)
      expect(parsed).toEqual({ _tag: "BadIdentityFile", line, problem })
      expect(JSON.stringify(parsed)).not.toContain("GFPYYSJZ")
    }
    expect(parseIdentityFile("# only a comment\n")).toEqual({ _tag: "BadIdentityFile", problem: "no identities found" })
    // An age file is a passphrase-encrypted identity file (encryptedIdentity.test.ts), read when first needed.
    expect(parseIdentityFile("age-encryption.org/v1\n")).toMatchObject({ _tag: "Identities", identities: [{ kind: "encrypted-file" }] })
  })

  it("reads ssh-keygen's Ed25519 and RSA keys, and refuses ECDSA", () => {
    expect(identities(sshKey("ed25519").text).map((i) => i.kind)).toEqual(["ssh-ed25519"])
    expect(identities(sshKey("rsa").text).map((i) => i.kind)).toEqual(["ssh-rsa"])
    expect(parseIdentityFile(sshKey("ecdsa").text)).toMatchObject({ _tag: "BadIdentityFile", problem: expect.stringContaining("neither") })
  })

  it("reads RSA keys in PKCS#1 PEM (ssh-keygen -m PEM) and PKCS#8, and refuses an encrypted PEM with a hint", async () => {
    const pem = path("id_rsa_pem")
    execFileSync("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-C", "", "-f", pem])
    expect(readFileSync(pem, "utf8")).toContain("BEGIN RSA PRIVATE KEY")
    const pkcs8 = path("id_rsa_pkcs8")
    execFileSync("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-m", "PKCS8", "-N", "", "-C", "", "-f", pkcs8])
    expect(readFileSync(pkcs8, "utf8")).toContain("BEGIN PRIVATE KEY")
    for (const file of [pem, pkcs8]) {
      expect(identities(readFileSync(file, "utf8")).map((i) => i.kind)).toEqual(["ssh-rsa"])
      const { stanzas, verifyMac } = ageEncrypt("-R", `${file}.pub`)
      expect((await unwrapFileKey(stanzas, identities(readFileSync(file, "utf8")), { kernel, verifyMac }))._tag).toBe("FileKey")
    }
    const locked = path("id_rsa_locked_pem")
    execFileSync("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "pw pw pw", "-C", "", "-f", locked])
    expect(parseIdentityFile(readFileSync(locked, "utf8"))).toMatchObject({ _tag: "BadIdentityFile", problem: expect.stringContaining("ssh-keygen -p") })
  })

  it("wipes every secret it holds when told to forget", () => {
    const ids = identities("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n")
    forgetIdentities(ids)
    expect((ids[0] as { identity: { secret: Uint8Array } }).identity.secret.every((b) => b === 0)).toBe(true)
  })
})

describe("files Debian's age encrypts, unwrapped by our identities", () => {
  it("X25519: age -r", async () => {
    const file = path("key.txt")
    execFileSync("age-keygen", ["-o", file], { stdio: "ignore" })
    const recipient = execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim()
    const { stanzas, verifyMac } = ageEncrypt("-r", recipient)
    expect((await unwrapFileKey(stanzas, identities(readFileSync(file, "utf8")), { kernel, verifyMac }))._tag).toBe("FileKey")
  })

  it.each([["ed25519"], ["rsa"]])("ssh-%s: age -R key.pub, and no match for another key", async (type) => {
    const key = sshKey(type)
    const other = sshKey(type)
    const { stanzas, verifyMac } = ageEncrypt("-R", `${key.file}.pub`)
    expect(stanzas[0]!.type).toBe(`ssh-${type}`)
    expect((await unwrapFileKey(stanzas, identities(key.text), { kernel, verifyMac }))._tag).toBe("FileKey")
    expect(await unwrapFileKey(stanzas, identities(other.text), { kernel, verifyMac })).toEqual({ _tag: "NoMatch" })
  })

  it("a passphrase-protected SSH key asks for its passphrase only for a file whose stanza names it, and once", async () => {
    const key = sshKey("ed25519", "hunter2 hunter2")
    const unrelated = sshKey("ed25519")
    const asked: Array<string> = []
    const prompt: PassphrasePrompt = async (name) => (asked.push(name), encoder.encode("hunter2 hunter2"))
    const ids = identities(key.text, prompt)
    expect(ids.map((i) => i.kind)).toEqual(["encrypted-ssh"])
    const notOurs = ageEncrypt("-R", `${unrelated.file}.pub`)
    expect(await unwrapFileKey(notOurs.stanzas, ids, { kernel, verifyMac: notOurs.verifyMac })).toEqual({ _tag: "NoMatch" })
    expect(asked).toEqual([])
    const ours = ageEncrypt("-R", `${key.file}.pub`, "-R", `${unrelated.file}.pub`)
    expect((await unwrapFileKey(ours.stanzas, ids, { kernel, verifyMac: ours.verifyMac }))._tag).toBe("FileKey")
    expect((await unwrapFileKey(ours.stanzas, ids, { kernel, verifyMac: ours.verifyMac }))._tag).toBe("FileKey")
    expect(asked).toEqual(["id"])
  })

  it("a wrong or missing passphrase for a named SSH key is an error that names neither", async () => {
    const key = sshKey("rsa", "right one")
    const { stanzas, verifyMac } = ageEncrypt("-R", `${key.file}.pub`)
    const wrong = await unwrapFileKey(stanzas, identities(key.text, async () => encoder.encode("wrong one")), { kernel, verifyMac })
    expect(wrong).toMatchObject({ _tag: "IdentityLocked", detail: expect.stringContaining("wrong") })
    expect(JSON.stringify(wrong)).not.toContain("wrong one")
    expect(await unwrapFileKey(stanzas, identities(key.text, async () => undefined), { kernel, verifyMac })).toMatchObject({ _tag: "IdentityLocked" })
    expect(await unwrapFileKey(stanzas, identities(key.text), { kernel, verifyMac })).toMatchObject({ _tag: "IdentityLocked" })
  })
})

describe("the unwrap loop", () => {
  it("tries native identities first, whatever their order", async () => {
    const locked = sshKey("ed25519", "pw")
    const ageKey = path("key.txt")
    execFileSync("age-keygen", ["-o", ageKey], { stdio: "ignore" })
    const recipient = execFileSync("age-keygen", ["-y", ageKey], { encoding: "utf8" }).trim()
    const { stanzas, verifyMac } = ageEncrypt("-R", `${locked.file}.pub`, "-r", recipient)
    // The locked SSH key, given first and named by the first stanza, is never asked for: the X25519 identity answers before it.
    const asked: Array<string> = []
    const ids = [...identities(locked.text, async (name) => (asked.push(name), undefined)), ...identities(readFileSync(ageKey, "utf8"))]
    expect((await unwrapFileKey(stanzas, ids, { kernel, verifyMac }))._tag).toBe("FileKey")
    expect(asked).toEqual([])
    expect((await unwrapFileKey(stanzas, ids.slice(0, 1), { kernel, verifyMac }))._tag).toBe("IdentityLocked")
    expect(asked).toEqual(["id"])
  })
})
