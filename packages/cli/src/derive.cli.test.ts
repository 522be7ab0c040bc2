/**
 * `sluice derive`: the built CLI against published vectors (RFC 5869 A.1-A.3, RFC 7914
 * §11), its refusals (exit 2, one line, before the secret is read), and its outputs.
 */
import { pbkdf2Sync } from "node:crypto"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { sluice, useTempDir } from "./cli.testkit.js"
import { onPty } from "./pty.testkit.js"

const dir = useTempDir("derive")
const range = (from: number, to: number) => Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i))

describe("sluice derive gives the published keys", () => {
  it.each([
    {
      name: "RFC 5869 A.1",
      args: ["hkdf", "--hash", "sha256", "--salt-hex", range(0x00, 0x0c).toString("hex"), "--info-hex", range(0xf0, 0xf9).toString("hex"), "--length", "42"],
      input: Buffer.alloc(22, 0x0b),
      key: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    },
    {
      name: "RFC 5869 A.2",
      args: ["hkdf", "--hash", "sha256", "--salt-hex", range(0x60, 0xaf).toString("hex"), "--info-hex", range(0xb0, 0xff).toString("hex"), "--length", "82"],
      input: range(0x00, 0x4f),
      key: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"
    },
    {
      name: "RFC 5869 A.3 (no salt, no info)",
      args: ["hkdf", "--hash", "sha256", "--length", "42"],
      input: Buffer.alloc(22, 0x0b),
      key: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    },
    {
      name: "RFC 7914 §11 passwd/salt c=1",
      args: ["pbkdf2", "--hash", "sha256", "--iterations", "1", "--salt", "salt", "--allow-short-salt", "--length", "64"],
      input: "passwd",
      key: "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
    },
    {
      name: "RFC 7914 §11 Password/NaCl c=80000, the password echoed with a newline",
      args: ["pbkdf2", "--hash", "sha256", "--iterations", "80000", "--salt-base64", Buffer.from("NaCl").toString("base64"), "--allow-short-salt", "--length", "64"],
      input: "Password\n",
      key: "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"
    }
  ])("$name", async ({ args, input, key }) => {
    const r = await sluice(["derive", ...args], { input })
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe(key + "\n")
    expect(r.status).toBe(0)
  })
})

const PBKDF2 = ["derive", "pbkdf2", "--hash", "sha512", "--iterations", "1000", "--salt-hex", "00112233445566778899aabbccddeeff", "--length", "32"]

describe("sluice derive refuses bad parameters: exit 2, one line, before the secret is read", () => {
  it.each([
    [["--iterations", "0"], "sluice: pbkdf2-sha512: iterations must be a whole number from 1 to 100000000 (got 0)"],
    [["--iterations", "1000000000"], "sluice: pbkdf2-sha512: iterations must be a whole number from 1 to 100000000 (got 1000000000)"],
    [["--iterations", "6e5"], "sluice: --iterations must be a whole number (got '6e5')"],
    [["--salt-hex", "0011"], "sluice: pbkdf2-sha512: the salt has 2 bytes, fewer than 16 (allow it explicitly to reproduce a key made with a short salt)"],
    [["--salt-hex", "xyz"], "sluice: --salt-hex must be an even number of hex digits"],
    [["--salt", "a-salt-of-20-bytes!!"], "sluice: give the salt once: --salt, --salt-hex or --salt-base64"],
    [["--length", "0"], "sluice: pbkdf2-sha512: length must be a whole number from 1 to 1024 (got 0)"],
    [["--hash", "md5"], "sluice: unsupported hash 'md5' (sha256, sha512)"],
    [["--info", "x"], "sluice: --info is for hkdf; pbkdf2 has none"],
    [["--encoding", "raw"], "sluice: --encoding raw writes bytes: give -o FILE"]
  ])("%j", async (change, message) => {
    const args = [...PBKDF2]
    for (let i = 0; i < change.length; i += 2) {
      const at = args.indexOf(change[i]!)
      if (at >= 0) args[at + 1] = change[i + 1]!
      else args.push(change[i]!, change[i + 1]!)
    }
    // A secret that must not matter: the parameters are refused before it is read.
    const r = await sluice(args, { input: "hunter2" })
    expect(r.stderr).toBe(message + "\n")
    expect(r.stdout).toBe("")
    expect(r.status).toBe(2)
    expect(r.stderr).not.toContain("hunter2")
  })

  it.each([
    [["hkdf", "--hash", "sha512", "--length", "16321"], "sluice: hkdf-sha512: length must be a whole number from 1 to 16320 (got 16321)"],
    [["hkdf", "--hash", "sha256", "--length", "8161"], "sluice: hkdf-sha256: length must be a whole number from 1 to 8160 (got 8161)"],
    [["hkdf", "--hash", "sha256", "--length", "32", "--iterations", "5"], "sluice: --iterations is for pbkdf2; hkdf has none"],
    [["bcrypt", "--hash", "sha256", "--length", "32"], "sluice: unknown key derivation 'bcrypt' (pbkdf2, hkdf, scrypt, argon2id)"],
    [["pbkdf2", "--hash", "sha256", "--length", "32", "--iterations", "10"], "sluice: pbkdf2 needs a salt: --salt, --salt-hex or --salt-base64"],
    [["pbkdf2", "--length", "32"], "sluice: --hash is required (sha256, sha512)"]
  ])("%j", async (args, message) => {
    const r = await sluice(["derive", ...args], { input: "hunter2" })
    expect(r.stderr).toBe(message + "\n")
    expect(r.status).toBe(2)
  })

  it("on a terminal: asks 'Password: ' without echo (Backspace takes a byte back), and derives the key of what was typed", () => {
    const r = onPty(PBKDF2, { cwd: dir, answers: [["Password: ", "hunter2x\x7f"]] })
    expect(r.status, r.screen).toBe(0)
    expect(r.unanswered).toBe(0)
    expect(r.screen).not.toContain("hunter2")
    expect(r.screen).toContain(pbkdf2Sync("hunter2", Buffer.from("00112233445566778899aabbccddeeff", "hex"), 1000, 32, "sha512").toString("hex"))
  })

  it("an empty secret (standard input at its end) is refused, exit 2", async () => {
    const r = await sluice(PBKDF2)
    expect(r.stderr).toBe("sluice: the password is empty (give it on standard input, with --password-file, or at the prompt)\n")
    expect(r.status).toBe(2)
  })

  it("a password file that is missing is an input error, exit 3", async () => {
    const r = await sluice([...PBKDF2, "--password-file", join(dir, "missing")])
    expect(r.stderr).toBe(`sluice: ${join(dir, "missing")}: No such file or directory\n`)
    expect(r.status).toBe(3)
  })

  it("takes no secret from the command line", async () => {
    const r = await sluice([...PBKDF2, "--password", "hunter2"], { input: "x" })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^sluice: unknown option '--password'/)
    expect(r.stderr).not.toContain("hunter2")
  })
})

