/**
 * `sluice decrypt`'s outcomes beyond the vectors: a tampered file (exit 7; nothing at
 * -o FILE; on standard output the authenticated chunks and a line saying the output is
 * incomplete), age's messages for a passphrase file given identities and for an identity
 * file missing, and `--json`'s one object.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, createReadStream, existsSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { binPath, expectCleanStderr, pseudoRandomBytes, requireTools, sluice, useTempDir } from "./cli.testkit.js"

const dir = useTempDir("age-decrypt")
const SIZE = 200_000

beforeAll(async () => {
  requireTools("age-keygen")
  execFileSync("age-keygen", ["-o", "key.txt"], { cwd: dir, stdio: "ignore" })
  const recipient = execFileSync("age-keygen", ["-y", "key.txt"], { cwd: dir, encoding: "utf8" }).trim()
  writeFileSync(join(dir, "plain"), pseudoRandomBytes(SIZE))
  expect((await sluice(["encrypt", "-r", recipient, "-o", "good.age", "plain"], { cwd: dir })).status).toBe(0)
  const bytes = readFileSync(join(dir, "good.age"))
  // A bit flipped in the last chunk (chunk 3: the file holds 3 full chunks and a short one).
  bytes[bytes.length - 100]! ^= 1
  writeFileSync(join(dir, "bad.age"), bytes)
  expect((await sluice(["encrypt", "-p", "-o", "pw.age", "plain"], { cwd: dir, env: { SLUICE_PASSPHRASE: "pw" } })).status).toBe(0)
  execFileSync("age", ["-a", "-r", recipient, "-o", "armored.age", "plain"], { cwd: dir })
  const armored = readFileSync(join(dir, "armored.age"), "utf8")
  writeFileSync(join(dir, "armor-blank-lines.age"), `\n \t\r\n${armored}\n\n`)
  writeFileSync(join(dir, "armor-garbage.age"), `garbage\n${armored}`)
  writeFileSync(join(dir, "armor-indented.age"), `  ${armored}`)
  requireTools("age", "ssh-keygen")
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", "id_ed25519"], { cwd: dir, stdio: "ignore" })
  execFileSync("age", ["-R", "id_ed25519.pub", "-o", "ssh.age", "plain"], { cwd: dir })
  // The stanza's body (the line after "-> ssh-ed25519 TAG SHARE") changed in its first character:
  // the tag still names the key, the wrapped file key no longer opens.
  const lines = readFileSync(join(dir, "ssh.age"), "latin1").split("\n")
  const body = lines.findIndex((line) => line.startsWith("-> ssh-ed25519 ")) + 1
  lines[body] = (lines[body]![0] === "A" ? "B" : "A") + lines[body]!.slice(1)
  writeFileSync(join(dir, "ssh-bad.age"), Buffer.from(lines.join("\n"), "latin1"))
}, 60_000)

describe("a tampered file", () => {
  it("to -o FILE: exit 7, the chunk named, nothing written", async () => {
    const r = await sluice(["decrypt", "-i", "key.txt", "-o", "bad.out", "bad.age"], { cwd: dir })
    expect(r.status).toBe(7)
    expect(r.stderr).toBe("sluice: chunk 3 of the payload failed to authenticate: the file was tampered with or damaged\nsluice: bad.out: not written\n")
    expect(existsSync(join(dir, "bad.out"))).toBe(false)
  })

  it("to standard output: exit 7, only the authenticated chunks, and a line saying the output is incomplete", () => {
    let stdout: Buffer = Buffer.alloc(0)
    let stderr = ""
    let status = 0
    try {
      execFileSync(process.execPath, [binPath, "decrypt", "-i", "key.txt", "bad.age"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
    } catch (error) {
      const e = error as { status: number; stdout: Buffer; stderr: Buffer }
      ;({ status, stdout } = e)
      stderr = e.stderr.toString("utf8")
    }
    expect(status).toBe(7)
    expect(stdout.equals(readFileSync(join(dir, "plain")).subarray(0, 3 * 65536))).toBe(true)
    expectCleanStderr(stderr)
    expect(stderr).toMatch(/^sluice: chunk 3 of the payload failed to authenticate/)
    expect(stderr).toMatch(/the output is incomplete, do not use it\n$/)
  })
})

describe("an SSH stanza that names the key but does not open under it", () => {
  it("exit 7 with age's 'failed to decrypt file key' (age -d fails on it too), nothing written", async () => {
    const r = await sluice(["decrypt", "-i", "id_ed25519", "-o", "ssh.out", "ssh-bad.age"], { cwd: dir })
    expect(r.status).toBe(7)
    expect(r.stderr).toBe(
      "sluice: failed to decrypt file key: the ssh-ed25519 stanza names this identity's key but does not open under it (the file was tampered with or damaged)\n" +
        "sluice: ssh.out: not written\n"
    )
    expect(existsSync(join(dir, "ssh.out"))).toBe(false)
    expect(() => execFileSync("age", ["-d", "-i", "id_ed25519", "ssh-bad.age"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] })).toThrow(/failed to decrypt file key/)
    const good = await sluice(["decrypt", "-i", "id_ed25519", "-o", "ssh.out", "ssh.age"], { cwd: dir })
    expect(good.status, good.stderr).toBe(0)
  })
})

describe("whitespace and bytes around armor", () => {
  it("blank lines before and after are taken (the spec; age >= 1.2); bytes before, or spaces on the BEGIN line, are MalformedArmor, exit 3", async () => {
    const ok = await sluice(["decrypt", "-i", "key.txt", "-o", "blank.out", "armor-blank-lines.age"], { cwd: dir })
    expect(ok.status, ok.stderr).toBe(0)
    expect(readFileSync(join(dir, "blank.out")).equals(readFileSync(join(dir, "plain")))).toBe(true)
    for (const [file, detail] of [["armor-garbage.age", "data before the BEGIN line"], ["armor-indented.age", "whitespace before the BEGIN line on its line"]]) {
      const r = await sluice(["decrypt", "-i", "key.txt", "-o", "bad-armor.out", file!], { cwd: dir })
      expect(r.status, file).toBe(3)
      expect(r.stderr, file).toBe(`sluice: malformed age armor: ${detail}\n`)
      // Debian's age refuses both too (as a header: it looks for armor only at the first byte).
      expect(() => execFileSync("age", ["-d", "-i", "key.txt", file!], { cwd: dir, stdio: "ignore" }), file).toThrow()
    }
    expect(existsSync(join(dir, "bad-armor.out"))).toBe(false)
  })
})

describe("the mode of -o FILE", () => {
  it("is age's: 0666 less the umask for a new file, the old file's own for one replaced", async () => {
    const umask = process.umask()
    const r = await sluice(["decrypt", "-i", "key.txt", "-o", "mode.out", "good.age"], { cwd: dir })
    expect(r.status, r.stderr).toBe(0)
    execFileSync("age", ["-d", "-i", "key.txt", "-o", "mode.age.out", "good.age"], { cwd: dir })
    expect(statSync(join(dir, "mode.out")).mode & 0o777).toBe(0o666 & ~umask)
    expect(statSync(join(dir, "mode.out")).mode & 0o777).toBe(statSync(join(dir, "mode.age.out")).mode & 0o777)
    for (const name of ["mode.out", "mode.age.out"]) chmodSync(join(dir, name), 0o640)
    expect((await sluice(["decrypt", "-i", "key.txt", "-o", "mode.out", "good.age"], { cwd: dir })).status).toBe(0)
    execFileSync("age", ["-d", "-i", "key.txt", "-o", "mode.age.out", "good.age"], { cwd: dir })
    expect(statSync(join(dir, "mode.out")).mode & 0o777).toBe(0o640)
    expect(statSync(join(dir, "mode.age.out")).mode & 0o777).toBe(0o640)
  })
})

describe("-o a FIFO or a device (/dev/null): written in order as a pipe is, never replaced by a file", () => {
  /** Everything written to the FIFO `name` while `run` runs. */
  const drained = async (name: string, run: () => Promise<{ readonly status: number | null; readonly stderr: string }>) => {
    const chunks: Array<Buffer> = []
    const reading = new Promise<void>((resolve, reject) => {
      createReadStream(join(dir, name)).on("data", (c) => chunks.push(c as Buffer)).on("end", resolve).on("error", reject)
    })
    const r = await run()
    await reading
    return { ...r, bytes: Buffer.concat(chunks) }
  }

  it("encrypt and decrypt through a FIFO give the plaintext back, and the FIFO stays a FIFO", async () => {
    execFileSync("mkfifo", ["pipe1"], { cwd: dir })
    const recipient = execFileSync("age-keygen", ["-y", "key.txt"], { cwd: dir, encoding: "utf8" }).trim()
    const sealed = await drained("pipe1", () => sluice(["encrypt", "-r", recipient, "-o", "pipe1", "plain"], { cwd: dir }))
    expect(sealed.status).toBe(0)
    expect(statSync(join(dir, "pipe1")).isFIFO()).toBe(true)
    writeFileSync(join(dir, "via-fifo.age"), sealed.bytes)
    const opened = await drained("pipe1", () => sluice(["decrypt", "-i", "key.txt", "-o", "pipe1", "via-fifo.age"], { cwd: dir }))
    expect(opened.status).toBe(0)
    expect(Buffer.compare(opened.bytes, readFileSync(join(dir, "plain")))).toBe(0)
    expect(statSync(join(dir, "pipe1")).isFIFO()).toBe(true)
  })

  it("a tampered file to a FIFO: exit 7, only the authenticated chunks, a line saying the output is incomplete", async () => {
    execFileSync("mkfifo", ["pipe2"], { cwd: dir })
    const r = await drained("pipe2", () => sluice(["decrypt", "-i", "key.txt", "-o", "pipe2", "bad.age"], { cwd: dir }))
    expect(r.status).toBe(7)
    expect(r.stderr).toBe(
      "sluice: chunk 3 of the payload failed to authenticate: the file was tampered with or damaged\n" +
        "sluice: pipe2: only the chunks before it were written; the output is incomplete, do not use it\n"
    )
    expect(Buffer.compare(r.bytes, readFileSync(join(dir, "plain")).subarray(0, 3 * 65536))).toBe(0)
    expect(statSync(join(dir, "pipe2")).isFIFO()).toBe(true)
  })
})

