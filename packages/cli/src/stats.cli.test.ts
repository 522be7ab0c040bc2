/**
 * `--stats`, `sluice doctor` and `sluice bench`: what they report, on stderr for --stats
 * so that stdout stays exactly the command's output.
 */
import { writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { pseudoRandomBytes, sluice, useTempDir } from "./cli.testkit.js"

/** Whether Sluice's own BLAKE3 addon is built here (packages/native: only where cargo and Debian's crates are). */
const nativeBuilt = (() => {
  try {
    createRequire(import.meta.url)("@sluice/native")
    return true
  } catch {
    return false
  }
})()

const root = useTempDir("stats")
const files = ["a.bin", "b.bin", "c.bin"]
files.forEach((name, i) => writeFileSync(join(root, name), pseudoRandomBytes(200_000 * (i + 1), i + 1)))

describe("--stats", () => {
  it("leaves stdout as it was and sums the job up on stderr; a rerun says the cache answered", async () => {
    const env = { SLUICE_CACHE_DIR: join(root, "cache") }
    const plain = await sluice(["hash", "--no-cache", ...files], { cwd: root })
    const first = await sluice(["hash", "--stats", ...files], { cwd: root, env })
    expect(first.status).toBe(0)
    expect(first.stdout).toBe(plain.stdout)
    const lines = first.stderr.trim().split("\n")
    expect(lines.every((line) => /^sluice: (stats|tip): /.test(line))).toBe(true)
    expect(first.stderr).toMatch(/sluice: stats: 3 files in [\d.]+ m?s: 3 read, 0 from the cache, 0 failed/)
    expect(first.stderr).toMatch(/sluice: stats: read 1\.1 MiB at /)
    expect(first.stderr).toMatch(/sluice: stats: phases: cache lookup \d+ ms, hashing/)
    expect(first.stderr).toMatch(/sluice: stats: retries 0, workers replaced 0, tasks on the main thread 0/)
    expect(first.stderr).toMatch(/sluice: stats: memory: peak RSS [\d.]+ MiB/)
    const second = await sluice(["hash", "--stats", ...files], { cwd: root, env })
    expect(second.stdout).toBe(plain.stdout)
    expect(second.stderr).toMatch(/3 files in [\d.]+ m?s: 0 read, 3 from the cache, 0 failed/)
    expect(second.stderr).toMatch(/cache: disk 3\/3 hits \(100 %\)/)
  })

  it("on check too", async () => {
    const sums = await sluice(["hash", ...files], { cwd: root })
    writeFileSync(join(root, "SUMS"), sums.stdout)
    const check = await sluice(["check", "--stats", "SUMS"], { cwd: root })
    expect(check.status).toBe(0)
    expect(check.stdout).toBe(files.map((f) => `${f}: OK\n`).join(""))
    expect(check.stderr).toMatch(/sluice: stats: 3 files in/)
  })
})

describe("sluice cache --stats", () => {
  it("says how long the action took, on stderr", async () => {
    const result = await sluice(["cache", "stats", "--stats"], { env: { SLUICE_CACHE_DIR: join(root, "cache-stats") } })
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/^directory: /)
    expect(result.stderr).toMatch(/^sluice: stats: cache stats in \d+ ms; peak RSS [\d.]+ MiB\n$/)
  })
})

