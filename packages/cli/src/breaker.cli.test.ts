/**
 * Worker threads that cannot run (here a worker entry that exits at once, as a broken
 * install would): the circuit breaker opens, the job finishes on the main thread with the
 * right digests, and stderr says why it is slower, once.
 */
import { cpSync, truncateSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { binPath, pseudoRandomBytes, requireTools, runProcess, tool, useTempDir } from "./cli.testkit.js"

requireTools("sha256sum", "b3sum")
const dir = useTempDir("breaker")
const broken = join(dir, "dist")
cpSync(dirname(binPath), broken, { recursive: true })
writeFileSync(join(broken, "worker.js"), "process.exit(3)\n")
writeFileSync(join(dir, "small.txt"), "abc")
// Three files of a job too large to hash on the main thread at once (over 16 MiB): each
// crashes a worker, and the third opens the breaker. SHA-256 files over 64 MiB, since the
// lean hash (hashMain.ts) takes smaller ones without any worker (sparse: zeros cost no
// disk); BLAKE3 files under 16 MiB, with SLUICE_LEAN=0 where @sluice/native is built (the
// lean hash takes BLAKE3 files of every size there: larger ones on the addon's every-core
// kernel, smaller ones in batches by its hashFiles).
const inputs = (flags: ReadonlyArray<string>) => ["small.txt", ...[1, 2, 3].map((i) => flags.includes("blake3") ? `big-${i}.bin` : `huge-${i}.bin`)]
for (const i of [1, 2, 3]) {
  writeFileSync(join(dir, `big-${i}.bin`), pseudoRandomBytes(8 * 1024 * 1024, i))
  writeFileSync(join(dir, `huge-${i}.bin`), pseudoRandomBytes(1024, i))
  truncateSync(join(dir, `huge-${i}.bin`), 65 * 1024 * 1024)
}

describe("when the worker threads cannot run", () => {
  it.each([[[] as Array<string>], [["-a", "blake3"]], [["-w", "1"]]])(
    "sluice hash %j finishes on the main thread with the right lines and one warning",
    async (flags) => {
      const started = performance.now()
      const run = await runProcess(process.execPath, [join(broken, "bin.js"), "hash", ...flags, ...inputs(flags)], {
        cwd: dir,
        timeoutMs: 20_000,
        ...(flags.includes("blake3") ? { env: { SLUICE_LEAN: "0" } } : {})
      })
      const ms = performance.now() - started
      const peer = flags.includes("blake3") ? "b3sum" : "sha256sum"
      expect(run.stdout).toBe(tool(peer, inputs(flags), { cwd: dir }).stdout)
      expect(run.status).toBe(0)
      expect(run.stderr).toBe(
        "sluice: warning: the worker threads keep failing (worker failed: the worker exited with code 3); " +
          "going on on the main thread, more slowly\n"
      )
      expect(ms).toBeLessThan(5_000)
    }
  )
})