describe("-o /dev/null: the workers write the device themselves", () => {
  it("encrypt and decrypt count every byte (--json), exit 0, and /dev/null stays the null device", async () => {
    const recipient = execFileSync("age-keygen", ["-y", "key.txt"], { cwd: dir, encoding: "utf8" }).trim()
    const sealed = await sluice(["encrypt", "--json", "-r", recipient, "-o", "/dev/null", "plain"], { cwd: dir })
    expect(sealed.status, sealed.stderr).toBe(0)
    expect(JSON.parse(sealed.stdout)).toMatchObject({ operation: "encrypt", plaintextBytes: SIZE })
    expect((JSON.parse(sealed.stdout) as { ciphertextBytes: number }).ciphertextBytes).toBeGreaterThan(SIZE)
    const opened = await sluice(["decrypt", "--json", "-i", "key.txt", "-o", "/dev/null", "good.age"], { cwd: dir })
    expect(opened.status, opened.stderr).toBe(0)
    expect(JSON.parse(opened.stdout)).toMatchObject({ operation: "decrypt", plaintextBytes: SIZE, ciphertextBytes: readFileSync(join(dir, "good.age")).length })
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true)
  })

  it("a tampered file: exit 7 with the chunk named", async () => {
    const r = await sluice(["decrypt", "-i", "key.txt", "-o", "/dev/null", "bad.age"], { cwd: dir })
    expect(r.status).toBe(7)
    expect(r.stderr).toContain("sluice: chunk 3 of the payload failed to authenticate")
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true)
  })
})

