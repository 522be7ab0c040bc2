/** Every run ends: no hang, and a reader that goes away does not make sluice crash. */
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { binPath, expectCleanStderr, sluice, useTempDir } from "./cli.testkit.js"

const dir = useTempDir("termination")
writeFileSync(join(dir, "abc"), "abc")
const ABC_LINE = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  abc\n"

describe("no hang", () => {
  // The entry starts a worker early and holds back its messages until the pool adopts
  // it. A lost "ready" message leaves the pool waiting forever: the run never exits.
  // Several runs at once, because the race shows only in some of them.
  it("12 concurrent `sluice hash abc` runs (default pool) all exit 0 within 20 s", async () => {
    const runs = await Promise.allSettled(
      Array.from({ length: 12 }, () => sluice(["hash", "abc"], { cwd: dir, timeoutMs: 20_000 }))
    )
    const hung = runs.filter((r) => r.status === "rejected")
    expect(hung.length, `${hung.length} of 12 runs did not exit`).toBe(0)
    for (const run of runs) {
      if (run.status === "fulfilled") {
        expect(run.value.stdout).toBe(ABC_LINE)
        expect(run.value.status).toBe(0)
      }
    }
  })

  it("12 concurrent `sluice check` runs (default pool) all exit 0 within 20 s", async () => {
    writeFileSync(join(dir, "SUMS"), ABC_LINE)
    const runs = await Promise.allSettled(
      Array.from({ length: 12 }, () => sluice(["check", "SUMS"], { cwd: dir, timeoutMs: 20_000 }))
    )
    expect(runs.filter((r) => r.status === "rejected").length).toBe(0)
  })

  it("-w -1 is refused with exit 2 instead of hanging", async () => {
    const r = await sluice(["hash", "-w", "-1", "abc"], { cwd: dir, timeoutMs: 3_000 })
    expect(r.stderr).toMatch(/^sluice: .*workers/)
    expect(r.status).toBe(2)
  })
})

describe("a reader that goes away", () => {
  // As with `sluice hash * | head -1`: the read end of stdout closes before sluice
  // writes. coreutils dies quietly of SIGPIPE; sluice must not dump a stack trace.
  it("closed stdout: no stack trace, and not exit code 1 (mismatch)", async () => {
    const child = spawn(process.execPath, [binPath, "hash", "abc", "abc", "abc"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    child.stdout.destroy()
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("close", (code, sig) => resolve([code, sig]))
    )
    clearTimeout(timer)
    expect(signal).not.toBe("SIGKILL")
    expectCleanStderr(stderr)
    expect(signal === "SIGPIPE" || (status !== null && status !== 1)).toBe(true)
  })
})