describe("sluice doctor", () => {
  it("reports the machine, every kernel with a calibrated speed, worker start-up and the cache", async () => {
    const env = { SLUICE_CACHE_DIR: join(root, "doctor-cache") }
    const result = await sluice(["doctor", "--json"], { env, timeoutMs: 60_000 })
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report.cores).toBeGreaterThan(0)
    expect(report.webAssembly).toEqual({ available: true, simd: true })
    expect(Object.keys(report.kernels)).toContain("blake3")
    expect(report.kernels.sha256).toMatch(/^node:crypto sha256 \(OpenSSL /)
    for (const speed of Object.values(report.bytesPerSecond)) expect(speed).toBeGreaterThan(1e6)
    expect(report.workerStartMs).toBeGreaterThan(0)
    expect(report.cache).toEqual({ directory: env.SLUICE_CACHE_DIR, entries: 0, bytes: 0 })
    const human = await sluice(["doctor"], { env, timeoutMs: 60_000 })
    expect(human.stdout).toMatch(/^Sluice \d+\.\d+\.\d+ on Node 24\./)
    expect(human.stdout).toMatch(/^ {2}sha256 +\d+ MB\/s {2}node:crypto/m)
  }, 90_000)

  it("names the native BLAKE3 kernel and measures the one that would answer without it", async () => {
    const env = { SLUICE_CACHE_DIR: join(root, "doctor-native") }
    const report = JSON.parse((await sluice(["doctor", "--json"], { env, timeoutMs: 60_000 })).stdout)
    expect(report.kernels.blake3).toMatch(/^@napi-rs\/blake-hash@[\d.]+ \(native\)/)
    expect(report.fallbacks.blake3.kernel).toMatch(/^sluice blake3 \(WebAssembly SIMD/)
    expect(report.fallbacks.blake3.bytesPerSecond).toBeGreaterThan(1e6)
    const without = JSON.parse((await sluice(["doctor", "--json"], { env: { ...env, SLUICE_NATIVE: "0" }, timeoutMs: 60_000 })).stdout)
    expect(without.kernels.blake3).toMatch(/^sluice blake3/)
    expect(without.fallbacks).toEqual({})
  }, 90_000)

  it.skipIf(!nativeBuilt)(
    `says one large BLAKE3 file is hashed by Sluice's own addon, and measures it${nativeBuilt ? "" : " (skipped: @sluice/native is not built here, no cargo or Debian crates)"}`,
    async () => {
      const env = { SLUICE_CACHE_DIR: join(root, "doctor-large") }
      const report = JSON.parse((await sluice(["doctor", "--json"], { env, timeoutMs: 60_000 })).stdout)
      expect(report.largeBlake3File.kernel).toMatch(/^sluice-native \S+ \(blake3 [\d.]+, rayon\): the file mapped, hashed on every core$/)
      expect(report.largeBlake3File.bytesPerSecond).toBeGreaterThan(1e6)
      expect(report.largeBlake3File.everyCoreBytesPerSecond).toBeGreaterThan(1e6)
      const human = await sluice(["doctor"], { env, timeoutMs: 60_000 })
      expect(human.stdout).toMatch(/^one large BLAKE3 file: sluice-native .* \(32 MiB in memory: \d+ MB\/s on one thread, \d+ MB\/s on every core\)$/m)
    },
    120_000
  )

  it.skipIf(!nativeBuilt)(
    `names age's payload cipher (Sluice's addon over OpenSSL, sodium-native without it) and its speed${nativeBuilt ? "" : " (skipped: @sluice/native is not built here)"}`,
    async () => {
      const env = { SLUICE_CACHE_DIR: join(root, "doctor-aead") }
      const report = JSON.parse((await sluice(["doctor", "--json"], { env, timeoutMs: 60_000 })).stdout)
      expect(report.agePayload.kernel).toMatch(/^@sluice\/native OpenSSL \d\S* .*runs of chunks/)
      expect(report.agePayload.bytesPerSecond).toBeGreaterThan(1e6)
      expect(report.agePayload.fallback.kernel).toMatch(/^sodium-native@/)
      const off = JSON.parse((await sluice(["doctor", "--json"], { env: { ...env, SLUICE_NATIVE_AEAD: "0" }, timeoutMs: 60_000 })).stdout)
      expect(off.agePayload).toEqual({ kernel: expect.stringMatching(/^sodium-native@/), bytesPerSecond: expect.any(Number) })
      const human = await sluice(["doctor"], { env, timeoutMs: 60_000 })
      expect(human.stdout).toMatch(/^age payload \(ChaCha20-Poly1305, .*\): \d+ MB\/s, @sluice\/native OpenSSL .*; without it \d+ MB\/s, sodium-native@/m)
    },
    120_000
  )

  it("names the fallback for one large BLAKE3 file when Sluice's addon is off, and when every native kernel is", async () => {
    const env = { SLUICE_CACHE_DIR: join(root, "doctor-large-off") }
    const off = JSON.parse((await sluice(["doctor", "--json"], { env: { ...env, SLUICE_NATIVE_FILE: "0" }, timeoutMs: 60_000 })).stdout)
    expect(off.largeBlake3File).toEqual({ kernel: expect.stringMatching(/^@napi-rs\/blake-hash@[\d.]+: one worker reads it/) })
    const none = JSON.parse((await sluice(["doctor", "--json"], { env: { ...env, SLUICE_NATIVE: "0" }, timeoutMs: 60_000 })).stdout)
    expect(none.largeBlake3File).toEqual({ kernel: "sluice blake3 (WebAssembly): spread over every worker in subtrees" })
  }, 120_000)
})

describe("sluice bench", () => {
  it("times each quick scenario against its peer", async () => {
    const result = await sluice(["bench", "--size", "4", "--runs", "1", "--json"], { timeoutMs: 60_000 })
    expect(result.status).toBe(0)
    const rows = JSON.parse(result.stdout) as Array<{ scenario: string; sluiceMs: number; peer?: string }>
    expect(rows.map((r) => r.scenario)).toEqual([
      "SHA-256 of 4.0 MiB",
      "BLAKE3 of 4.0 MiB",
      "SHA-256 of 1,000 files of 4 KiB",
      "SHA-256 of 4.0 MiB again (from the cache)"
    ])
    expect(rows.map((r) => r.peer)).toEqual(["sha256sum", "b3sum", "sha256sum", "sluice --version"])
    for (const row of rows) expect(row.sluiceMs).toBeGreaterThan(0)
  }, 90_000)

  it("refuses a size that is not a whole number of MiB", async () => {
    const result = await sluice(["bench", "--size", "lots"])
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/^sluice: --size must be/)
  })
})
