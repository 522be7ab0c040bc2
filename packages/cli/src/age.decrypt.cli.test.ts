/**
 * `sluice decrypt`'s outcomes beyond the vectors: a tampered file (exit 7; nothing at
 * -o FILE; on standard output the authenticated chunks and a line saying the output is
 * incomplete), age's messages for a passphrase file given identities and for an identity
 * file missing, and `--json`'s one object.
 */
import { execFileSync } from "node:child_process"
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from "node:fs"
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
