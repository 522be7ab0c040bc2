/**
 * Interop with Debian's `age` (1.1.1; `bash scripts/peers.sh` installs it) both ways:
 * Sluice encrypts and `age -d` decrypts, and the reverse, for X25519 (-r / -i), recipients
 * files (-R), armor, ssh-ed25519 and ssh-rsa keys made by ssh-keygen, and passphrases
 * (age -p on a pty; Sluice's from SLUICE_PASSPHRASE, --passphrase-fd and its own pty
 * prompt), at the sizes around a chunk's edges and several MiB.
 */
import { execFileSync } from "node:child_process"
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { binPath, pseudoRandomBytes, requireTools, sluice, tool, useTempDir } from "./cli.testkit.js"
import { commandOnPty, onPty } from "./pty.testkit.js"

const dir = useTempDir("age-interop")
const SIZES = [0, 1, 65535, 65536, 65537, 131072, 5 * 1024 * 1024 + 3]

let ageRecipient = ""

beforeAll(() => {
  requireTools("age", "age-keygen", "ssh-keygen")
  execFileSync("age-keygen", ["-o", "key.txt"], { cwd: dir, stdio: "ignore" })
  ageRecipient = execFileSync("age-keygen", ["-y", "key.txt"], { cwd: dir, encoding: "utf8" }).trim()
  writeFileSync(join(dir, "recipients.txt"), `# the team\n\n${ageRecipient}\n`)
  for (const [type, bits] of [["ed25519", []], ["rsa", ["-b", "3072"]]] as const) {
    execFileSync("ssh-keygen", ["-q", "-t", type, ...bits, "-N", "", "-C", "", "-f", `id_${type}`], { cwd: dir, stdio: "ignore" })
  }
  for (const size of SIZES) writeFileSync(join(dir, `p${size}`), pseudoRandomBytes(size, size + 1))
}, 60_000)

const plain = (size: number) => readFileSync(join(dir, `p${size}`))

/** `age ...args` in the test directory; its stdout as bytes. */
const age = (args: ReadonlyArray<string>) => execFileSync("age", [...args], { cwd: dir, maxBuffer: 64 * 1024 * 1024 })

const expectSame = (file: string, size: number) => expect(readFileSync(join(dir, file)).equals(plain(size))).toBe(true)

describe.each([
  { name: "X25519 (-r / -i)", encrypt: () => ["-r", ageRecipient], decrypt: ["-i", "key.txt"] },
  { name: "recipients file (-R)", encrypt: () => ["-R", "recipients.txt"], decrypt: ["-i", "key.txt"] },
  { name: "ssh-ed25519", encrypt: () => ["-R", "id_ed25519.pub"], decrypt: ["-i", "id_ed25519"] },
  { name: "ssh-rsa", encrypt: () => ["-R", "id_rsa.pub"], decrypt: ["-i", "id_rsa"] }
])("$name", ({ encrypt, decrypt }) => {
  it.each(SIZES)("sluice encrypt, age -d: %i bytes", async (size) => {
    const r = await sluice(["encrypt", ...encrypt(), "-o", `s${size}.age`, `p${size}`], { cwd: dir })
    expect(r.status, r.stderr).toBe(0)
    // To stdout: age 1.1.1 makes no -o file for an empty plaintext.
    expect(age(["-d", ...decrypt, `s${size}.age`]).equals(plain(size))).toBe(true)
  })

  it.each(SIZES)("age -e, sluice decrypt: %i bytes", async (size) => {
    age([...encrypt(), "-o", `a${size}.age`, `p${size}`])
    const r = await sluice(["decrypt", ...decrypt, "-o", `a${size}.out`, `a${size}.age`], { cwd: dir })
    expect(r.status, r.stderr).toBe(0)
    expectSame(`a${size}.out`, size)
  })
})

