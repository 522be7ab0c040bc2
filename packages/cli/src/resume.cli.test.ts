/**
 * `--resume`: a hash killed with SIGKILL goes on from its last checkpoint when the same
 * command runs again, prints exactly what an uninterrupted run prints, and redoes less
 * than 10 % of the work. Checkpoints live under SLUICE_CHECKPOINT_DIR (here a temp dir).
 */
import { spawn } from "node:child_process"
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync
} from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { asSluice, binPath, expectCleanStderr, requireTools, sluice, tool, useTempDir } from "./cli.testkit.js"

requireTools("sha256sum", "sha512sum")
const dir = useTempDir("resume")
const checkpoints = join(dir, "checkpoints")
const env = { SLUICE_CHECKPOINT_DIR: checkpoints }
const MiB = 1024 * 1024
const SIZE = 512 * MiB

/** A sparse file with a few written blocks: quick to make, and not all zeros. */
const makeFile = (name: string) => {
  const fd = openSync(join(dir, name), "w")
  ftruncateSync(fd, SIZE)
  for (let at = 0; at < SIZE; at += 64 * MiB) writeSync(fd, Buffer.from(`block at ${at} of ${name}\n`), 0, undefined, at)
  closeSync(fd)
  return name
}

interface Saved {
  readonly state: { readonly bytes: number }
}
const savedBytes = (): number | undefined => {
  if (!existsSync(checkpoints)) return undefined
  const [file] = readdirSync(checkpoints).filter((f) => f.endsWith(".json"))
  return file === undefined ? undefined : (JSON.parse(readFileSync(join(checkpoints, file), "utf8")) as Saved).state.bytes
}

/** Runs sluice and kills it with SIGKILL once a checkpoint has passed `atLeast` bytes; what was saved then. */
const killMidway = (args: ReadonlyArray<string>, atLeast: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: "ignore" })
    const deadline = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error("no checkpoint came in 60 s"))
    }, 60_000)
    const poll = setInterval(() => {
      const bytes = savedBytes()
      if (bytes === undefined || bytes < atLeast) return
      child.kill("SIGKILL")
      clearInterval(poll)
      clearTimeout(deadline)
      // What is on disk after the kill: the run may have saved once more in between.
      child.once("close", (_code, signal) => signal === "SIGKILL" ? resolve(savedBytes()!) : reject(new Error(`ended by ${signal}`)))
    }, 20)
    child.once("error", reject)
  })

describe("sluice hash --resume", () => {
  it("killed with SIGKILL past the halfway mark, the same command finishes with sha256sum's line, redoing < 10 %", async () => {
    const name = makeFile("big.bin")
    const expected = tool("sha256sum", [name], { cwd: dir }).stdout

    const saved = await killMidway(["hash", "--resume", name], SIZE / 2)
    expect(saved).toBeGreaterThanOrEqual(SIZE / 2)
    expect(saved).toBeLessThan(SIZE)

    const resumed = await sluice(["hash", "--resume", name], { cwd: dir, env, timeoutMs: 60_000 })
    expect(resumed.stdout).toBe(expected)
    expect(resumed.status).toBe(0)
    // It went on from what was saved; the killed run had hashed at most one interval more.
    const at = /resuming at ([\d.]+) MiB of 512.0 MiB/.exec(resumed.stderr)
    expect(at, resumed.stderr).not.toBeNull()
    expect(Number(at![1]) * MiB).toBe(saved)
    const interval = Math.max(16 * MiB, Math.ceil(SIZE / 40 / MiB) * MiB)
    expect(interval / SIZE).toBeLessThan(0.1)
    expect(readdirSync(checkpoints)).toEqual([]) // done: the checkpoint is gone
  }, 120_000)

  it("a file changed since the checkpoint is hashed from the start, and the digest is the new file's", async () => {
    const name = makeFile("changes.bin")
    await killMidway(["hash", "--resume", name], SIZE / 4)
    const fd = openSync(join(dir, name), "r+")
    writeSync(fd, Buffer.from("changed"), 0, undefined, 0)
    closeSync(fd)
    const again = await sluice(["hash", "--resume", name], { cwd: dir, env, timeoutMs: 60_000 })
    expect(again.stdout).toBe(tool("sha256sum", [name], { cwd: dir }).stdout)
    expectCleanStderr(again.stderr)
    expect(again.stderr).not.toContain("resuming")
  }, 120_000)

  it("without --resume nothing is saved", async () => {
    const name = makeFile("plain.bin")
    const before = existsSync(checkpoints) ? readdirSync(checkpoints).length : 0
    const run = await sluice(["hash", name], { cwd: dir, env, timeoutMs: 60_000 })
    expect(run.stdout).toBe(tool("sha256sum", [name], { cwd: dir }).stdout)
    expect(existsSync(checkpoints) ? readdirSync(checkpoints).length : 0).toBe(before)
  }, 120_000)
})

describe("sluice check --resume", () => {
  it("killed with SIGKILL partway through a tree, the same command prints what an uninterrupted check prints", async () => {
    const tree = join(dir, "tree")
    mkdirSync(tree)
    const names: Array<string> = []
    for (let i = 0; i < 24; i++) {
      const name = `part-${String(i).padStart(2, "0")}.bin`
      const fd = openSync(join(tree, name), "w")
      ftruncateSync(fd, 96 * MiB) // 2.25 GiB in all: seconds of SHA-512 on one worker, no disk
      writeSync(fd, Buffer.from(name), 0, undefined, 0)
      closeSync(fd)
      names.push(name)
    }
    const sums = tool("sha512sum", names, { cwd: tree }).stdout.split("\n")
    sums[5] = sums[5]!.replace(/^./, (c) => (c === "0" ? "1" : "0")) // one bad line
    writeFileSync(join(tree, "SUMS"), sums.join("\n"))
    const expected = tool("sha512sum", ["-c", "SUMS"], { cwd: tree })

    const journal = () => {
      if (!existsSync(checkpoints)) return 0
      const [file] = readdirSync(checkpoints).filter((f) => f.endsWith(".json"))
      return file === undefined ? 0 : (JSON.parse(readFileSync(join(checkpoints, file), "utf8")) as { state: { done: number } }).state.done
    }
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [binPath, "check", "--resume", "-w", "1", "SUMS"], {
        cwd: tree,
        env: { ...process.env, ...env },
        stdio: "ignore"
      })
      const poll = setInterval(() => {
        if (journal() < 6) return
        clearInterval(poll)
        child.kill("SIGKILL")
      }, 20)
      child.once("close", () => (journal() >= 6 ? resolve() : reject(new Error("ended before 6 files were checked"))))
    })
    const doneBefore = journal()
    expect(doneBefore).toBeLessThan(24)
    // A file checked before the kill is not read again: gone now, it still says OK.
    rmSync(join(tree, "part-00.bin"))

    const resumed = await sluice(["check", "--resume", "SUMS"], { cwd: tree, env, timeoutMs: 60_000 })
    expect(resumed.stdout).toBe(expected.stdout)
    expect(resumed.stderr).toBe(asSluice(expected.stderr, "sha512sum"))
    expect(resumed.status).toBe(1)
    expect(readdirSync(checkpoints).filter((f) => f.endsWith(".json"))).toEqual([])
  }, 120_000)
})
