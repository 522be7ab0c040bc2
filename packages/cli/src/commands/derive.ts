/**
 * `sluice derive pbkdf2|hkdf|scrypt|argon2id`: one key from explicit parameters, or
 * (`--calibrate`) the parameters that take a given time on this machine. The secret (a password,
 * or HKDF's input key material) comes from standard input, a file or a prompt without
 * echo, never from the command line: arguments are visible to every user of the machine
 * (`ps`, /proc/PID/cmdline) and are kept in shell history.
 */
import {
  checkDerive,
  DERIVE_LIMITS,
  type DeriveParams,
  type DeriveProblem,
  type KdfAlgorithm,
  secretsOf,
  startDerivation
} from "@sluice/core/node/derive"
import { readFileSync } from "node:fs"
import { totalmem } from "node:os"
import { ExitCode } from "../exitCode.js"
import type { EarlyWorker } from "../earlyWorker.js"
import { askHidden, withoutNewline } from "../tty.js"

export const KDFS = ["pbkdf2", "hkdf", "scrypt", "argon2id"] as const
export const KDF_HASHES = ["sha256", "sha512"] as const
export const KEY_ENCODINGS = ["hex", "base64", "raw", "phc"] as const

export interface DeriveCommandOptions {
  readonly hash?: string
  readonly iterations?: string
  readonly length?: string
  readonly salt?: string
  readonly saltHex?: string
  readonly saltBase64?: string
  readonly info?: string
  readonly infoHex?: string
  readonly passwordFile?: string
  readonly ln?: string
  readonly n?: string
  readonly r?: string
  readonly p?: string
  readonly memory?: string
  readonly passes?: string
  readonly parallelism?: string
  readonly adHex?: string
  readonly maxMemory?: string
  readonly calibrate?: string
  readonly allowShortSalt: boolean
  readonly encoding: string
  readonly output?: string
  readonly json: boolean
  readonly workers?: string
}