describe("armored", () => {
  it.each([0, 65536, 131072, 5 * 1024 * 1024 + 3])("sluice encrypt -a, age -d: %i bytes", async (size) => {
    const r = await sluice(["encrypt", "-a", "-r", ageRecipient, "-o", `sa${size}.age`, `p${size}`], { cwd: dir })
    expect(r.status, r.stderr).toBe(0)
    expect(readFileSync(join(dir, `sa${size}.age`), "latin1")).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/)
    expect(age(["-d", "-i", "key.txt", `sa${size}.age`]).equals(plain(size))).toBe(true)
  })

  it.each([0, 65536, 131072, 5 * 1024 * 1024 + 3])("age -a, sluice decrypt (to a file and to stdout): %i bytes", async (size) => {
    age(["-a", "-r", ageRecipient, "-o", `aa${size}.age`, `p${size}`])
    const r = await sluice(["decrypt", "-i", "key.txt", "-o", `aa${size}.out`, `aa${size}.age`], { cwd: dir })
    expect(r.status, r.stderr).toBe(0)
    expectSame(`aa${size}.out`, size)
    const piped = execFileSync(process.execPath, [binPath, "decrypt", "-i", "key.txt", `aa${size}.age`], { cwd: dir, maxBuffer: 64 * 1024 * 1024 })
    expect(piped.equals(plain(size))).toBe(true)
  })
})

describe("passphrases", () => {
  const PASSPHRASE = "correct horse battery staple"

  it("age -p (typed on a pty), sluice decrypt with SLUICE_PASSPHRASE and with --passphrase-fd", async () => {
    const typed = commandOnPty(["/usr/bin/age", "-p", "-o", "pw.age", "p65537"], {
      cwd: dir,
      answers: [["Enter passphrase", PASSPHRASE], ["Confirm passphrase", PASSPHRASE]]
    })
    expect(typed.status, typed.screen).toBe(0)
    const r = await sluice(["decrypt", "-o", "pw.out", "pw.age"], { cwd: dir, env: { SLUICE_PASSPHRASE: PASSPHRASE } })
    expect(r.status, r.stderr).toBe(0)
    expectSame("pw.out", 65537)
    writeFileSync(join(dir, "pw.txt"), PASSPHRASE + "\n")
    const fd = openSync(join(dir, "pw.txt"), "r")
    const fromFd = await sluice(["decrypt", "--passphrase-fd", "0", "-o", "pw2.out", "pw.age"], { cwd: dir, stdinFd: fd })
    closeSync(fd)
    expect(fromFd.status, fromFd.stderr).toBe(0)
    expectSame("pw2.out", 65537)
    const wrong = await sluice(["decrypt", "-o", "pw3.out", "pw.age"], { cwd: dir, env: { SLUICE_PASSPHRASE: "wrong" } })
    expect(wrong.status).toBe(6)
    expect(wrong.stderr).toBe("sluice: incorrect passphrase\n")
  })

  it("sluice encrypt -p typed on a pty (asked twice, not echoed), age -d typed on a pty", () => {
    const r = onPty(["encrypt", "-p", "-o", "sp.age", "p131072"], {
      cwd: dir,
      answers: [["Enter passphrase", PASSPHRASE], ["Confirm passphrase", PASSPHRASE]]
    })
    expect(r.status, r.screen).toBe(0)
    expect(r.screen).not.toContain("horse")
    const d = commandOnPty(["/usr/bin/age", "-d", "-o", "sp.out", "sp.age"], { cwd: dir, answers: [["Enter passphrase", PASSPHRASE]] })
    expect(d.status, d.screen).toBe(0)
    expectSame("sp.out", 131072)
  })

  it("sluice encrypt -p with an empty answer: a generated passphrase, printed, that age -d takes", () => {
    const r = onPty(["encrypt", "-p", "-o", "gen.age", "p1"], { cwd: dir, answers: [["Enter passphrase", ""]] })
    expect(r.status, r.screen).toBe(0)
    const made = /sluice: using autogenerated passphrase "([a-z]+(?:-[a-z]+){9})"/.exec(r.screen)?.[1]
    expect(made, r.screen).toBeDefined()
    const d = commandOnPty(["/usr/bin/age", "-d", "-o", "gen.out", "gen.age"], { cwd: dir, answers: [["Enter passphrase", made!]] })
    expect(d.status, d.screen).toBe(0)
    expectSame("gen.out", 1)
  })

  it("sluice encrypt -p --passphrase-fd 3 (a script), age -d", async () => {
    writeFileSync(join(dir, "pw4.txt"), PASSPHRASE)
    const r = tool("bash", ["-c", `cd '${dir}' && '${process.execPath}' '${binPath}' encrypt -p --passphrase-fd 3 -o fd.age p65535 3< pw4.txt`])
    expect(r.status, r.stderr).toBe(0)
    const d = commandOnPty(["/usr/bin/age", "-d", "-o", "fd.out", "fd.age"], { cwd: dir, answers: [["Enter passphrase", PASSPHRASE]] })
    expect(d.status, d.screen).toBe(0)
    expectSame("fd.out", 65535)
  })
})

