import { execFileSync } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Stream } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { layerInline } from "../node/node.js"
import * as NodeKeyKernel from "../node/NodeKeyKernel.js"
import { parseAgeIdentity, parseAgeRecipient } from "./formats/age.js"
import { encryptionParametersOf, parseEncryptedPkcs8Pem } from "./formats/encryptedPkcs8.js"
import { unarmor } from "./formats/pem.js"
import { authorizedKeysLine, opensshPrivateKey, parseAuthorizedKey, parseOpensshPrivateKey, sshFingerprint } from "./formats/openssh.js"
import { parsePkcs8Pem, spkiPem } from "./formats/pkcs8.js"
import { encodeKey } from "./encodeKey.js"
import type { KeyFormat } from "./KeyFormat.js"
import { samePublic } from "./KeyPair.js"
import type { KeyType } from "./KeyType.js"
import { type GeneratedKey, generateKeyStream } from "./keyStream.js"

/**
 * Sluice's keys against the tools people use them with, installed from Debian
 * (scripts/peers.sh): openssl (3.0 here: it has no ML-DSA / ML-KEM, which
 * formats.test.ts holds against node:crypto's OpenSSL 3.5), ssh-keygen, age.
 */
const dir = mkdtempSync(join(tmpdir(), "sluice-keys-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const file = (contents: Uint8Array | string, name = "key"): string => {
  const path = join(dir, `${n++}-${name}`)
  writeFileSync(path, contents)
  chmodSync(path, 0o600)
  return path
}
const fresh = (name: string) => join(dir, `${n++}-${name}`)
const run = (cmd: string, args: ReadonlyArray<string>, input?: string | Uint8Array): string =>
  execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] })
const text = (s: string) => new TextEncoder().encode(s)
const decode = (b: Uint8Array) => new TextDecoder().decode(b)

const node = NodeKeyKernel.make()
const generate = (type: KeyType) => Effect.runPromise(node.generate(type))
const PASS = "tr0ub4dor&3 with spaces"
const encode = async (type: KeyType, formats: ReadonlyArray<KeyFormat>, comment = "sluice@test") => {
  const pair = await generate(type)
  const out: Partial<Record<KeyFormat, string>> = {}
  for (const f of formats) out[f] = decode(await encodeKey(pair, f, { passphrase: text(PASS), comment, createdMillis: Date.now() }))
  return { pair, out: out as Record<KeyFormat, string> }
}
/** The type and base64 blob of an OpenSSH public key line (the comment left out). */
const keyPart = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(" ")

const OPENSSL_TYPES: ReadonlyArray<KeyType> = ["ed25519", "x25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048"]
const SSH_TYPES: ReadonlyArray<KeyType> = ["ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048"]

describe("openssl reads what Sluice writes", () => {
  it.each(OPENSSL_TYPES.map((t) => [t]))("%s: PKCS#8, SPKI, and encrypted PKCS#8 (scrypt and PBKDF2) with -passin", async (type) => {
    const { out, pair } = await encode(type, ["pkcs8-pem", "spki-pem", "pkcs8-encrypted-pem"])
    const key = file(out["pkcs8-pem"])
    run("openssl", ["pkey", "-in", key, "-noout"])
    // openssl derives the public key from the private one: it is ours.
    expect(run("openssl", ["pkey", "-in", key, "-pubout"])).toBe(out["spki-pem"])
    expect(run("openssl", ["pkey", "-pubin", "-in", file(out["spki-pem"]), "-pubout"])).toBe(out["spki-pem"])
    const encrypted = file(out["pkcs8-encrypted-pem"])
    expect(run("openssl", ["pkey", "-in", encrypted, "-passin", `pass:${PASS}`, "-pubout"])).toBe(out["spki-pem"])
    expect(() => run("openssl", ["pkey", "-in", encrypted, "-passin", "pass:wrong", "-noout"])).toThrow()
    const pbkdf2 = decode(await encodeKey(pair, "pkcs8-encrypted-pem", { passphrase: text(PASS), pbe: "pbkdf2-sha256", createdMillis: 0 }))
    expect(run("openssl", ["pkey", "-in", file(pbkdf2), "-passin", `pass:${PASS}`, "-pubout"])).toBe(out["spki-pem"])
  }, 60_000)
})

describe("openssl reads each key of a run encrypted under the run's one derived key", () => {
  it.each([["scrypt"], ["pbkdf2-sha256"]] as const)("%s: two keys share the salt, differ in IV, and each opens with -passin", async (pbe) => {
    const events = await Effect.runPromise(Stream.runCollect(generateKeyStream({
      type: "ecdsa-p256",
      count: 2,
      batchSize: 1,
      formats: ["pkcs8-encrypted-pem", "spki-pem"],
      passphrase: text(PASS),
      pbe
    })).pipe(Effect.provide(layerInline)))
    const keys = (events as ReadonlyArray<{ _tag: string }>).filter((e): e is GeneratedKey => e._tag === "GeneratedKey")
    const pems = keys.map((k) => decode(k.outputs[0]!.bytes))
    const [a, b] = pems.map((p) => encryptionParametersOf(unarmor(p, "ENCRYPTED PRIVATE KEY", "test")))
    expect(Buffer.from(a!.salt).equals(Buffer.from(b!.salt))).toBe(true)
    expect(Buffer.from(a!.iv).equals(Buffer.from(b!.iv))).toBe(false)
    for (const [i, key] of keys.entries()) {
      const spki = decode(key.outputs[1]!.bytes)
      expect(run("openssl", ["pkey", "-in", file(pems[i]!), "-passin", `pass:${PASS}`, "-pubout"])).toBe(spki)
      expect(spkiPem(await parseEncryptedPkcs8Pem(pems[i]!, text(PASS)))).toBe(spki)
    }
  }, 60_000)
})

