/**
 * Worker threads that cannot run (here a worker entry that exits at once, as a broken
 * install would): the circuit breaker opens, the job finishes on the main thread with the
 * right digests, and stderr says why it is slower, once.
 */
import { cpSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { binPath, pseudoRandomBytes, requireTools, runProcess, tool, useTempDir } from "./cli.testkit.js"

requireTools("sha256sum", "b3sum")
const dir = useTempDir("breaker")
const broken = join(dir, "dist")
cpSync(dirname(binPath), broken, { recursive: true })
writeFileSync(join(broken, "worker.js"), "process.exit(3)\n")
writeFileSync(join(dir, "small.txt"), "abc")
writeFileSync(join(dir, "big.bin"), pseudoRandomBytes(24 * 1024 * 1024))

describe("when the worker threads cannot run", () => {
  it.each([[[] as Array<string>], [["-a", "blake3"]], [["-w", "1"]]])(
    "sluice hash %j finishes on the main thread with the right lines and one warning",
    async (flags) => {
      const started = performance.now()
      const run = await runProcess(process.execPath, [join(broken, "bin.js"), "hash", ...flags, "small.txt", "big.bin"], {
        cwd: dir,
        timeoutMs: 20_000
      })
      const ms = performance.now() - started
      const peer = flags.includes("blake3") ? "b3sum" : "sha256sum"
      expect(run.stdout).toBe(tool(peer, ["small.txt", "big.bin"], { cwd: dir }).stdout)
      expect(run.status).toBe(0)
      expect(run.stderr).toBe(
        "sluice: warning: the worker threads keep failing (worker failed: the worker exited with code 3); " +
          "going on on the main thread, more slowly\n"
      )
      expect(ms).toBeLessThan(5_000)
    }
  )
})