describe("an SSH key protected by a passphrase", () => {
  it("sluice decrypt -i asks for the key's passphrase on the terminal when a stanza names the key", async () => {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "key pass", "-C", "", "-f", "id_locked"], { cwd: dir, stdio: "ignore" })
    age(["-R", "id_locked.pub", "-o", "locked.age", "p65537"])
    const r = onPty(["decrypt", "-i", "id_locked", "-o", "locked.out", "locked.age"], { cwd: dir, answers: [["Enter passphrase for", "key pass"]] })
    expect(r.status, r.screen).toBe(0)
    expect(r.unanswered).toBe(0)
    expectSame("locked.out", 65537)
  })
})

describe("a passphrase-encrypted identity file (age -p over an age-keygen file)", () => {
  const KEY_PASS = "identity file words"
  /** key.txt encrypted by Debian's age with a passphrase typed on a pty, binary or armored. */
  const encryptedKey = (name: string, armored: boolean) => {
    const typed = commandOnPty(["/usr/bin/age", "-p", ...(armored ? ["-a"] : []), "-o", name, "key.txt"], {
      cwd: dir,
      answers: [["Enter passphrase", KEY_PASS], ["Confirm passphrase", KEY_PASS]]
    })
    expect(typed.status, typed.screen).toBe(0)
  }

  it.each([["binary", false], ["armored", true]])("%s: sluice decrypt -i asks for its passphrase on the terminal, as age -d does", (_name, armored) => {
    const name = `key-${armored ? "a" : "b"}.age`
    encryptedKey(name, armored)
    age(["-r", ageRecipient, "-o", "forkey.age", "p65537"])
    const r = onPty(["decrypt", "-i", name, "-o", `forkey-${name}.out`, "forkey.age"], { cwd: dir, answers: [[`Enter passphrase for identity file "${name}"`, KEY_PASS]] })
    expect(r.status, r.screen).toBe(0)
    expect(r.unanswered).toBe(0)
    expect(r.screen).not.toContain(KEY_PASS)
    expectSame(`forkey-${name}.out`, 65537)
    const theirs = commandOnPty(["/usr/bin/age", "-d", "-i", name, "-o", `forkey-${name}.age.out`, "forkey.age"], { cwd: dir, answers: [["Enter passphrase for identity file", KEY_PASS]] })
    expect(theirs.status, theirs.screen).toBe(0)
    expectSame(`forkey-${name}.age.out`, 65537)
  })

  it("for scripts: SLUICE_PASSPHRASE or --passphrase-fd; a wrong one is exit 3 naming the file; --passphrase-fd with no encrypted -i is refused", async () => {
    encryptedKey("key-s.age", false)
    age(["-r", ageRecipient, "-o", "forkey-s.age", "p65535"])
    const env = await sluice(["decrypt", "-i", "key-s.age", "-o", "env.out", "forkey-s.age"], { cwd: dir, env: { SLUICE_PASSPHRASE: KEY_PASS } })
    expect(env.status, env.stderr).toBe(0)
    expectSame("env.out", 65535)
    writeFileSync(join(dir, "keypass.txt"), `${KEY_PASS}\n`)
    const fd = openSync(join(dir, "keypass.txt"), "r")
    const fromFd = await sluice(["decrypt", "-i", "key-s.age", "--passphrase-fd", "0", "-o", "fd-id.out", "forkey-s.age"], { cwd: dir, stdinFd: fd })
    closeSync(fd)
    expect(fromFd.status, fromFd.stderr).toBe(0)
    expectSame("fd-id.out", 65535)
    const wrong = await sluice(["decrypt", "-i", "key-s.age", "-o", "wrong.out", "forkey-s.age"], { cwd: dir, env: { SLUICE_PASSPHRASE: "not it" } })
    expect(wrong.status).toBe(3)
    expect(wrong.stderr).toBe("sluice: failed to decrypt identity file key-s.age: incorrect passphrase\n")
    // A file for another key: age's warning, then no match (exit 6).
    age(["-R", "id_ed25519.pub", "-o", "notforkey.age", "p1"])
    const other = await sluice(["decrypt", "-i", "key-s.age", "-o", "other.out", "notforkey.age"], { cwd: dir, env: { SLUICE_PASSPHRASE: KEY_PASS } })
    expect(other.status).toBe(6)
    expect(other.stderr).toBe(`sluice: warning: encrypted identity file "key-s.age" didn't match file's recipients\nsluice: no identity matched any of the file's recipients\n`)
    const noTerminal = await sluice(["decrypt", "-i", "key-s.age", "-o", "none.out", "forkey-s.age"], { cwd: dir })
    expect(noTerminal.status).toBe(2)
    expect(noTerminal.stderr.split("\n")[0]).toBe("sluice: a passphrase is needed and there is no terminal to type it at")
    const unused = await sluice(["decrypt", "-i", "key.txt", "--passphrase-fd", "3", "-o", "unused.out", "forkey-s.age"], { cwd: dir })
    expect(unused.status).toBe(2)
    expect(unused.stderr).toBe("sluice: --passphrase-fd 3: no passphrase is needed: no -i file is a passphrase-encrypted identity file\n")
  })

  it("sluice encrypt -i: to the identities' recipients (age -e -i), an encrypted identity file's after its passphrase; age -d -i opens it", async () => {
    encryptedKey("key-e.age", true)
    const plainKey = await sluice(["encrypt", "-i", "key.txt", "-o", "to-id.age", "p65536"], { cwd: dir })
    expect(plainKey.status, plainKey.stderr).toBe(0)
    expect(age(["-d", "-i", "key.txt", "to-id.age"]).equals(plain(65536))).toBe(true)
    const locked = await sluice(["encrypt", "-i", "key-e.age", "-i", "id_ed25519", "-o", "to-enc.age", "p65536"], { cwd: dir, env: { SLUICE_PASSPHRASE: KEY_PASS } })
    expect(locked.status, locked.stderr).toBe(0)
    expect(age(["-d", "-i", "key.txt", "to-enc.age"]).equals(plain(65536))).toBe(true)
    expect(age(["-d", "-i", "id_ed25519", "to-enc.age"]).equals(plain(65536))).toBe(true)
  })
})