/** A usage error: said before anything is read or derived. */
export class Usage {
  constructor(readonly message: string) {}
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Bytes of an option given as text, hex or base64 (at most one of them). */
const bytesOption = (name: string, given: { text?: string | undefined; hex?: string | undefined; base64?: string | undefined }): Uint8Array | undefined => {
  const set = Object.entries(given).filter(([, v]) => v !== undefined)
  if (set.length > 1) throw new Usage(`give the ${name} once: --${name}, --${name}-hex or --${name}-base64`)
  if (given.hex !== undefined) {
    if (!HEX.test(given.hex)) throw new Usage(`--${name}-hex must be an even number of hex digits`)
    return Uint8Array.from(Buffer.from(given.hex, "hex"))
  }
  if (given.base64 !== undefined) {
    if (!BASE64.test(given.base64)) throw new Usage(`--${name}-base64 is not valid base64`)
    return Uint8Array.from(Buffer.from(given.base64, "base64"))
  }
  return given.text === undefined ? undefined : new TextEncoder().encode(given.text)
}

export const wholeNumber = (name: string, value: string | undefined): number => {
  if (value === undefined) throw new Usage(`--${name} is required`)
  if (!/^\d+$/.test(value)) throw new Usage(`--${name} must be a whole number (got '${value}')`)
  return Number(value)
}

const MEMORY_UNITS: Record<string, number> = { k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 }

/** A size with a unit (KiB, MiB, GiB; K, M, G alike), or a bare number of `bare` bytes each. */
export const sizeOption = (name: string, value: string, bare: number | undefined): number => {
  const match = /^(\d+)\s*([a-zA-Z]*)$/.exec(value.trim())
  const unit = match?.[2]?.toLowerCase() ?? ""
  const scale = unit === "" ? bare : MEMORY_UNITS[unit]
  if (match === null || scale === undefined) {
    throw new Usage(`--${name} must be a whole number${bare === undefined ? "" : " of KiB"} or one with a unit: KiB, MiB or GiB (got '${value}')`)
  }
  return Number(match[1]) * scale
}

/**
 * The memory a derivation may need on this machine: half of its memory, and never above
 * the fixed 4 GiB (`--max-memory` sets it, within the same 4 GiB).
 */
export const defaultMemoryCeiling = (): number => Math.min(DERIVE_LIMITS.maxMemoryBytes, Math.floor(totalmem() / 2))

const only = (kdfs: ReadonlyArray<string>, kdf: string, given: ReadonlyArray<readonly [string, unknown]>) => {
  for (const [option, value] of given) {
    if (value !== undefined && value !== false && !kdfs.includes(kdf)) throw new Usage(`--${option} is for ${kdfs.join(" and ")}; ${kdf} has none`)
  }
}

interface Parsed {
  readonly params: (secret: Uint8Array) => DeriveParams
  readonly maxMemoryBytes: number
}

/** scrypt's N from --ln (its base-2 logarithm) or --n (a power of two), exactly one. */
const scryptLogN = (options: DeriveCommandOptions): number => {
  if (options.ln !== undefined && options.n !== undefined) throw new Usage("give scrypt's N once: --ln (log2 N) or --n")
  if (options.ln !== undefined) return wholeNumber("ln", options.ln)
  const n = wholeNumber("n", options.n ?? (() => {
    throw new Usage("scrypt needs N: --ln (log2 N, such as 17) or --n (a power of two, such as 131072)")
  })())
  const log = Math.log2(n)
  if (!Number.isInteger(log)) throw new Usage(`--n must be a power of two, such as 131072 = 2^17 (got ${n})`)
  return log
}

/** Everything but the secret, checked: a mistake costs neither a prompt nor a derivation. */
const parseParameters = (kdf: string, options: DeriveCommandOptions): Parsed => {
  if (!(KDFS as ReadonlyArray<string>).includes(kdf)) throw new Usage(`unknown key derivation '${kdf}' (${KDFS.join(", ")})`)
  const memoryHard = kdf === "scrypt" || kdf === "argon2id"
  if (!memoryHard) {
    if (options.hash === undefined) throw new Usage(`--hash is required (${KDF_HASHES.join(", ")})`)
    if (!(KDF_HASHES as ReadonlyArray<string>).includes(options.hash)) {
      throw new Usage(`unsupported hash '${options.hash}' (${KDF_HASHES.join(", ")})`)
    }
  } else if (options.hash !== undefined) throw new Usage(`--hash is for pbkdf2 and hkdf; ${kdf} has its own`)
  only(["scrypt"], kdf, [["ln", options.ln], ["n", options.n], ["r", options.r], ["p", options.p]])
  only(["argon2id"], kdf, [["memory", options.memory], ["passes", options.passes], ["parallelism", options.parallelism], ["ad-hex", options.adHex]])
  only(["scrypt", "argon2id"], kdf, [["max-memory", options.maxMemory]])
  if (!(KEY_ENCODINGS as ReadonlyArray<string>).includes(options.encoding)) {
    throw new Usage(`unknown encoding '${options.encoding}' (${KEY_ENCODINGS.join(", ")})`)
  }
  if (options.encoding === "phc" && !memoryHard) throw new Usage(`--encoding phc is for scrypt and argon2id; ${kdf} has no PHC string`)
  if (options.encoding === "raw" && options.output === undefined) throw new Usage("--encoding raw writes bytes: give -o FILE")
  if (options.encoding === "raw" && options.json) throw new Usage("--json prints text: choose --encoding hex or base64")
  const maxMemoryBytes = options.maxMemory === undefined ? defaultMemoryCeiling() : sizeOption("max-memory", options.maxMemory, undefined)
  const algorithm = (memoryHard ? kdf : `${kdf}-${options.hash}`) as KdfAlgorithm
  const length = wholeNumber("length", options.length)
  const salt = bytesOption("salt", { text: options.salt, hex: options.saltHex, base64: options.saltBase64 })
  const empty = new Uint8Array(0)
  if (kdf !== "hkdf") {
    if (options.info !== undefined || options.infoHex !== undefined) throw new Usage(`--info is for hkdf; ${kdf} has none`)
    if (salt === undefined) throw new Usage(`${kdf} needs a salt: --salt, --salt-hex or --salt-base64`)
  }
  if (kdf === "pbkdf2") {
    const iterations = wholeNumber("iterations", options.iterations)
    return {
      maxMemoryBytes,
      params: (password) => ({
        algorithm: algorithm as Extract<KdfAlgorithm, `pbkdf2-${string}`>,
        password,
        salt: salt!,
        iterations,
        length,
        allowShortSalt: options.allowShortSalt
      })
    }
  }
  if (options.iterations !== undefined) throw new Usage(`--iterations is for pbkdf2; ${kdf} has none`)
  if (kdf === "scrypt") {
    const logN = scryptLogN(options)
    const r = wholeNumber("r", options.r)
    const p = wholeNumber("p", options.p)
    return { maxMemoryBytes, params: (password) => ({ algorithm: "scrypt", password, salt: salt!, logN, r, p, length, allowShortSalt: options.allowShortSalt }) }
  }
  if (kdf === "argon2id") {
    if (options.memory === undefined) throw new Usage("--memory is required (KiB, or with a unit: 64MiB)")
    const memoryBytes = sizeOption("memory", options.memory, 1024)
    if (memoryBytes % 1024 !== 0) throw new Usage("--memory must be a whole number of KiB")
    const memoryKiB = memoryBytes / 1024
    const passes = wholeNumber("passes", options.passes)
    const parallelism = wholeNumber("parallelism", options.parallelism)
    const associatedData = options.adHex === undefined ? undefined : bytesOption("ad", { hex: options.adHex })
    if (associatedData !== undefined && options.encoding === "phc") throw new Usage("--encoding phc: a PHC string has no associated data (--ad-hex)")
    return {
      maxMemoryBytes,
      params: (password) => ({
        algorithm: "argon2id",
        password,
        salt: salt!,
        memoryKiB,
        passes,
        parallelism,
        length,
        ...(associatedData === undefined ? {} : { associatedData }),
        allowShortSalt: options.allowShortSalt
      })
    }
  }
  if (options.allowShortSalt) throw new Usage("--allow-short-salt is for pbkdf2, scrypt and argon2id; hkdf takes any salt")
  const info = bytesOption("info", { text: options.info, hex: options.infoHex }) ?? empty
  return {
    maxMemoryBytes,
    params: (ikm) => ({
      algorithm: algorithm as Extract<KdfAlgorithm, `hkdf-${string}`>,
      ikm,
      // RFC 5869 §2.2: no salt is HashLen zero bytes, which an empty salt gives.
      salt: salt ?? empty,
      info,
      length
    })
  }
}

/** Standard input whole, at most one byte past the limit (validation then says it is too large). */
const readStdin = async (): Promise<Uint8Array> => {
  const chunks: Array<Buffer> = []
  let size = 0
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk)
    size += chunk.length
    if (size > DERIVE_LIMITS.maxInputBytes) break
  }
  const bytes = Uint8Array.from(Buffer.concat(chunks))
  for (const chunk of chunks) chunk.fill(0)
  return bytes
}