describe("ssh-keygen reads what Sluice writes", () => {
  it.each(SSH_TYPES.map((t) => [t]))("%s: the private file (plain and with a passphrase), the public line, the fingerprint", async (type) => {
    const { out } = await encode(type, ["openssh-private", "openssh-private-encrypted", "openssh-public", "ssh-fingerprint"])
    const plain = file(out["openssh-private"])
    expect(keyPart(run("ssh-keygen", ["-y", "-f", plain]))).toBe(keyPart(out["openssh-public"]))
    const encrypted = file(out["openssh-private-encrypted"])
    expect(keyPart(run("ssh-keygen", ["-y", "-P", PASS, "-f", encrypted]))).toBe(keyPart(out["openssh-public"]))
    expect(() => run("ssh-keygen", ["-y", "-P", "wrong", "-f", encrypted])).toThrow()
    // `ssh-keygen -lf`: bits, fingerprint, comment, (TYPE); the comment is read from the files.
    const listed = run("ssh-keygen", ["-lf", file(out["openssh-public"], "key.pub")])
    expect(listed.split(" ")[1]).toBe(out["ssh-fingerprint"])
    expect(listed).toContain("sluice@test")
    expect(run("ssh-keygen", ["-lf", plain]).split(" ")[1]).toBe(out["ssh-fingerprint"])
  }, 60_000)
})

describe("age reads what Sluice writes", () => {
  it("age-keygen -y gives the recipient; age -r encrypts to it and age -d -i decrypts", async () => {
    const { out } = await encode("x25519", ["age-identity", "age-recipient"])
    expect(out["age-identity"]).toMatch(/^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)\n# public key: age1[0-9a-z]{58}\nAGE-SECRET-KEY-1[0-9A-Z]{58}\n$/)
    const identity = file(out["age-identity"], "identity.txt")
    const recipient = out["age-recipient"].trim()
    expect(run("age-keygen", ["-y", identity]).trim()).toBe(recipient)
    const message = "a message for the key Sluice made\n"
    const sealed = execFileSync("age", ["-r", recipient], { input: message })
    expect(execFileSync("age", ["-d", "-i", identity], { input: sealed, encoding: "utf8" })).toBe(message)
  })
})

describe("Sluice reads what the tools write", () => {
  const sshTypes: ReadonlyArray<[string, ReadonlyArray<string>]> = [
    ["ed25519", ["-t", "ed25519"]],
    ["ecdsa-p256", ["-t", "ecdsa", "-b", "256"]],
    ["ecdsa-p384", ["-t", "ecdsa", "-b", "384"]],
    ["ecdsa-p521", ["-t", "ecdsa", "-b", "521"]],
    ["rsa-3072", ["-t", "rsa"]]
  ]
  it.each(sshTypes)("ssh-keygen %s: the same public key and fingerprint, with and without a passphrase", (type, args) => {
    for (const passphrase of ["", PASS]) {
      const path = fresh("id")
      run("ssh-keygen", [...args, "-q", "-N", passphrase, "-C", "made by ssh-keygen", "-f", path])
      const pub = readFileSync(`${path}.pub`, "utf8")
      const { pair, comment } = parseOpensshPrivateKey(readFileSync(path, "utf8"), passphrase === "" ? undefined : text(passphrase))
      expect(pair.type).toBe(type)
      expect(comment).toBe("made by ssh-keygen")
      expect(keyPart(authorizedKeysLine(pair))).toBe(keyPart(pub))
      expect(samePublic(parseAuthorizedKey(pub).key, pair)).toBe(true)
      expect(sshFingerprint(pair)).toBe(run("ssh-keygen", ["-lf", `${path}.pub`]).split(" ")[1])
      // And Sluice writes the same key back as ssh-keygen reads it.
      expect(keyPart(run("ssh-keygen", ["-y", "-f", file(opensshPrivateKey(pair, comment))]))).toBe(keyPart(pub))
    }
  }, 60_000)

  it("age-keygen: the same recipient as its `# public key:` line", () => {
    const path = fresh("age.txt")
    run("age-keygen", ["-o", path])
    const contents = readFileSync(path, "utf8")
    const pair = parseAgeIdentity(contents)
    const stated = /# public key: (age1\S+)/.exec(contents)![1]!
    expect(samePublic(parseAgeRecipient(stated), pair)).toBe(true)
  })

  const opensslTypes: ReadonlyArray<[KeyType, ReadonlyArray<string>]> = [
    ["ed25519", ["-algorithm", "ed25519"]],
    ["x25519", ["-algorithm", "x25519"]],
    ["ecdsa-p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]],
    ["ecdsa-p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]],
    ["ecdsa-p521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]],
    ["rsa-2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]]
  ]
  it.each(opensslTypes)("openssl genpkey %s: the same public key, plain and as openssl encrypts it", async (type, args) => {
    const pem = run("openssl", ["genpkey", ...args])
    const pair = parsePkcs8Pem(pem)
    expect(pair.type).toBe(type)
    expect(spkiPem(pair)).toBe(run("openssl", ["pkey", "-pubout"], pem))
    const encrypted = run("openssl", ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", `pass:${PASS}`], pem)
    expect(samePublic(await parseEncryptedPkcs8Pem(encrypted, text(PASS)), pair)).toBe(true)
    const scrypt = run("openssl", ["pkcs8", "-topk8", "-scrypt", "-passout", `pass:${PASS}`], pem)
    expect(samePublic(await parseEncryptedPkcs8Pem(scrypt, text(PASS)), pair)).toBe(true)
  }, 60_000)
})