describe("progress", () => {
  // The bar shows once the payload has been written for 400 ms: 512 MiB once took less than
  // that in CI (nothing drawn), so 2 GiB (~1-2.5 s of payload here).
  it("a bar on the terminal while a large file is encrypted to -o FILE, cleared at the end", () => {
    writeFileSync(join(dir, "sparse"), "")
    execFileSync("truncate", ["-s", "2G", "sparse"], { cwd: dir })
    const r = onPty(["encrypt", "-r", ageRecipient, "-o", "sparse.age", "sparse"], { cwd: dir, timeoutMs: 60_000 })
    rmSync(join(dir, "sparse.age"), { force: true })
    expect(r.status, r.screen).toBe(0)
    expect(r.screen).toMatch(/\[[#-]+\] +\d+% [\d.]+ \w+\/2\.0 GiB/)
    expect(r.screen.endsWith("\r\x1b[2K")).toBe(true)
  }, 90_000)
})

describe("decrypting to a terminal", () => {
  it("shows text, refuses plaintext with control characters (age's hint), and -o - forces it", async () => {
    writeFileSync(join(dir, "text.txt"), "line one\nline two\n")
    writeFileSync(join(dir, "esc.txt"), "clear \x1b[2J now\n")
    age(["-r", ageRecipient, "-o", "text.age", "text.txt"])
    age(["-r", ageRecipient, "-o", "esc.age", "esc.txt"])
    const text = onPty(["decrypt", "-i", "key.txt", "text.age"], { cwd: dir })
    expect(text.status, text.screen).toBe(0)
    expect(text.screen).toBe("line one\r\nline two\r\n")
    const esc = onPty(["decrypt", "-i", "key.txt", "esc.age"], { cwd: dir })
    expect(esc.status).toBe(2)
    expect(esc.screen).toBe(`sluice: refusing to output binary to the terminal\r\nsluice: hint: force anyway with "-o -"\r\n`)
    const forced = onPty(["decrypt", "-i", "key.txt", "-o", "-", "esc.age"], { cwd: dir })
    expect(forced.status).toBe(0)
    expect(forced.screen).toContain("\x1b[2J")
  })

  it("sluice encrypt -a to a terminal is allowed, and the armor decrypts", () => {
    const r = onPty(["encrypt", "-a", "-r", ageRecipient, "text.txt"], { cwd: dir })
    expect(r.status, r.screen).toBe(0)
    writeFileSync(join(dir, "tty.age"), r.screen.replaceAll("\r\n", "\n"))
    expect(age(["-d", "-i", "key.txt", "tty.age"]).toString("utf8")).toBe("line one\nline two\n")
  })
})