describe("age's messages", () => {
  it("a passphrase-encrypted file given -i: age's error and hint, exit 2", async () => {
    const r = await sluice(["decrypt", "-i", "key.txt", "-o", "pw.out", "pw.age"], { cwd: dir })
    expect(r.status).toBe(2)
    expect(r.stderr).toBe("sluice: file is passphrase-encrypted but identities were specified with -i/--identity\nsluice: hint: remove all -i/--identity flags to decrypt passphrase-encrypted files\n")
  })

  it("a file for recipients, given no -i: age's error and hint, exit 6", async () => {
    const r = await sluice(["decrypt", "-o", "x.out", "good.age"], { cwd: dir })
    expect(r.status).toBe(6)
    expect(r.stderr).toBe("sluice: the file is not passphrase-encrypted, identities are required\nsluice: hint: specify identities with -i/--identity to decrypt this file\n")
  })
})

describe("--json", () => {
  it("one object on standard output: bytes, time and rate; or the error's reason and exit code", async () => {
    const ok = await sluice(["decrypt", "--json", "-i", "key.txt", "-o", "json.out", "good.age"], { cwd: dir })
    expect(ok.status).toBe(0)
    const summary = JSON.parse(ok.stdout) as Record<string, unknown>
    expect(summary).toMatchObject({ operation: "decrypt", output: "json.out", plaintextBytes: SIZE, ciphertextBytes: readFileSync(join(dir, "good.age")).length })
    expect(typeof summary["seconds"]).toBe("number")
    const bad = await sluice(["decrypt", "--json", "-i", "key.txt", "-o", "json2.out", "bad.age"], { cwd: dir })
    expect(bad.status).toBe(7)
    expect(JSON.parse(bad.stdout)).toEqual({ operation: "decrypt", output: "json2.out", error: "Tampered", exitCode: 7 })
    const enc = await sluice(["encrypt", "--json", "-p", "-o", "json.age", "plain"], { cwd: dir, env: { SLUICE_PASSPHRASE: "pw" } })
    expect(enc.status).toBe(0)
    expect(JSON.parse(enc.stdout)).toMatchObject({ operation: "encrypt", output: "json.age", plaintextBytes: SIZE, ciphertextBytes: readFileSync(join(dir, "json.age")).length })
  })
})
