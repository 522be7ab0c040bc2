/**
 * Helpers for the CLI tests: run the built `sluice` (dist/bin.js, built before the tests
 * by turbo) and the reference tools, in temporary directories.
 */
import { type ChildProcess, spawn, spawnSync, type StdioOptions } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, expect } from "vitest"

/** The built CLI. `SLUICE_BIN` points the tests at another build of it. */
export const binPath = process.env["SLUICE_BIN"] ?? fileURLToPath(new URL("../dist/bin.js", import.meta.url))

export interface RunResult {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly cwd?: string
  /** Written to a pipe on stdin; without it (and without `stdinFd`) stdin is /dev/null. */
  readonly input?: string | Uint8Array
  /** An open descriptor given to the child as its stdin (a regular file, not a pipe). */
  readonly stdinFd?: number
  /** The child is killed after this long and the run rejects: a hang is a failure. */
  readonly timeoutMs?: number
  /** Runs `prefix[0] ...prefix[1..] node bin.js ...args` (e.g. setpriv to drop privileges). */
  readonly prefix?: ReadonlyArray<string>
  /** Variables added to the test's environment. */
  readonly env?: Record<string, string>
}

export const DEFAULT_TIMEOUT_MS = 15_000

// Every run gets a cache directory of its own unless a test names one (SLUICE_CACHE_DIR in
// `env`): no test reads what another left, and none writes to the user's cache.
const caches = mkdtempSync(join(tmpdir(), "sluice-cli-cache-"))
afterAll(() => rmSync(caches, { recursive: true, force: true }))
let runs = 0

/** Runs a program to completion, collecting its output; rejects if it does not exit in time. */
export const runProcess = (command: string, args: ReadonlyArray<string>, options: RunOptions = {}): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const stdin: "pipe" | "ignore" | number = options.input !== undefined ? "pipe" : options.stdinFd ?? "ignore"
    const stdio: StdioOptions = [stdin, "pipe", "pipe"]
    const env = { ...process.env, SLUICE_CACHE_DIR: join(caches, `run-${runs++}`), ...options.env }
    const child: ChildProcess = spawn(command, [...args], { cwd: options.cwd, stdio, env })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    child.stdout!.on("data", (chunk: Buffer) => out.push(chunk))
    child.stderr!.on("data", (chunk: Buffer) => err.push(chunk))
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(
        new Error(
          `${command} ${args.join(" ")} did not exit within ${timeoutMs} ms\n` +
            `stdout: ${Buffer.concat(out).toString("utf8")}\nstderr: ${Buffer.concat(err).toString("utf8")}`
        )
      )
    }, timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (status, signal) => {
      clearTimeout(timer)
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8")
      })
    })
    if (options.input !== undefined) {
      // The child may exit without reading all of its input.
      child.stdin!.on("error", () => {})
      child.stdin!.end(options.input)
    }
  })

/** `sluice ...args` on the Node that runs the tests (Node 24). */
export const sluice = (args: ReadonlyArray<string>, options: RunOptions = {}): Promise<RunResult> => {
  const [command, ...prefixArgs] = options.prefix ?? []
  return command === undefined
    ? runProcess(process.execPath, [binPath, ...args], options)
    : runProcess(command, [...prefixArgs, process.execPath, binPath, ...args], options)
}

/** A reference tool (sha256sum, b3sum, ...), run synchronously; its exit status is returned, not checked. */
export const tool = (command: string, args: ReadonlyArray<string>, options: { cwd?: string; input?: string } = {}): RunResult => {
  const result = spawnSync(command, [...args], {
    cwd: options.cwd,
    input: options.input ?? "",
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
  if (result.error !== undefined) throw result.error
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }
}

/** Fails with the way to get a tool the cross-checks need, instead of skipping silently. */
export const requireTools = (...commands: ReadonlyArray<string>): void => {
  const missing = commands.filter((command) => spawnSync(command, ["--version"], { stdio: "ignore" }).error !== undefined)
  if (missing.length > 0) {
    throw new Error(
      `reference tools missing: ${missing.join(", ")} (coreutils; b3sum: apt-get install -y b3sum)`
    )
  }
}

/** A fresh directory under the system temp dir, removed after the file's tests. */
export const useTempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `sluice-cli-${prefix}-`))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Every stderr line is a short `sluice: ...` message: no stack trace, no Node error dump. */
export const expectCleanStderr = (stderr: string): void => {
  expect(stderr).not.toMatch(/^\s+at /m)
  expect(stderr).not.toMatch(/node:internal|Unhandled|Error:|\{\s*$/m)
  for (const line of stderr.split("\n").filter((l) => l !== "")) expect(line).toMatch(/^sluice: /)
}

/** coreutils' warnings with the program name as sluice prints it. */
export const asSluice = (stderr: string, program: string): string =>
  stderr.replaceAll(new RegExp(`^${program}: `, "gm"), "sluice: ")

/** `n` reproducible pseudo-random bytes (xorshift32), the same on every run. */
export const pseudoRandomBytes = (n: number, seed = 0x9e3779b9): Buffer => {
  const bytes = Buffer.alloc(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    bytes[i] = x & 0xff
  }
  return bytes
}

/** `$'\xNN...'`: a word bash gives a program as exactly these bytes (a name that is not UTF-8). */
export const shellBytes = (name: Uint8Array): string => `$'${[...name].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("")}'`
