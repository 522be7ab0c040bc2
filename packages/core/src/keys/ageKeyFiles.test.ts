import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { cctv } from "../age/cctv.testkit.js"
import { hybridPublicKey, unwrap, wrap } from "../age/stanzas/hybrid.js"
import { ageRecipientsOf, newHybridAgeKeyFile, sealRecipientsOf } from "./ageKeyFiles.js"
import { parseAgeHybridSecret } from "./formats/age.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-age-keys-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// The spec's example identity and its recipient's start [C2SP age §The MLKEM768-X25519 hybrid recipient type].
const SPEC_IDENTITY = "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR"
const SPEC_RECIPIENT_START = "age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshfg87pzf5z"

describe("age-keygen -y (ageRecipientsOf)", () => {
  it("gives age-keygen's own recipient for a file age-keygen made", () => {
    const path = join(dir, "x25519.key")
    execFileSync("age-keygen", ["-o", path], { stdio: "ignore" })
    expect(ageRecipientsOf(readFileSync(path, "utf8"))).toEqual({ _tag: "Recipients", recipients: [execFileSync("age-keygen", ["-y", path], { encoding: "utf8" }).trim()] })
  })

  it("gives the spec's recipient for the spec's post-quantum identity, and one recipient a line for several", () => {
    const result = ageRecipientsOf(`# a comment\n${SPEC_IDENTITY}\n\n${SPEC_IDENTITY}\n`)
    expect(result._tag).toBe("Recipients")
    const recipients = (result as { recipients: ReadonlyArray<string> }).recipients
    expect(recipients).toHaveLength(2)
    expect(recipients[0]!.startsWith(SPEC_RECIPIENT_START)).toBe(true)
    expect(recipients[0]).toHaveLength(1959)
  })

  it("refuses an SSH key, a recipient and an empty file, naming no key", () => {
    expect(ageRecipientsOf("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n")._tag).toBe("BadIdentityFile")
    expect(ageRecipientsOf("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj\n")).toMatchObject({ _tag: "BadIdentityFile", line: 1 })
    expect(ageRecipientsOf("# nothing\n")).toMatchObject({ _tag: "BadIdentityFile", problem: "no identities found" })
  })
})

describe("age-keygen -pq (newHybridAgeKeyFile)", () => {
  it("writes age-keygen's three lines, in the CCTV vectors' identity format, whose public key line is the identity's", () => {
    const { file, recipient } = newHybridAgeKeyFile(Date.UTC(2026, 11, 5, 12, 0, 0))
    const lines = file.split("\n")
    // The local time (formats/age.test.ts checks the zones); 12:00 UTC is that day everywhere but past ±12:00.
    expect(lines[0]).toMatch(/^# created: 2026-12-05T\d\d:\d\d:00(Z|[+-]\d\d:\d\d)$/)
    expect(lines[1]).toBe(`# public key: ${recipient}`)
    expect(lines[3]).toBe("")
    // As the CCTV hybrid vectors spell identities: same prefix, length and alphabet.
    const theirs = cctv("hybrid").identities[0]!
    expect(lines[2]).toMatch(/^AGE-SECRET-KEY-PQ-1[02-9ACDEFGHJKLMNPQRSTUVWXYZ]{58}$/)
    expect(lines[2]).toHaveLength(theirs.length)
    expect(ageRecipientsOf(file)).toEqual({ _tag: "Recipients", recipients: [recipient] })
  })

  it("makes a key whose recipient a file key is wrapped to and whose identity unwraps it", () => {
    const { file } = newHybridAgeKeyFile(Date.now())
    const seed = parseAgeHybridSecret(file.split("\n")[2]!)
    const fileKey = new Uint8Array(16).fill(9)
    const result = unwrap(wrap(fileKey, hybridPublicKey(seed)), { seed })
    expect(result).toMatchObject({ _tag: "FileKey", fileKey })
  })
})

describe("--seal-to's recipients (sealRecipientsOf)", () => {
  it("takes one age1 recipient, or a recipients file with comments", () => {
    const r = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
    expect(sealRecipientsOf({ recipient: r })).toMatchObject({ _tag: "Recipients", recipients: [{ kind: "X25519" }] })
    expect(sealRecipientsOf({ fileText: `# escrow\n${r}\n` })).toMatchObject({ _tag: "Recipients", recipients: [{ kind: "X25519" }] })
  })

  it("refuses SSH recipients, a passphrase-free mix of post-quantum and classic, and identities", () => {
    const pq = newHybridAgeKeyFile(0).recipient
    const mixed = sealRecipientsOf({ fileText: `age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj\n${pq}\n` })
    expect(mixed).toMatchObject({ _tag: "BadRecipient", problem: expect.stringMatching(/can't mix post-quantum and classic/) })
    expect(sealRecipientsOf({ recipient: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN" })._tag).toBe("BadRecipient")
    expect(sealRecipientsOf({ recipient: SPEC_IDENTITY })).toMatchObject({ _tag: "BadRecipient", problem: "an apparent identity given as a recipient" })
  })
})
