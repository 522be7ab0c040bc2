/**
 * `sluice derive scrypt|argon2id`: the built CLI against published vectors (RFC 7914 §12),
 * node:crypto and the reference argon2 CLI, in every encoding; its refusals (exit 2, one
 * line, before the secret is read); and `--calibrate`.
 */
import { argon2Sync, scryptSync } from "node:crypto"
import { execFileSync } from "node:child_process"
import { readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { sluice, useTempDir } from "./cli.testkit.js"

const dir = useTempDir("derive-mh")
const SALT = "00112233445566778899aabbccddeeff"
const ARGON = ["derive", "argon2id", "--memory", "64MiB", "--passes", "3", "--parallelism", "4", "--salt-hex", SALT, "--length", "32"]
const SCRYPT = ["derive", "scrypt", "--ln", "14", "--r", "8", "--p", "1", "--salt-hex", SALT, "--length", "32"]
const argonKey = argon2Sync("argon2id", { message: Buffer.from("hunter2"), nonce: Buffer.from(SALT, "hex"), memory: 65536, passes: 3, parallelism: 4, tagLength: 32 })
const scryptKey = scryptSync("hunter2", Buffer.from(SALT, "hex"), 32, { N: 2 ** 14, r: 8, p: 1 })
const unpadded = (b: Buffer) => b.toString("base64").replace(/=+$/, "")

describe("sluice derive argon2id", () => {
  it("prints node:crypto's key in hex (the default) and base64", async () => {
    const hex = await sluice(ARGON, { input: "hunter2\n" })
    expect(hex.stderr).toBe("")
    expect(hex.stdout).toBe(argonKey.toString("hex") + "\n")
    expect(hex.status).toBe(0)
    expect((await sluice([...ARGON, "--encoding", "base64"], { input: "hunter2" })).stdout).toBe(argonKey.toString("base64") + "\n")
  })

  it("prints the PHC string the reference argon2 CLI prints for the same parameters", async () => {
    // echo -n password | argon2 somesalt -id -t 3 -m 16 -p 4 -l 32 -e  (-m 16: 2^16 KiB)
    const reference = execFileSync("argon2", ["somesalt", "-id", "-t", "3", "-m", "16", "-p", "4", "-l", "32", "-e"], { input: "password" }).toString()
    const r = await sluice(["derive", "argon2id", "--memory", "65536", "--passes", "3", "--parallelism", "4", "--length", "32", "--salt", "somesalt", "--allow-short-salt", "--encoding", "phc"], { input: "password" })
    expect(r.stdout).toBe(reference)
    expect(r.stdout).toBe("$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$Zh/vvW8pvLyPRkarwyqdekZFu1wFlTf4pVh/Ma2+zM0\n")
  })

  it("writes raw bytes to -o FILE (mode 0600) and prints JSON with the parameters", async () => {
    const file = join(dir, "argon.key")
    expect((await sluice([...ARGON, "--encoding", "raw", "-o", file], { input: "hunter2" })).status).toBe(0)
    expect(readFileSync(file)).toEqual(argonKey)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const json = await sluice([...ARGON, "--json", "--encoding", "phc"], { input: "hunter2" })
    expect(JSON.parse(json.stdout)).toEqual({
      algorithm: "argon2id", memoryKiB: 65536, passes: 3, parallelism: 4, length: 32, encoding: "phc",
      key: `$argon2id$v=19$m=65536,t=3,p=4$ABEiM0RVZneImaq7zN3u/w$${unpadded(argonKey)}`
    })
  })

  it("takes associated data (RFC 9106's X) as hex", async () => {
    const ad = Buffer.from("0404040404", "hex")
    const expected = argon2Sync("argon2id", { message: Buffer.from("hunter2"), nonce: Buffer.from(SALT, "hex"), memory: 64, passes: 1, parallelism: 1, tagLength: 16, associatedData: ad })
    const r = await sluice(["derive", "argon2id", "--memory", "64", "--passes", "1", "--parallelism", "1", "--salt-hex", SALT, "--length", "16", "--ad-hex", "0404040404"], { input: "hunter2" })
    expect(r.stdout).toBe(expected.toString("hex") + "\n")
  })
})

describe("sluice derive scrypt", () => {
  it("gives RFC 7914 §12's key for pleaseletmein / SodiumChloride, N = 16384", async () => {
    const r = await sluice(["derive", "scrypt", "--n", "16384", "--r", "8", "--p", "1", "--salt", "SodiumChloride", "--allow-short-salt", "--length", "64"], { input: "pleaseletmein" })
    expect(r.stdout).toBe("7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887\n")
    expect(r.status).toBe(0)
  })

  it("prints node:crypto's key in hex, base64, raw, and passlib's PHC string", async () => {
    expect((await sluice(SCRYPT, { input: "hunter2" })).stdout).toBe(scryptKey.toString("hex") + "\n")
    expect((await sluice([...SCRYPT, "--encoding", "base64"], { input: "hunter2" })).stdout).toBe(scryptKey.toString("base64") + "\n")
    const file = join(dir, "scrypt.key")
    expect((await sluice([...SCRYPT, "--encoding", "raw", "-o", file], { input: "hunter2" })).status).toBe(0)
    expect(readFileSync(file)).toEqual(scryptKey)
    // passlib's documented hash of "password".
    const phc = await sluice(["derive", "scrypt", "--ln", "16", "--r", "8", "--p", "1", "--salt-base64", "aM15713r3Xsvxbi31lqr1Q==", "--length", "32", "--encoding", "phc"], { input: "password" })
    expect(phc.stdout).toBe("$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E\n")
  })
})

describe("sluice derive scrypt|argon2id refuses absurd parameters: exit 2, one line, before the secret is read", () => {
  it.each([
    [[...ARGON.slice(0, 3), "8GiB", ...ARGON.slice(4)], "sluice: argon2id: these parameters need 8192 MiB of memory, more than the ceiling of 4096 MiB"],
    [[...ARGON, "--max-memory", "32MiB"], "sluice: argon2id: these parameters need 64 MiB of memory, more than the ceiling of 32 MiB"],
    [ARGON.map((a) => a === "3" ? "0" : a), "sluice: argon2id: passes must be a whole number from 1 to 256 (got 0)"],
    [ARGON.map((a) => a === SALT ? "00112233445566778899" : a), "sluice: argon2id: the salt has 10 bytes, fewer than 16 (allow it explicitly to reproduce a key made with a short salt)"],
    [[...ARGON.map((a) => a === SALT ? "0011223344" : a), "--allow-short-salt"], "sluice: argon2id: the salt has 5 bytes, fewer than 8, the algorithm's minimum"],
    [[...ARGON, "--encoding", "phc", "--ad-hex", "00"], "sluice: --encoding phc: a PHC string has no associated data (--ad-hex)"],
    [[...ARGON, "--ln", "14"], "sluice: --ln is for scrypt; argon2id has none"],
    [[...ARGON.slice(0, 3), "64 bananas", ...ARGON.slice(4)], "sluice: --memory must be a whole number of KiB or one with a unit: KiB, MiB or GiB (got '64 bananas')"],
    [[...SCRYPT.slice(0, 3), "40", ...SCRYPT.slice(4)], "sluice: scrypt: logN must be a whole number from 1 to 30 (got 40)"],
    [[...SCRYPT.slice(0, 3), "24", ...SCRYPT.slice(4)], "sluice: scrypt: these parameters need 16384.0 MiB of memory, more than the ceiling of 4096 MiB"],
    [["derive", "scrypt", "--n", "100000", "--r", "8", "--p", "1", "--salt-hex", SALT, "--length", "32"], "sluice: --n must be a power of two, such as 131072 = 2^17 (got 100000)"],
    [SCRYPT.map((a) => a === "--p" ? "--p" : a === "1" ? "0" : a), "sluice: scrypt: p must be a whole number from 1 to 16 (got 0)"],
    [[...SCRYPT, "--hash", "sha256"], "sluice: --hash is for pbkdf2 and hkdf; scrypt has its own"],
    [["derive", "scrypt", "--r", "8", "--p", "1", "--salt-hex", SALT, "--length", "32"], "sluice: scrypt needs N: --ln (log2 N, such as 17) or --n (a power of two, such as 131072)"],
    [["derive", "pbkdf2", "--hash", "sha256", "--iterations", "1000", "--salt-hex", SALT, "--length", "32", "--encoding", "phc"], "sluice: --encoding phc is for scrypt and argon2id; pbkdf2 has no PHC string"]
  ])("%j", async (args, message) => {
    const r = await sluice(args, { input: "hunter2" })
    expect(r.stderr).toBe(message + "\n")
    expect(r.stdout).toBe("")
    expect(r.status).toBe(2)
  })
})

describe("sluice derive --calibrate", () => {
  it("argon2id: measures on a worker and prints parameters within the memory ceiling, and the command to use them", async () => {
    const r = await sluice(["derive", "argon2id", "--calibrate", "150ms", "--max-memory", "32MiB"])
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    const [summary, command] = r.stdout.trimEnd().split("\n")
    expect(summary).toMatch(/^argon2id: m=\d+ KiB \([\d.]+ MiB\), t=\d+, p=4: \d+\.\d\d s on this machine \(target 0\.15 s; memory ceiling 32 MiB(, reached)?\)$/)
    expect(command).toMatch(/^sluice derive argon2id --memory \d+(MiB|KiB) --passes \d+ --parallelism 4 --length 32 --salt-hex [0-9a-f]{32}$/)
    // The command it prints runs.
    const args = command!.split(" ").slice(1)
    const derived = await sluice(args, { input: "hunter2" })
    expect(derived.stdout).toMatch(/^[0-9a-f]{64}\n$/)
  })

  it("scrypt and pbkdf2, as JSON", async () => {
    const scrypt = JSON.parse((await sluice(["derive", "scrypt", "--calibrate", "100ms", "--max-memory", "16MiB", "--json"])).stdout)
    expect(scrypt).toMatchObject({ algorithm: "scrypt", r: 8, p: 1, length: 32, targetMs: 100, maxMemoryBytes: 16 * 1024 * 1024 })
    expect(128 * 8 * 2 ** scrypt.logN).toBeLessThanOrEqual(16 * 1024 * 1024)
    const pbkdf2 = JSON.parse((await sluice(["derive", "pbkdf2", "--hash", "sha512", "--calibrate", "100ms", "--length", "64", "--json"])).stdout)
    expect(pbkdf2).toMatchObject({ algorithm: "pbkdf2-sha512", length: 64, limitedBy: "time" })
    expect(pbkdf2.iterations % 1000).toBe(0)
  })

  it.each([
    [["derive", "hkdf", "--hash", "sha256", "--calibrate", "500ms"], "sluice: --calibrate is for password hashes (argon2id, scrypt, pbkdf2): hkdf has no cost to tune"],
    [["derive", "argon2id", "--calibrate", "soon"], "sluice: --calibrate takes a time from 10ms to 600s, such as 500ms or 2s (got 'soon')"],
    [["derive", "argon2id", "--calibrate", "500ms", "--memory", "64MiB"], "sluice: --calibrate chooses the parameters: leave out --memory"],
    [["derive", "scrypt", "--calibrate", "500ms", "--max-memory", "1024"], "sluice: --max-memory must be a whole number or one with a unit: KiB, MiB or GiB (got '1024')"]
  ])("refuses %j, exit 2", async (args, message) => {
    const r = await sluice(args)
    expect(r.stderr).toBe(message + "\n")
    expect(r.status).toBe(2)
  })
})
