/**
 * Ctrl-C in the middle of a large job: the run stops within a moment, exit 130, nothing
 * more on stdout, one `sluice: interrupted` line, and `-o` leaves no file and no
 * temporary file behind. With worker threads (each in a blocking read-and-hash loop)
 * and with `-w 0` (on the main thread).
 */
import { spawn } from "node:child_process"
import { closeSync, existsSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { binPath, expectCleanStderr, useTempDir } from "./cli.testkit.js"

const dir = useTempDir("interrupt")
// 1 GiB of zeros without writing them: a sparse file costs no disk and no time to make,
// and SHA3-512 over it keeps a worker busy for seconds (~250 MB/s a core).
const BIG = "big.bin"
const BIG_BYTES = 1024 * 1024 * 1024
const fd = openSync(join(dir, BIG), "w")
ftruncateSync(fd, BIG_BYTES)
closeSync(fd)
writeFileSync(join(dir, "SUMS"), `${"0".repeat(128)}  ${BIG}\n${"0".repeat(128)}  ${BIG}\n`)
// 16 GiB, sparse too, for BLAKE3 on Sluice's own addon (the file mapped, hashed on every
// core at several GB/s): long enough to be interrupted in the middle.
const HUGE = "huge.bin"
const hugeFd = openSync(join(dir, HUGE), "w")
ftruncateSync(hugeFd, 16 * BIG_BYTES)
closeSync(hugeFd)
const FILES = [BIG, HUGE, "SUMS"]

/** How long after the signal the process may take to exit. */
const EXIT_WITHIN_MS = 2_000

interface Interrupted {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** From the (first) SIGINT to the process's exit. */
  readonly ms: number
}

/**
 * Runs sluice and sends SIGINT once `ready` says the job is under way (then `signals`
 * times, 50 ms apart). The child is killed if it has not exited 10 s after the signal.
 */
const interrupt = (args: ReadonlyArray<string>, ready: () => boolean, signals = 1): Promise<Interrupted> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    let sentAt = 0
    let kill: NodeJS.Timeout | undefined
    const started = Date.now()
    const poll = setInterval(() => {
      if (!ready() && Date.now() - started < 10_000) return
      clearInterval(poll)
      // In the middle of hashing, past the start of the program and of its workers.
      setTimeout(() => {
        sentAt = Date.now()
        for (let i = 0; i < signals; i++) setTimeout(() => child.kill("SIGINT"), i * 50)
        kill = setTimeout(() => child.kill("SIGKILL"), 10_000)
      }, 300)
    }, 10)
    child.on("error", reject)
    child.on("close", (status, signal) => {
      clearInterval(poll)
      clearTimeout(kill)
      resolve({ status, signal, stdout, stderr, ms: sentAt === 0 ? -1 : Date.now() - sentAt })
    })
  })

/** The job has opened its output: the temporary file is there. */
const tempFileExists = () => readdirSync(dir).some((name) => name.endsWith(".sluice-tmp"))
/** No output file to wait for: the program has had time to start and begin hashing. */
const after = (ms: number) => {
  const at = Date.now() + ms
  return () => Date.now() >= at
}

/** `kept`: files of the test that must still be there, untouched. */
const expectStopped = (r: Interrupted, kept: ReadonlyArray<string> = []) => {
  expect(r.ms, "SIGINT was never sent").toBeGreaterThan(0)
  expect(r.signal).toBeNull()
  expect(r.status).toBe(130)
  expect(r.ms).toBeLessThan(EXIT_WITHIN_MS)
  expect(r.stdout).toBe("")
  expectCleanStderr(r.stderr)
  expect(r.stderr).toMatch(/^sluice: interrupted[^\n]*\n$/)
  // Nothing left behind: no output, no temporary file.
  expect(readdirSync(dir).sort()).toEqual([...FILES, ...kept].sort())
}

describe("Ctrl-C mid-job", () => {
  it.each([
    { name: "worker threads", workers: [] },
    { name: "-w 0 (main thread)", workers: ["-w", "0"] }
  ])("sluice hash -o ($name): exit 130 within 2 s, no output file, no temporary file", async ({ workers }) => {
    const r = await interrupt(["hash", ...workers, "-a", "sha3-512", "-o", "out.sums", BIG], tempFileExists)
    expectStopped(r)
    expect(r.stderr).toBe("sluice: interrupted; not written: out.sums\n")
    expect(existsSync(join(dir, "out.sums"))).toBe(false)
  })

  it("sluice hash -a blake3 -o of one huge file (one worker, the native file kernel where built): exit 130 within 2 s, nothing left", async () => {
    const r = await interrupt(["hash", "-a", "blake3", "-o", "out.sums", HUGE], tempFileExists)
    expectStopped(r)
    expect(r.stderr).toBe("sluice: interrupted; not written: out.sums\n")
  })

  it("sluice hash -o over an existing file: the file is left as it was", async () => {
    writeFileSync(join(dir, "old.sums"), "old\n")
    const r = await interrupt(["hash", "-a", "sha3-512", "-o", "old.sums", BIG], tempFileExists)
    expectStopped(r, ["old.sums"])
    expect(r.stderr).toBe("sluice: interrupted; not written: old.sums\n")
    expect(readFileSync(join(dir, "old.sums"), "utf8")).toBe("old\n")
    rmSync(join(dir, "old.sums"))
  })

  it.each([
    { name: "worker threads", workers: [] },
    { name: "-w 0 (main thread)", workers: ["-w", "0"] }
  ])("sluice hash to stdout ($name): exit 130 within 2 s, nothing printed", async ({ workers }) => {
    const r = await interrupt(["hash", ...workers, "-a", "sha3-512", BIG, BIG], after(500))
    expectStopped(r)
    expect(r.stderr).toBe("sluice: interrupted\n")
  })

  it.each([
    { name: "worker threads", workers: [] },
    { name: "-w 0 (main thread)", workers: ["-w", "0"] }
  ])("sluice check ($name): exit 130 within 2 s, no OK or FAILED line", async ({ workers }) => {
    const r = await interrupt(["check", ...workers, "-a", "sha3-512", "SUMS"], after(500))
    expectStopped(r)
    expect(r.stderr).toBe("sluice: interrupted\n")
  })

  it("a second Ctrl-C right after the first: still exit 130, nothing left behind", async () => {
    const r = await interrupt(["hash", "-a", "sha3-512", "-o", "out.sums", BIG], tempFileExists, 2)
    expectStopped(r)
  })
})