/** A line typed on the terminal (standard input), not echoed; Ctrl-C ends the program as it would anywhere else. */
export const prompt = (question: string): Promise<Uint8Array> =>
  askHidden({ stream: process.stdin, write: (text) => process.stderr.write(text), newline: "\n" }, question)

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? "EIO"
const ERRNO_TEXT: Record<string, string> = { ENOENT: "No such file or directory", EACCES: "Permission denied", EISDIR: "Is a directory" }

/** The secret: `--password-file`, else standard input, else (a terminal) a prompt. */
const readSecret = async (kdf: string, options: DeriveCommandOptions, err: (line: string) => void): Promise<Uint8Array | ExitCode> => {
  const what = kdf !== "hkdf" ? "password" : "input key material"
  let bytes: Uint8Array
  if (options.passwordFile !== undefined) {
    try {
      bytes = Uint8Array.from(readFileSync(options.passwordFile))
    } catch (error) {
      const code = codeOf(error)
      err(`sluice: ${options.passwordFile}: ${ERRNO_TEXT[code] ?? `read failed (${code})`}`)
      return ExitCode.input
    }
  } else if (process.stdin.isTTY) {
    bytes = await prompt(kdf !== "hkdf" ? "Password: " : "Input key material: ")
  } else {
    bytes = await readStdin()
  }
  // A password is text typed or echoed into a file; HKDF's input is bytes, taken as they are.
  if (kdf !== "hkdf") bytes = withoutNewline(bytes)
  if (bytes.length === 0) {
    err(`sluice: the ${what} is empty (give it on standard input, with --password-file, or at the prompt)`)
    return ExitCode.usage
  }
  return bytes
}

