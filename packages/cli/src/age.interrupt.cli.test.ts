/**
 * Ctrl-C in the middle of `sluice encrypt -o` and `sluice decrypt -o` (the pattern of
 * interrupt.cli.test.ts): exit 130 within a moment, one `sluice: interrupted; not
 * written: FILE` line, and nothing at the destination: no output, no temporary file, and
 * a file that was there keeps its content. Neither run resumes (help says why).
 */
import { execFileSync, spawn } from "node:child_process"
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { binPath, expectCleanStderr, requireTools, useTempDir } from "./cli.testkit.js"

const dir = useTempDir("age-interrupt")
const BIG_BYTES = 1024 * 1024 * 1024
let recipient = ""

beforeAll(() => {
  requireTools("age", "age-keygen")
  // Zeros without writing them: a sparse file costs no disk and no time to make.
  const fd = openSync(join(dir, "big.bin"), "w")
  ftruncateSync(fd, BIG_BYTES)
  closeSync(fd)
  execFileSync("age-keygen", ["-o", "key.txt"], { cwd: dir, stdio: "ignore" })
  recipient = execFileSync("age-keygen", ["-y", "key.txt"], { cwd: dir, encoding: "utf8" }).trim()
  execFileSync("age", ["-r", recipient, "-o", "big.age", "big.bin"], { cwd: dir })
}, 120_000)

const FILES = ["big.bin", "big.age", "key.txt"]

/**
 * Runs sluice, sends SIGINT 300 ms after its temporary file appears; resolves when it
 * exits, with the temporary file's mode as first seen.
 */
const interrupt = (args: ReadonlyArray<string>) =>
  new Promise<{ status: number | null; stdout: string; stderr: string; ms: number; tempMode: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    let sentAt = 0
    let tempMode = -1
    const started = Date.now()
    const poll = setInterval(() => {
      const temp = readdirSync(dir).find((name) => name.endsWith(".sluice-tmp"))
      if (temp === undefined && Date.now() - started < 20_000) return
      clearInterval(poll)
      try {
        if (temp !== undefined) tempMode = statSync(join(dir, temp)).mode & 0o777
      } catch {
        // Gone already: the test then fails on the mode.
      }
      setTimeout(() => {
        sentAt = Date.now()
        child.kill("SIGINT")
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref()
      }, 300)
    }, 10)
    child.on("error", reject)
    child.on("close", (status) => {
      clearInterval(poll)
      resolve({ status, stdout, stderr, ms: sentAt === 0 ? -1 : Date.now() - sentAt, tempMode })
    })
  })

describe("Ctrl-C mid-run", () => {
  it.each([
    { name: "encrypt", args: () => ["encrypt", "-r", recipient, "-o", "out", "big.bin"] },
    { name: "decrypt", args: () => ["decrypt", "-i", "key.txt", "-o", "out", "big.age"] }
  ])("sluice $name -o: exit 130 within 2 s, nothing at the destination", async ({ args }) => {
    const r = await interrupt(args())
    expect(r.ms, "SIGINT was never sent").toBeGreaterThan(0)
    expect(r.status).toBe(130)
    expect(r.ms).toBeLessThan(2_000)
    expect(r.stdout).toBe("")
    expectCleanStderr(r.stderr)
    expect(r.stderr).toBe("sluice: interrupted; not written: out\n")
    expect(readdirSync(dir).sort()).toEqual([...FILES].sort())
  })

  it("sluice decrypt -o over an existing file: plaintext 0600 while written, and the file keeps its content", async () => {
    writeFileSync(join(dir, "old"), "old\n", { mode: 0o644 })
    const r = await interrupt(["decrypt", "-i", "key.txt", "-o", "old", "big.age"])
    expect(r.tempMode).toBe(0o600)
    expect(r.status).toBe(130)
    expect(readFileSync(join(dir, "old"), "utf8")).toBe("old\n")
    expect(readdirSync(dir).sort()).toEqual([...FILES, "old"].sort())
  })
})
