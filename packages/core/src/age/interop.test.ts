import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { nodeAgeKeyKernel as kernel } from "../node/NodeAgeKeyKernel.js"
import { type AgeRecipient, parseRecipient, wrapFileKey } from "./recipients.js"
import { unwrapFileKey } from "./unwrap.js"
import { scryptIdentity } from "./identities.js"
import { ageFile } from "./stanzas/ageFile.testkit.js"
import { readAgeFile, verifyMacOf } from "./cctv.testkit.js"
import { randomBytes } from "./stanzas/wrapKey.js"

/**
 * Our stanzas read by Debian's age (1.1.1): each file key is wrapped by recipients.ts, and
 * the file around it is the test kit's (one chunk); age -d must find the file key in our
 * stanza and the plaintext behind it. (The other direction is in identities.test.ts.)
 */
const dir = mkdtempSync(join(tmpdir(), "sluice-age-interop-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const path = (name: string) => join(dir, `${n++}-${name}`)

const recipient = (text: string): AgeRecipient => {
  const parsed = parseRecipient(text)
  if (parsed._tag !== "Recipient") throw new Error(parsed.problem)
  return parsed.recipient
}

/** age -d of a file whose stanzas we wrapped to `recipients`, with identity file `identity`. */
const ageDecrypts = async (recipients: ReadonlyArray<string>, identity: string): Promise<string> => {
  const fileKey = randomBytes(16)
  const wrapped = await wrapFileKey(fileKey, recipients.map(recipient), kernel)
  if (wrapped._tag !== "Stanzas") throw new Error(wrapped._tag)
  const file = path("file.age")
  writeFileSync(file, ageFile(wrapped.stanzas, fileKey, new TextEncoder().encode("stanzas by Sluice\n")))
  return execFileSync("age", ["-d", "-i", identity, file], { encoding: "utf8" })
}

const ageKey = () => {
  const file = path("key.txt")
  execFileSync("age-keygen", ["-o", file], { stdio: "ignore" })
  return { file, recipient: execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim() }
}
const sshKey = (type: string) => {
  const file = path(`id_${type}`)
  execFileSync("ssh-keygen", ["-q", "-t", type, ...(type === "rsa" ? ["-b", "3072"] : []), "-N", "", "-C", "", "-f", file])
  return { file, recipient: readFileSync(`${file}.pub`, "utf8").trim() }
}

describe("age -d reads the stanzas we wrap", () => {
  it("X25519", async () => {
    const key = ageKey()
    expect(await ageDecrypts([key.recipient], key.file)).toBe("stanzas by Sluice\n")
  })

  it.each([["ed25519"], ["rsa"]])("ssh-%s", async (type) => {
    const key = sshKey(type)
    expect(await ageDecrypts([key.recipient], key.file)).toBe("stanzas by Sluice\n")
  })

  it("one file to several recipients of every classic type, each identity alone", async () => {
    const [x, ed, rsa] = [ageKey(), sshKey("ed25519"), sshKey("rsa")]
    for (const identity of [x.file, ed.file, rsa.file]) {
      expect(await ageDecrypts([x.recipient, ed.recipient, rsa.recipient], identity)).toBe("stanzas by Sluice\n")
    }
  })
})

/** age reads a passphrase from its terminal only: a pty from util-linux's script(1), the passphrase typed ahead. */
const withPty = (command: string, typed: string): string =>
  execFileSync("script", ["-qec", command, "/dev/null"], { input: typed, encoding: "utf8" })

describe("scrypt with age -p, through a terminal", () => {
  const passphrase = "correct horse battery staple"

  it("age -d opens the scrypt stanza we wrap at age's work factor", async () => {
    const fileKey = randomBytes(16)
    const wrapped = await wrapFileKey(fileKey, [{ kind: "scrypt", passphrase: new TextEncoder().encode(passphrase) }], kernel)
    if (wrapped._tag !== "Stanzas") throw new Error(wrapped._tag)
    expect(wrapped.stanzas[0]!.args[1]).toBe("18")
    const file = path("file.age")
    const out = path("out.txt")
    writeFileSync(file, ageFile(wrapped.stanzas, fileKey, new TextEncoder().encode("by passphrase\n")))
    withPty(`age -d -o ${out} ${file}`, `${passphrase}\n`)
    expect(readFileSync(out, "utf8")).toBe("by passphrase\n")
  })

  it("we open the scrypt stanza age -p writes, and a wrong passphrase is no match", async () => {
    const plain = path("plain.txt")
    const file = path("file.age")
    writeFileSync(plain, "to age\n")
    withPty(`age -p -o ${file} ${plain}`, `${passphrase}\n${passphrase}\n`)
    const header = readAgeFile(new Uint8Array(readFileSync(file)))!
    expect(header.stanzas.map((s) => s.type)).toEqual(["scrypt"])
    const verifyMac = verifyMacOf(header)
    const opened = await unwrapFileKey(header.stanzas, [scryptIdentity(new TextEncoder().encode(passphrase))], { kernel, verifyMac })
    expect(opened._tag).toBe("FileKey")
    const wrong = await unwrapFileKey(header.stanzas, [scryptIdentity(new TextEncoder().encode("not it"))], { kernel, verifyMac })
    expect(wrong).toEqual({ _tag: "NoMatch" })
  })
})
