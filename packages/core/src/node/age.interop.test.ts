/**
 * age files between Sluice's library (the Promise wrappers, 2 workers) and Debian's `age`
 * (1.1.1; `bash scripts/peers.sh` installs it): X25519 both ways at the STREAM's edge sizes
 * and ~5 MiB, armored both ways, and a passphrase both ways through a terminal.
 */
import { Effect, Stream } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { parseIdentityFile } from "../age/identities.js"
import { parseRecipient } from "../age/recipients.js"
import { PathSource } from "../engine/Source.js"
import { decrypt, decryptFile, encrypt, encryptFile, layer } from "./node.js"

const workerUrl = new URL("../../dist/platform/node-worker.js", import.meta.url)
const options = { workers: 2, workerUrl }
const dir = mkdtempSync(join(tmpdir(), "sluice-age-peer-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const path = (name: string) => join(dir, `${n++}-${name}`)

const keyFile = path("key.txt")
execFileSync("age-keygen", ["-o", keyFile], { stdio: "ignore" })
const publicKey = execFileSync("age-keygen", ["-y", keyFile], { encoding: "utf8" }).trim()
const parsedRecipient = parseRecipient(publicKey)
if (parsedRecipient._tag !== "Recipient") throw new Error(parsedRecipient.problem)
const recipients = [parsedRecipient.recipient]
const parsedIdentities = parseIdentityFile(readFileSync(keyFile, "utf8"))
if (parsedIdentities._tag !== "Identities") throw new Error(parsedIdentities.problem)
const identities = parsedIdentities.identities

const plaintextFile = (size: number) => {
  const file = path("plain")
  const bytes = new Uint8Array(size)
  crypto.getRandomValues(bytes.subarray(0, Math.min(size, 65536)))
  for (let i = 65536; i < size; i++) bytes[i] = bytes[i - 65536]! ^ (i & 0xff)
  writeFileSync(file, bytes)
  return { file, bytes }
}

const same = (a: Uint8Array, b: Uint8Array) => expect(Buffer.compare(a, b)).toBe(0)
const SIZES = [0, 1, 65535, 65536, 65537, 131072, 5 * 1024 * 1024 + 7]

describe("X25519 with age 1.1.1", () => {
  it.each(SIZES)("age -d opens what encryptFile wrote (%i bytes)", async (size) => {
    const { bytes, file } = plaintextFile(size)
    const encrypted = path("sluice.age")
    await encryptFile(file, encrypted, { recipients, ...options })
    same(execFileSync("age", ["-d", "-i", keyFile, encrypted], { maxBuffer: 64 << 20 }), bytes)
  }, 30_000)

  it.each(SIZES)("decryptFile opens what age -e wrote (%i bytes)", async (size) => {
    const { bytes, file } = plaintextFile(size)
    const encrypted = path("age.age")
    execFileSync("age", ["-e", "-r", publicKey, "-o", encrypted, file])
    const out = path("out")
    const summary = await decryptFile(encrypted, out, { identities, ...options })
    expect(summary.plaintextBytes).toBe(size)
    same(readFileSync(out), bytes)
  }, 30_000)
})

describe("armored, with age 1.1.1", () => {
  it.each([0, 65536, 200_000])("age -d opens encrypt's armor (%i bytes)", async (size) => {
    const { bytes, file } = plaintextFile(size)
    const armored = await Effect.runPromise(encrypt(new PathSource({ path: file }), { recipients, armor: true }).pipe(
      Stream.runCollect,
      Effect.provide(layer(options))
    ))
    const encrypted = path("armored.age")
    writeFileSync(encrypted, Buffer.concat(Array.from(armored)))
    expect(readFileSync(encrypted, "latin1").startsWith("-----BEGIN AGE ENCRYPTED FILE-----\n")).toBe(true)
    same(execFileSync("age", ["-d", "-i", keyFile, encrypted], { maxBuffer: 64 << 20 }), bytes)
  }, 30_000)

  it.each([0, 65536, 200_000])("age -d opens encryptFile's armor, written whole to the file (%i bytes)", async (size) => {
    const { bytes, file } = plaintextFile(size)
    const encrypted = path("armored-file.age")
    const summary = await encryptFile(file, encrypted, { recipients, armor: true, ...options })
    expect(summary.plaintextBytes).toBe(size)
    expect(summary.ciphertextBytes).toBe(readFileSync(encrypted).length)
    same(execFileSync("age", ["-d", "-i", keyFile, encrypted], { maxBuffer: 64 << 20 }), bytes)
  }, 30_000)

  it.each([0, 65536, 200_000])("decrypt and decryptFile open age -a's armor (%i bytes)", async (size) => {
    const { bytes, file } = plaintextFile(size)
    const encrypted = path("age-armored.age")
    execFileSync("age", ["-e", "-a", "-r", publicKey, "-o", encrypted, file])
    const streamed = await Effect.runPromise(decrypt(new PathSource({ path: encrypted }), { identities }).pipe(
      Stream.runCollect,
      Effect.provide(layer(options)),
      Effect.provide((await import("./NodeByteSource.js")).layer)
    ))
    same(Buffer.concat(Array.from(streamed)), bytes)
    const out = path("out")
    await decryptFile(encrypted, out, { identities, ...options })
    same(readFileSync(out), bytes)
  }, 30_000)
})

/** age reads a passphrase from its terminal only: a pty from util-linux's script(1), the passphrase typed ahead. */
const withPty = (command: string, typed: string): string =>
  execFileSync("script", ["-qec", command, "/dev/null"], { input: typed, encoding: "utf8" })

describe("a passphrase, with age 1.1.1 through a terminal", () => {
  const passphrase = "correct horse battery staple"
  const encoded = new TextEncoder().encode(passphrase)

  it("age -d opens encryptFile's passphrase file (work factor 18, scrypt on a worker)", async () => {
    const { bytes, file } = plaintextFile(100_000)
    const encrypted = path("pass.age")
    await encryptFile(file, encrypted, { passphrase: encoded, ...options })
    const out = path("out")
    withPty(`age -d -o ${out} ${encrypted}`, `${passphrase}\n`)
    same(readFileSync(out), bytes)
  }, 60_000)

  it("decryptFile opens age -p's file, and a wrong passphrase is BadPassphrase with nothing written", async () => {
    const { bytes, file } = plaintextFile(100_000)
    const encrypted = path("age-pass.age")
    withPty(`age -p -o ${encrypted} ${file}`, `${passphrase}\n${passphrase}\n`)
    const out = path("out")
    await decryptFile(encrypted, out, { passphrase: async () => encoded.slice(), ...options })
    same(readFileSync(out), bytes)
    const wrong = path("wrong")
    await expect(decryptFile(encrypted, wrong, { passphrase: new TextEncoder().encode("not it"), ...options })).rejects.toMatchObject({
      reason: { _tag: "BadPassphrase" }
    })
    expect(() => readFileSync(wrong)).toThrow()
  }, 60_000)
})