/**
 * Parses and checks every parameter (exit 2 with one line saying what is wrong, before
 * any secret is read), reads the secret, derives, and prints or writes the key. Neither
 * the secret nor the key is kept: both are wiped once the key is out.
 */
export const deriveCommand = async (
  kdf: string,
  options: DeriveCommandOptions,
  out: (text: string) => void,
  err: (line: string) => void,
  early?: ReadonlyArray<EarlyWorker>
): Promise<ExitCode> => {
  // Calibration measures on a worker pool: its code loads only for it.
  if (options.calibrate !== undefined) return import("./deriveCalibrate.js").then((m) => m.calibrateCommand(kdf, options, out, err, early))
  let parsed: Parsed
  try {
    parsed = parseParameters(kdf, options)
  } catch (error) {
    if (!(error instanceof Usage)) throw error
    err(`sluice: ${error.message}`)
    return ExitCode.usage
  }
  const limits = { maxMemoryBytes: parsed.maxMemoryBytes }
  // The same check the pipeline makes, on a stand-in secret, before asking for the real one.
  const problem = checkDerive(parsed.params(new Uint8Array(1)), limits)
  if (problem !== undefined) return refuse(problem, err)
  const secret = await readSecret(kdf, options, err)
  if (typeof secret === "number") return secret
  // The request holds the secret itself: wiped once the key is out, or the run failed.
  const request = parsed.params(secret)
  // Never through the result cache. In Node every kernel is node:crypto's async call, which
  // runs on libuv's thread pool, not on this JS thread: a worker thread would add only its
  // start-up (0.1-0.2 s, more than an Argon2id of 64 MiB takes), so the derivation is a task
  // of the inline pool by default, held to its policy's CPU deadline there (typed errors
  // alike). `-w N` still puts it on a worker thread.
  if (options.workers === undefined || options.workers === "0") {
    // The real secret checked too (its size), then node:crypto's call starts at once: the
    // pool, its task and Effect itself load while it runs, and the task takes the call over.
    const checked = checkDerive(request, limits)
    if (checked !== undefined) {
      secretsOf(request).forEach((bytes) => bytes.fill(0))
      return refuse(checked, err)
    }
    const started = startDerivation(request)
    const run = await import("./deriveRun.js")
    return run.deriveInline(request, limits, options, out, err, started)
  }
  // -w N: on a worker thread of the full pool, which loads only for it.
  const run = await import("./deriveRun.js")
  return run.deriveOnWorkers(request, limits, options, out, err, early)
}

/** A request refused before any work: its typed error's message, exit 2 (bad parameters). */
const refuse = async (problem: DeriveProblem, err: (line: string) => void): Promise<ExitCode> => {
  const { refused } = await import("./deriveRun.js")
  return refused(problem, err)
}

/**
 * derive's options but `-w` (a pool of workers: the full program's), as commander takes
 * them: flags, description and default. commander's command is made from this list
 * (deriveCommand.ts), and so is the quick reading of a plain command line (`quickArgs`).
 */
