/**
 * `sluice derive KDF --calibrate TIME`: loaded only for it (commands/derive.ts), since it
 * measures on a worker pool, which `sluice derive` itself never needs.
 */
import { calibrate, type Calibration, DERIVE_LIMITS, isInvalidParameters } from "@sluice/core"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import { ExitCode } from "../exitCode.js"
import type { EarlyWorker } from "../earlyWorker.js"
import { runCommand } from "../runtime.js"
import { defaultMemoryCeiling, type DeriveCommandOptions, KDF_HASHES, KDFS, sizeOption, Usage, wholeNumber } from "./derive.js"

/** `500ms`, `0.5s`, `2s`: the calibration's target. */
const durationOption = (value: string): number => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s)$/.exec(value.trim())
  const ms = match === null ? Number.NaN : Number(match[1]) * (match[2] === "s" ? 1000 : 1)
  if (!(ms >= 10 && ms <= 600_000)) throw new Usage(`--calibrate takes a time from 10ms to 600s, such as 500ms or 2s (got '${value}')`)
  return ms
}

/** A memory size as `--memory` takes it back: MiB when whole, KiB otherwise. */
const memoryArgument = (kib: number) => kib % 1024 === 0 ? `${kib / 1024}MiB` : `${kib}KiB`
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`

/** The parameters chosen, as words and as the options of `sluice derive` that use them. */
const describeCalibration = (c: Calibration): { readonly words: string; readonly args: ReadonlyArray<string>; readonly fields: Record<string, number> } => {
  const p = c.params
  switch (p.algorithm) {
    case "argon2id":
      return {
        words: `m=${p.memoryKiB} KiB (${mib(p.memoryKiB * 1024)}), t=${p.passes}, p=${p.parallelism}`,
        args: ["--memory", memoryArgument(p.memoryKiB), "--passes", String(p.passes), "--parallelism", String(p.parallelism)],
        fields: { memoryKiB: p.memoryKiB, passes: p.passes, parallelism: p.parallelism }
      }
    case "scrypt":
      return {
        words: `N=2^${p.logN} (${mib(128 * p.r * 2 ** p.logN)}), r=${p.r}, p=${p.p}`,
        args: ["--ln", String(p.logN), "--r", String(p.r), "--p", String(p.p)],
        fields: { logN: p.logN, r: p.r, p: p.p }
      }
    case "pbkdf2-sha256":
    case "pbkdf2-sha512":
      return { words: `${p.iterations} iterations`, args: ["--hash", p.algorithm.slice(7), "--iterations", String(p.iterations)], fields: { iterations: p.iterations } }
    default:
      return { words: "", args: [], fields: {} }
  }
}

/**
 * `--calibrate 500ms`: times real derivations on a worker of this machine and prints the
 * parameters that take about that long within the memory ceiling, and the command line
 * that uses them (with a new random salt). No password is read: what is timed is the
 * parameters, over a stand-in.
 */
export const calibrateCommand = async (
  kdf: string,
  options: DeriveCommandOptions,
  out: (text: string) => void,
  err: (line: string) => void,
  early?: ReadonlyArray<EarlyWorker>
): Promise<ExitCode> => {
  let request: Parameters<typeof calibrate>[0]
  try {
    if (kdf === "hkdf") throw new Usage("--calibrate is for password hashes (argon2id, scrypt, pbkdf2): hkdf has no cost to tune")
    if (!(KDFS as ReadonlyArray<string>).includes(kdf)) throw new Usage(`unknown key derivation '${kdf}' (${KDFS.join(", ")})`)
    const chosen: ReadonlyArray<readonly [string, unknown]> = [["memory", options.memory], ["passes", options.passes], ["ln", options.ln], ["n", options.n], ["r", options.r], ["p", options.p], ["iterations", options.iterations]]
    for (const [option, value] of chosen) if (value !== undefined) throw new Usage(`--calibrate chooses the parameters: leave out --${option}`)
    if (kdf === "pbkdf2" && (options.hash === undefined || !(KDF_HASHES as ReadonlyArray<string>).includes(options.hash))) {
      throw new Usage(`--hash is required (${KDF_HASHES.join(", ")})`)
    }
    if (kdf !== "pbkdf2" && options.hash !== undefined) throw new Usage(`--hash is for pbkdf2 and hkdf; ${kdf} has its own`)
    if (kdf === "pbkdf2" && options.maxMemory !== undefined) throw new Usage("--max-memory is for scrypt and argon2id; pbkdf2 has none")
    if (kdf !== "argon2id" && options.parallelism !== undefined) throw new Usage(`--parallelism is for argon2id; ${kdf} has none`)
    request = {
      algorithm: (kdf === "pbkdf2" ? `pbkdf2-${options.hash}` : kdf) as Parameters<typeof calibrate>[0]["algorithm"],
      targetMs: durationOption(options.calibrate!),
      maxMemoryBytes: options.maxMemory === undefined ? defaultMemoryCeiling() : sizeOption("max-memory", options.maxMemory, undefined),
      length: options.length === undefined ? 32 : wholeNumber("length", options.length),
      ...(options.parallelism === undefined ? {} : { parallelism: wholeNumber("parallelism", options.parallelism) })
    }
  } catch (error) {
    if (!(error instanceof Usage)) throw error
    err(`sluice: ${error.message}`)
    return ExitCode.usage
  }
  const ceiling = Math.min(request.maxMemoryBytes ?? DERIVE_LIMITS.maxMemoryBytes, DERIVE_LIMITS.maxMemoryBytes)
  const program = calibrate(request).pipe(
    Effect.map((c) => {
      const { args, fields, words } = describeCalibration(c)
      const command = ["sluice", "derive", kdf, ...args, "--length", String(c.params.length), "--salt-hex", randomBytes(16).toString("hex")].join(" ")
      const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`
      if (options.json) {
        out(JSON.stringify({ algorithm: c.params.algorithm, ...fields, length: c.params.length, ms: Math.round(c.ms), targetMs: request.targetMs, ...(kdf === "pbkdf2" ? {} : { maxMemoryBytes: ceiling }), limitedBy: c.limitedBy, command }) + "\n")
      } else {
        const limit = kdf === "pbkdf2" ? "" : `; memory ceiling ${mib(ceiling)}${c.limitedBy === "memory" ? ", reached" : ""}`
        out(`${c.params.algorithm}: ${words}: ${seconds(c.ms)} on this machine (target ${seconds(request.targetMs)}${limit})\n${command}\n`)
      }
      return ExitCode.ok as ExitCode
    }),
    Effect.catchTag("DeriveError", (error) => Effect.sync(() => {
      err(`sluice: ${error.message}`)
      return isInvalidParameters(error.reason) ? ExitCode.usage : ExitCode.internal
    })),
    Effect.catchTag("WorkerError", (error) => Effect.sync(() => {
      err(`sluice: ${error.message}`)
      return ExitCode.internal
    }))
  )
  return runCommand(program, { workers: options.workers, cache: false, early })
}