describe("sluice derive outputs", () => {
  // The same key from node:crypto in the test, as a cross-check.
  const expected = pbkdf2Sync("hunter2", Buffer.from("00112233445566778899aabbccddeeff", "hex"), 1000, 32, "sha512")

  it("reads the password from --password-file, one trailing newline dropped", async () => {
    const file = join(dir, "pw")
    writeFileSync(file, "hunter2\r\n")
    const r = await sluice([...PBKDF2, "--password-file", file])
    expect(r.stdout).toBe(expected.toString("hex") + "\n")
  })

  it("gives the same key on a worker thread (-w 1) and on the main thread (-w 0) as by default (libuv's threads)", async () => {
    for (const workers of ["1", "0"]) {
      const r = await sluice([...PBKDF2, "-w", workers], { input: "hunter2" })
      expect(r.stdout).toBe(expected.toString("hex") + "\n")
      expect(r.status).toBe(0)
    }
  })

  it("prints base64, and JSON with the parameters", async () => {
    expect((await sluice([...PBKDF2, "--encoding", "base64"], { input: "hunter2" })).stdout).toBe(expected.toString("base64") + "\n")
    const r = await sluice([...PBKDF2, "--json"], { input: "hunter2" })
    expect(JSON.parse(r.stdout)).toEqual({ algorithm: "pbkdf2-sha512", iterations: 1000, length: 32, encoding: "hex", key: expected.toString("hex") })
  })

  it("writes raw bytes to -o FILE with mode 0600, even over a world-readable file", async () => {
    const file = join(dir, "key.bin")
    writeFileSync(file, "old", { mode: 0o644 })
    const r = await sluice([...PBKDF2, "--encoding", "raw", "-o", file], { input: "hunter2" })
    expect(r.status).toBe(0)
    expect(r.stdout).toBe("")
    expect(readFileSync(file)).toEqual(expected)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it("an -o FILE that cannot be written: exit 5, one line", async () => {
    const r = await sluice([...PBKDF2, "-o", join(dir, "no-such-dir", "key")], { input: "hunter2" })
    expect(r.status).toBe(5)
    expect(r.stderr).toMatch(/^sluice: .*no-such-dir\/key: not written: No such file or directory \(ENOENT\)\n$/)
  })

  it("says in its help why the secret is not an argument", async () => {
    const r = await sluice(["derive", "--help"])
    expect(r.status).toBe(0)
    expect(r.stdout.split("\n")[0]).toBe("Usage: sluice derive [options] <kdf>")
    expect(r.stdout).toContain("arguments are visible to every user of the")
    expect(r.stdout).toMatch(/^ {2}sluice derive pbkdf2 /m)
  })
})
