/**
 * `sluice bench`: the quick scenarios, on this machine, against the native tools found on
 * the PATH (sha256sum, b3sum), each run as a user would run it, the median of several.
 */
import { formatBytes } from "@sluice/core"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { ExitCode } from "../exitCodes.js"

export interface BenchRow {
  readonly scenario: string
  readonly sluiceMs: number
  readonly peer?: string
  readonly peerMs?: number
  /** Peer time over Sluice's: above 1, Sluice is faster. */
  readonly speedup?: number
}

const bin = fileURLToPath(new URL("./bin.js", import.meta.url))

/** The median wall time of `runs` runs of a command, or undefined when it cannot run. */
const median = (command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, runs: number): number | undefined => {
  const times: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    const result = spawnSync(command, [...args], { env, stdio: ["ignore", "ignore", "ignore"] })
    if (result.error !== undefined || result.status !== 0) return undefined
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

const pseudoRandom = (bytes: number, seed: number) => {
  const out = Buffer.allocUnsafe(bytes)
  let x = seed >>> 0 || 1
  for (let i = 0; i < bytes; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out.writeUInt32LE(x >>> 0, Math.min(i, bytes - 4))
  }
  return out
}

export const runBench = (options: { readonly sizeMiB: number; readonly runs: number }, progress: (line: string) => void): Array<BenchRow> => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-"))
  try {
    const big = join(dir, "big.bin")
    writeFileSync(big, pseudoRandom(options.sizeMiB * 1024 * 1024, 7))
    const small = join(dir, "small")
    mkdirSync(small)
    const smallFiles = Array.from({ length: 1000 }, (_, i) => {
      const path = join(small, `f${i}`)
      writeFileSync(path, pseudoRandom(4096, i + 1))
      return path
    })
    const cold = { ...process.env, SLUICE_CACHE_DIR: join(dir, "cache-unused") }
    const warm = { ...process.env, SLUICE_CACHE_DIR: join(dir, "cache") }
    const node = process.execPath
    const rows: Array<BenchRow> = []
    const row = (scenario: string, sluice: number | undefined, peer?: string, peerMs?: number) => {
      if (sluice === undefined) return
      const entry: BenchRow = peerMs === undefined ? { scenario, sluiceMs: sluice } : { scenario, sluiceMs: sluice, peer: peer!, peerMs, speedup: peerMs / sluice }
      rows.push(entry)
      progress(`${scenario}: ${sluice.toFixed(0)} ms${peerMs === undefined ? "" : `, ${peer} ${peerMs.toFixed(0)} ms`}`)
    }
    const size = formatBytes(options.sizeMiB * 1024 * 1024)
    row(`SHA-256 of ${size}`, median(node, [bin, "hash", "--no-cache", big], cold, options.runs), "sha256sum", median("sha256sum", [big], cold, options.runs))
    row(`BLAKE3 of ${size}`, median(node, [bin, "hash", "--no-cache", "-a", "blake3", big], cold, options.runs), "b3sum", median("b3sum", [big], cold, options.runs))
    row("SHA-256 of 1,000 files of 4 KiB", median(node, [bin, "hash", "--no-cache", ...smallFiles], cold, options.runs), "sha256sum", median("sha256sum", smallFiles, cold, options.runs))
    spawnSync(node, [bin, "hash", big], { env: warm, stdio: "ignore" })
    row(`SHA-256 of ${size} again (from the cache)`, median(node, [bin, "hash", big], warm, options.runs), "sluice --version", median(node, [bin, "--version"], warm, options.runs))
    return rows
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `sluice bench [--size MiB] [--runs N] [--json]`. */
export const benchCommand = (
  options: { readonly sizeMiB: number; readonly runs: number; readonly json: boolean },
  out: (line: string) => void,
  err: (line: string) => void
): ExitCode => {
  const rows = runBench(options, (line) => err(`sluice: bench: ${line}`))
  if (options.json) {
    out(JSON.stringify(rows))
    return ExitCode.ok
  }
  const width = Math.max(...rows.map((r) => r.scenario.length))
  out(`${"scenario".padEnd(width)}  ${"sluice".padStart(9)}  ${"peer".padStart(24)}  ratio`)
  for (const r of rows) {
    const peer = r.peerMs === undefined ? "" : `${r.peer} ${r.peerMs.toFixed(0)} ms`
    const ratio = r.speedup === undefined ? "" : r.peer === "sluice --version" ? `+${(r.sluiceMs - r.peerMs!).toFixed(0)} ms over start-up` : `${r.speedup.toFixed(2)}× the peer's speed`
    out(`${r.scenario.padEnd(width)}  ${`${r.sluiceMs.toFixed(0)} ms`.padStart(9)}  ${peer.padStart(24)}  ${ratio}`)
  }
  return ExitCode.ok
}