export const DERIVE_OPTIONS: ReadonlyArray<readonly [flags: string, description: string, defaultValue?: string | boolean]> = [
  ["--hash <name>", `pbkdf2, hkdf: the hash under HMAC: ${KDF_HASHES.join(", ")} (required)`],
  ["--iterations <n>", "pbkdf2: rounds, 1 to 100,000,000 (required; OWASP suggests 600,000 for SHA-256, 210,000 for SHA-512)"],
  ["--ln <log2N>", "scrypt: log2 of N, the CPU/memory cost (17: N = 131072, 128 MiB with r = 8)"],
  ["--n <N>", "scrypt: N itself, a power of two (instead of --ln)"],
  ["--r <r>", "scrypt: the block size, 1 to 32 (usually 8)"],
  ["--p <p>", "scrypt: the parallelization, 1 to 16 (usually 1)"],
  ["--memory <size>", "argon2id: memory, in KiB or with a unit (65536, 64MiB)"],
  ["--passes <t>", "argon2id: passes over the memory, 1 to 256"],
  ["--parallelism <p>", "argon2id: lanes, 1 to 255 (RFC 9106 suggests 4)"],
  ["--ad-hex <hex>", "argon2id: associated data (RFC 9106's X) as hex"],
  ["--max-memory <size>", "scrypt, argon2id: the most memory a derivation may take (default: half of this machine's, at most 4GiB)"],
  ["--calibrate <time>", "print parameters that take about this long here (500ms, 1s) within --max-memory, and the command to use them"],
  ["--length <bytes>", "bytes of key: pbkdf2, scrypt, argon2id up to 1024, hkdf up to 255 x the hash's size (required)"],
  ["--salt <text>", "the salt as UTF-8 text"],
  ["--salt-hex <hex>", "the salt as hex"],
  ["--salt-base64 <b64>", "the salt as base64"],
  ["--allow-short-salt", "pbkdf2, scrypt, argon2id: accept a salt under 16 bytes (to reproduce a key made with one; argon2id never under 8)", false],
  ["--info <text>", "hkdf: the context and application info as UTF-8 text (default: none)"],
  ["--info-hex <hex>", "hkdf: the info as hex"],
  ["--password-file <file>", "read the password (hkdf: the input key material) from FILE instead of standard input"],
  ["--encoding <name>", `how the key is printed: ${KEY_ENCODINGS.join(", ")} (raw needs -o; phc: scrypt and argon2id)`, "hex"],
  ["-o, --output <file>", "write the key to FILE (mode 0600, whole or not at all) instead of standard output"],
  ["--json", "print one JSON object: the algorithm, its parameters and the key", false],
]

/** An option as the quick reading knows it: its attribute (commander's camel case) and whether it takes a value. */
interface QuickOption {
  readonly attribute: string
  readonly takesValue: boolean
}

const QUICK_OPTIONS: ReadonlyMap<string, QuickOption> = new Map(DERIVE_OPTIONS.flatMap(([flags]) => {
  const names = flags.split(/[ ,]+/).filter((f) => f.startsWith("-"))
  const long = names.find((n) => n.startsWith("--"))!
  const option = { attribute: long.slice(2).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()), takesValue: /[<[]/.test(flags) }
  return names.map((name) => [name, option] as const)
}))

/**
 * `derive KDF --option value ...` read without commander, when it is plain: every option
 * one of derive's, given once, as `--name value` (a value not starting with '-'), and one
 * KDF. Anything else (an unknown or repeated option, `--name=value`, a missing value, a
 * second argument, `-w`) is undefined: commander reads it, with its messages. Where both
 * read a command line, they read the same options (derive.args.test.ts).
 */
export const quickArgs = (argv: ReadonlyArray<string>): { readonly kdf: string; readonly options: DeriveCommandOptions } | undefined => {
  if (argv[0] !== "derive") return undefined
  let kdf: string | undefined
  const options: Record<string, string | boolean> = {}
  for (const [flags, , defaultValue] of DERIVE_OPTIONS) {
    if (defaultValue !== undefined) options[QUICK_OPTIONS.get(flags.split(/[ ,]+/).find((f) => f.startsWith("--"))!)!.attribute] = defaultValue
  }
  const given = new Set<string>()
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith("-")) {
      if (kdf !== undefined) return undefined
      kdf = arg
      continue
    }
    const option = QUICK_OPTIONS.get(arg)
    if (option === undefined || given.has(option.attribute)) return undefined
    given.add(option.attribute)
    if (!option.takesValue) {
      options[option.attribute] = true
      continue
    }
    const value = argv[++i]
    if (value === undefined || value.startsWith("-")) return undefined
    options[option.attribute] = value
  }
  return kdf === undefined ? undefined : { kdf, options: options as unknown as DeriveCommandOptions }
}
