/**
 * `sluice keygen --type T --count N`: many keys on the pool, written one file per key per
 * form to a directory (with a manifest of public keys and fingerprints), as JSON lines, or
 * one key to standard output. A passphrase comes from --passphrase-file, SLUICE_PASSPHRASE
 * or a prompt without echo, never from the command line (arguments are visible to every
 * user of the machine and stay in shell history).
 */
import {
  BATCHES_PER_WORKER,
  ENCRYPTED_FORMATS,
  formatSupports,
  type GeneratedKey,
  type GeneratedKeyBatch,
  generateKeyBatches,
  generateKeyStream,
  hasOpenSsh,
  isKeyFormat,
  JobProgress,
  KEY_TYPES,
  KEY_SHARD_KEYS,
  keyFileName,
  keyJsonLine,
  keyLineTemplate,
  keyShardName,
  keyShardWidth,
  lineValueOfBytes,
  KEYGEN_LIMITS,
  type KeyFormat,
  type KeygenError,
  type KeyStreamRequest,
  type KeyType,
  MAX_KEY_STREAM_COUNT,
  SECRET_FORMATS,
  type WorkerError,
  type WorkerPool
} from "@sluice/core"
import { OutputFailed, syncDirectory, syncFilesDurably, writeAtomically } from "@sluice/core/node"
import { Effect, Exit, Stream } from "effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { join, sep } from "node:path"
import { setFlagsFromString } from "node:v8"
import type { EarlyWorker } from "../earlyWorker.js"
import { ExitCode } from "../exitCodes.js"
import { KEYGEN_WORKER_HEAP } from "../keygenWorkers.js"
import { makeProgressReporter, renderKeyProgress } from "../progress.js"
import { outputs, runCommand } from "../runtime.js"
import { ageConvertCommand, ageKeyProgram, readSealRecipients } from "./ageKeygen.js"
import { withoutNewline } from "../tty.js"
import { prompt } from "./derive.js"

export interface KeygenCommandOptions {
  readonly type?: string
  readonly count?: string
  readonly format?: ReadonlyArray<string>
  readonly outDir?: string
  readonly jsonl?: string
  readonly passphraseFile?: string
  readonly encrypt: boolean
  readonly comment?: string
  readonly resume: boolean
  readonly json: boolean
  readonly workers?: string
  /** age-keygen's flags: a post-quantum key (`--type age --pq`), its file (`-o`), recipients of an identity file (`-y`). */
  readonly pq?: boolean
  readonly output?: string
  readonly y?: boolean
  /** Each private key sealed with age to this recipient, or to the recipients in this file. */
  readonly sealTo?: string
}

/** A usage error: said before anything is generated or written. */
class Usage {
  constructor(readonly message: string) {}
}

/** The output directory could not be readied (exit 5, as any output that cannot be written). */
class DirFailed {
  constructor(readonly message: string) {}
}

const dirFailed = (path: string, error: unknown) => new DirFailed(`${path}: not written: ${ERRNO_TEXT[codeOf(error)] ?? "write failed"} (${codeOf(error)})`)

export const MANIFEST = "manifest.jsonl"

/** The file name of each form after `key-000001`; the encrypted forms share their plain form's. */
export const FILE_SUFFIX: { readonly [F in KeyFormat]: string } = {
  "pkcs8-pem": ".pem",
  "pkcs8-encrypted-pem": ".pem",
  "pkcs8-der": ".der",
  "pkcs8-encrypted-der": ".der",
  "spki-pem": ".pub.pem",
  "spki-der": ".pub.der",
  "jwk": ".jwk",
  "jwk-public": ".pub.jwk",
  // As ssh-keygen names them: id_ed25519 and id_ed25519.pub.
  "openssh-private": "",
  "openssh-private-encrypted": "",
  "openssh-public": ".pub",
  "age-identity": ".age",
  "age-recipient": ".age.pub",
  "ssh-fingerprint": ".ssh-fingerprint",
  "jwk-thumbprint": ".jwk-thumbprint"
}

/** With a passphrase, each private form is written in its encrypted form. */
const ENCRYPTED_FORM: Partial<Record<KeyFormat, KeyFormat>> = {
  "pkcs8-pem": "pkcs8-encrypted-pem",
  "pkcs8-der": "pkcs8-encrypted-der",
  "openssh-private": "openssh-private-encrypted"
}

const BINARY: ReadonlySet<KeyFormat> = new Set(["pkcs8-der", "pkcs8-encrypted-der", "spki-der"])

/** The forms written when none is asked for: what ssh-keygen, age-keygen or openssl would write. */
export const defaultFormats = (type: KeyType): Array<KeyFormat> =>
  hasOpenSsh(type) ? ["openssh-private", "openssh-public"] : type === "x25519" ? ["age-identity", "age-recipient"] : ["pkcs8-pem", "spki-pem"]

type Destination =
  | { readonly kind: "dir"; readonly dir: string }
  | { readonly kind: "jsonl"; readonly path: string }
  | { readonly kind: "stdout" }

interface Plan {
  readonly type: KeyType
  readonly count: number
  /** The forms the user gets (files, JSON fields, text on stdout), in order. */
  readonly formats: ReadonlyArray<KeyFormat>
  /** Every form generated: `formats`, then what the manifest needs. */
  readonly generated: ReadonlyArray<KeyFormat>
  readonly encrypt: boolean
  readonly destination: Destination
  readonly comment: string | undefined
  readonly width: number
  /** With --seal-to: each private form an age file (`.age` after its name; armored in JSON). */
  readonly sealed: boolean
}

/** A form's file name after `key-000001`: a sealed private form's ends in `.age`. */
const suffixOf = (plan: Plan, format: KeyFormat): string => FILE_SUFFIX[format] + (plan.sealed && SECRET_FORMATS.has(format) ? ".age" : "")

const parsePlan = (options: KeygenCommandOptions): Plan => {
  if (options.type === undefined) throw new Usage(`--type is required (${KEY_TYPES.join(", ")})`)
  const type = options.type
  if (!(KEY_TYPES as ReadonlyArray<string>).includes(type)) throw new Usage(`unsupported key type '${type}' (${KEY_TYPES.join(", ")})`)
  const keyType = type as KeyType
  const countText = options.count ?? "1"
  if (!/^\d+$/.test(countText) || Number(countText) < 1 || Number(countText) > MAX_KEY_STREAM_COUNT) {
    throw new Usage(`--count must be a whole number from 1 to ${MAX_KEY_STREAM_COUNT} (got '${countText}')`)
  }
  const count = Number(countText)
  const asked: Array<KeyFormat> = []
  for (const name of (options.format ?? []).flatMap((f) => f.split(",")).map((f) => f.trim()).filter((f) => f !== "")) {
    if (!isKeyFormat(name)) throw new Usage(`unknown format '${name}' (${Object.keys(FILE_SUFFIX).join(", ")})`)
    if (!formatSupports(name, keyType)) throw new Usage(`${type} keys have no ${name} form`)
    if (!asked.includes(name)) asked.push(name)
  }
  const chosen = asked.length > 0 ? asked : defaultFormats(keyType)
  const encrypt = options.encrypt || options.passphraseFile !== undefined || chosen.some((f) => ENCRYPTED_FORMATS.has(f))
  const formats: Array<KeyFormat> = []
  for (const format of chosen) {
    if (encrypt && SECRET_FORMATS.has(format) && !ENCRYPTED_FORMATS.has(format)) {
      const encrypted = ENCRYPTED_FORM[format]
      if (encrypted === undefined) throw new Usage(`${format} has no encrypted form: leave it out, or leave out the passphrase`)
      if (!formats.includes(encrypted)) formats.push(encrypted)
    } else if (!formats.includes(format)) formats.push(format)
  }
  if (options.outDir !== undefined && options.jsonl !== undefined) throw new Usage("give one destination: --out-dir DIR or --jsonl FILE")
  const destination: Destination = options.outDir !== undefined
    ? { kind: "dir", dir: options.outDir }
    : options.jsonl !== undefined
    ? { kind: "jsonl", path: options.jsonl }
    : { kind: "stdout" }
  if (options.resume && destination.kind !== "dir") throw new Usage("--resume goes on with an --out-dir run")
  const sealed = options.sealTo !== undefined
  if (sealed && encrypt) throw new Usage("--seal-to seals the private keys with age: leave out --encrypt, --passphrase-file and the encrypted forms")
  if (sealed && !formats.some((f) => SECRET_FORMATS.has(f))) throw new Usage("--seal-to seals private keys, and no private form is asked for")
  if (destination.kind === "stdout") {
    if (count > 1) throw new Usage("more than one key needs a destination: --out-dir DIR or --jsonl FILE (- for standard output)")
    // A sealed private form is printed as an armored age file.
    const binary = formats.find((f) => BINARY.has(f) && !(sealed && SECRET_FORMATS.has(f)))
    if (binary !== undefined && !options.json) throw new Usage(`${binary} is binary: write it with --out-dir or --jsonl, or print --json`)
  }
  if (options.json && destination.kind === "jsonl" && destination.path === "-") throw new Usage("--json and --jsonl - would share standard output: give --jsonl a FILE")
  if (options.comment !== undefined && !hasOpenSsh(keyType)) throw new Usage(`--comment is for OpenSSH keys; ${type} has no OpenSSH form`)
  if (options.comment !== undefined && /[\r\n]/.test(options.comment)) throw new Usage("--comment must be one line")
  const generated = [...formats]
  const need = (f: KeyFormat) => {
    if (!generated.includes(f)) generated.push(f)
  }
  // The manifest holds each key's public key and fingerprints; a JSON line only the fingerprints.
  if (hasOpenSsh(keyType)) {
    if (destination.kind === "dir") need("openssh-public")
    need("ssh-fingerprint")
  }
  if (destination.kind === "dir") need("jwk-public")
  need("jwk-thumbprint")
  return { type: keyType, count, formats, generated, encrypt, destination, comment: options.comment, width: Math.max(6, String(count).length), sealed }
}

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? "EIO"
const ERRNO_TEXT: Record<string, string> = { ENOENT: "No such file or directory", EACCES: "Permission denied", EISDIR: "Is a directory", ENOTDIR: "Not a directory", ENOSPC: "No space left on device" }

/** The passphrase: --passphrase-file, else SLUICE_PASSPHRASE, else a prompt (twice) on a terminal. */
const readPassphrase = async (options: KeygenCommandOptions, err: (line: string) => void): Promise<Uint8Array | ExitCode> => {
  let bytes: Uint8Array
  if (options.passphraseFile !== undefined) {
    try {
      bytes = Uint8Array.from(fs.readFileSync(options.passphraseFile))
    } catch (error) {
      const code = codeOf(error)
      err(`sluice: ${options.passphraseFile}: ${ERRNO_TEXT[code] ?? `read failed (${code})`}`)
      return ExitCode.input
    }
  } else if (process.env["SLUICE_PASSPHRASE"] !== undefined) {
    bytes = new TextEncoder().encode(process.env["SLUICE_PASSPHRASE"])
  } else if (process.stdin.isTTY) {
    bytes = await prompt("Passphrase: ")
    const again = await prompt("Passphrase again: ")
    const same = Buffer.from(bytes).equals(Buffer.from(again))
    again.fill(0)
    if (!same) {
      bytes.fill(0)
      err("sluice: the passphrases differ")
      return ExitCode.usage
    }
  } else {
    err("sluice: encrypted keys need a passphrase: --passphrase-file FILE, SLUICE_PASSPHRASE, or a terminal to type it at")
    return ExitCode.usage
  }
  bytes = withoutNewline(bytes)
  if (bytes.length === 0 || bytes.length > KEYGEN_LIMITS.maxPassphraseBytes) {
    err(`sluice: the passphrase must be from 1 to ${KEYGEN_LIMITS.maxPassphraseBytes} bytes`)
    bytes.fill(0)
    return ExitCode.usage
  }
  return bytes
}

/**
 * Where a JSON line's values are in a key's outputs: the forms asked (`plan.formats`, the
 * first of `plan.generated`) under their names, then the fingerprints. Core builds the
 * lines (`keyJsonLine`): on the workers for --jsonl, here for the one key of --json.
 */
const lineLayout = (plan: Plan) => ({ type: plan.type, formats: plan.generated, fields: plan.formats.length })

/** One key as a JSON line: its index (from 1), its type, each form asked (DER in base64, JWK as objects), its fingerprints. */
const jsonLine = (plan: Plan, index: number, outputs: GeneratedKey["outputs"]): string =>
  keyJsonLine(
    keyLineTemplate(lineLayout(plan)),
    index,
    // A sealed private form is its armored age file, as a JSON string (as the workers write it in --jsonl).
    outputs.map((o) => plan.sealed && SECRET_FORMATS.has(o.format) ? JSON.stringify(Buffer.from(o.bytes).toString("utf8")) : lineValueOfBytes(o.format, o.bytes))
  )

const wipe = (outputs: GeneratedKey["outputs"]) => {
  for (const output of outputs) if (SECRET_FORMATS.has(output.format)) output.bytes.fill(0)
}

/** Writes all of `bytes` at the end of `fd`. */
const appendAll = (fd: number, bytes: Uint8Array) => {
  let offset = 0
  while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset)
}


interface Resumed {
  readonly done: number
  /**
   * With a directory: its subdirectories' names' width (`keyShardWidth`), or undefined
   * when the keys are side by side in it (a run of up to `KEY_SHARD_KEYS` keys, or one
   * resumed that was written so).
   */
  readonly shardWidth?: number | undefined
}

/** How a new run lays out its keys: in subdirectories past `KEY_SHARD_KEYS` keys. */
const shardWidthFor = (count: number): number | undefined => count > KEY_SHARD_KEYS ? keyShardWidth(count) : undefined

/**
 * Readies the directory before any work: created (0700) when missing; refused when it
 * holds files and --resume is not given. With --resume, the manifest's whole lines are the
 * keys done (a torn last line is cut off), and what is past them (temporary files, key
 * files of keys not in the manifest) is removed: they are made again.
 */
const prepareDir = (plan: Plan, dir: string, resume: boolean): Resumed => {
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Usage(`--out-dir ${dir}: not a directory`)
  } catch (error) {
    if (error instanceof Usage) throw error
    if (codeOf(error) !== "ENOENT") throw dirFailed(dir, error)
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    } catch (error) {
      throw dirFailed(dir, error)
    }
    return { done: 0, shardWidth: shardWidthFor(plan.count) }
  }
  if (!resume) {
    if (eachEntry(dir, () => false)) throw new Usage(`--out-dir ${dir} is not empty: give an empty or new directory, or --resume to go on with a run there`)
    return { done: 0, shardWidth: shardWidthFor(plan.count) }
  }
  const manifestPath = join(dir, MANIFEST)
  let done = 0
  // The run's layout, from its first line: a file under a subdirectory, or not.
  let shardWidth: number | undefined
  const check = (line: string) => {
    let entry: { index?: unknown; type?: unknown; files?: Record<string, string> }
    try {
      entry = JSON.parse(line)
    } catch {
      throw new Usage(`--resume: ${manifestPath} line ${done + 1} is not a manifest line`)
    }
    if (entry.index !== done + 1) throw new Usage(`--resume: ${manifestPath} line ${done + 1} is key ${String(entry.index)}, not ${done + 1}`)
    if (entry.type !== plan.type) throw new Usage(`--resume: the run in ${dir} made ${String(entry.type)} keys, not ${plan.type}`)
    const formats = Object.keys(entry.files ?? {})
    if (formats.join(",") !== plan.formats.join(",")) throw new Usage(`--resume: the run in ${dir} wrote ${formats.join(",")}; give the same --format (and passphrase options)`)
    // Sealed or not, as the run was: its private files' names say (`.age`).
    const suffixes = plan.formats.map((f) => /key-\d+(.*)$/.exec(String(entry.files?.[f]))?.[1])
    if (plan.formats.some((f, i) => suffixes[i] !== suffixOf(plan, f))) {
      throw new Usage(`--resume: the run in ${dir} was ${plan.sealed ? "not " : ""}sealed with age; give --seal-to as it was given`)
    }
    if (done === 0) {
      const slash = String(Object.values(entry.files ?? {})[0]).indexOf("/")
      shardWidth = slash > 0 ? slash : undefined
    }
    done++
  }
  let fd: number | undefined
  try {
    fd = fs.openSync(manifestPath, "r+")
  } catch (error) {
    if (codeOf(error) !== "ENOENT") throw dirFailed(manifestPath, error)
  }
  if (fd !== undefined) {
    try {
      // Line by line, a MiB at a time: a million keys' manifest is never read whole.
      const chunk = Buffer.alloc(1024 * 1024)
      let carry = Buffer.alloc(0)
      let whole = 0
      for (;;) {
        const read = fs.readSync(fd, chunk, 0, chunk.length, null)
        if (read === 0) break
        const bytes = Buffer.concat([carry, chunk.subarray(0, read)])
        let from = 0
        for (let nl = bytes.indexOf(0x0a, from); nl !== -1; nl = bytes.indexOf(0x0a, from)) {
          const line = bytes.toString("utf8", from, nl)
          if (line !== "") check(line)
          whole += nl + 1 - from
          from = nl + 1
        }
        carry = Buffer.from(bytes.subarray(from))
      }
      // A line cut short by a kill is not a key: it and its files are made again.
      if (carry.length > 0) fs.ftruncateSync(fd, whole)
    } catch (error) {
      if (error instanceof Usage) throw error
      throw dirFailed(manifestPath, error)
    } finally {
      fs.closeSync(fd)
    }
  }
  if (done > plan.count) throw new Usage(`--resume: ${dir} holds ${done} keys, more than --count ${plan.count}`)
  if (done === 0) shardWidth = shardWidthFor(plan.count)
  // Recursive only for the run's own directories: a key's name is only ever a file.
  const remove = (path: string, recursive = false) => {
    try {
      fs.rmSync(path, { recursive, force: true })
    } catch (error) {
      throw dirFailed(path, error)
    }
  }
  /** A key file past the manifest's keys (in `at`): removed. */
  const removePast = (at: string, entry: string) => {
    const match = /^key-(\d+)/.exec(entry)
    if (match !== null && Number(match[1]) > done) remove(join(at, entry))
    return true
  }
  // Staging directories (and temporary files of earlier versions), and keys not in the manifest.
  eachEntry(dir, (entry) => {
    if (entry.endsWith(".sluice-tmp")) remove(join(dir, entry), true)
    else if (shardWidth === undefined) removePast(dir, entry)
    else if (/^\d+$/.test(entry)) {
      const shard = Number(entry)
      const at = join(dir, entry)
      if (shard * KEY_SHARD_KEYS >= done) remove(at, true)
      else if (shard === Math.floor(done / KEY_SHARD_KEYS)) eachEntry(at, (name) => removePast(at, name))
    }
    return true
  })
  return { done, shardWidth }
}

/** Calls `f` on each name in `dir`, one at a time, until it returns false; whether any name was seen. */
const eachEntry = (dir: string, f: (name: string) => boolean): boolean => {
  let handle: fs.Dir
  try {
    handle = fs.opendirSync(dir)
  } catch (error) {
    throw dirFailed(dir, error)
  }
  let any = false
  try {
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
      any = true
      if (!f(entry.name)) break
    }
  } finally {
    handle.closeSync()
  }
  return any
}

/** A line on standard output that waits for the pipe to drain: memory stays bounded on a slow reader. */
const stdoutLine = (text: string | Uint8Array) =>
  Effect.callback<void>((resume) => {
    if (process.stdout.write(text)) resume(Effect.void)
    else process.stdout.once("drain", () => resume(Effect.void))
  })

type Failure = KeygenError | WorkerError | OutputFailed

const exitFor = (error: Failure, err: (line: string) => void): ExitCode => {
  err(`sluice: ${error.message}`)
  switch (error._tag) {
    case "OutputFailed":
      return ExitCode.output
    case "WorkerError":
      return ExitCode.internal
    case "KeygenError": {
      const tag = error.reason._tag
      return ["UnknownKeyType", "UnknownKeyFormat", "FormatNotForType", "BadPassphrase", "CountOutOfRange"].includes(tag) ? ExitCode.usage : ExitCode.internal
    }
  }
}

/**
 * Checks every option (exit 2 with one line, before a passphrase is asked for or a key
 * made), reads the passphrase when keys are encrypted, then generates and writes.
 */
export const keygenCommand = async (
  given: KeygenCommandOptions,
  out: (text: string) => void,
  err: (line: string) => void,
  early?: ReadonlyArray<EarlyWorker>,
  input?: string
): Promise<ExitCode> => {
  let options = given
  const usage = (message: string) => {
    err(`sluice: ${message}`)
    return ExitCode.usage
  }
  const pool = { workers: options.workers, cache: false, early, workerHeap: KEYGEN_WORKER_HEAP, tasksPerWorker: BATCHES_PER_WORKER } as const
  // age-keygen -y: the recipients of an identity file.
  if (options.y === true) {
    if (options.pq === true) return usage("--pq cannot be used with -y")
    const other = [
      ["--type", options.type],
      ["--count", options.count],
      ["--format", options.format],
      ["--out-dir", options.outDir],
      ["--jsonl", options.jsonl],
      ["--seal-to", options.sealTo],
      ["--passphrase-file", options.passphraseFile],
      ["--comment", options.comment]
    ].find(([, v]) => v !== undefined)
    if (other !== undefined || options.encrypt || options.resume) return usage(`-y prints the recipients of an identity file: it takes -o FILE and INPUT only, not ${other?.[0] ?? (options.encrypt ? "--encrypt" : "--resume")}`)
    return ageConvertCommand(input, { pq: false, output: options.output }, out, err)
  }
  if (input !== undefined) return usage(`too many arguments: '${input}' (an INPUT file is read with -y only)`)
  if (options.type === "age") {
    // --json prints the key as JSON: the X25519 key's age forms, as --type x25519 does.
    const bulk = options.outDir !== undefined || options.jsonl !== undefined || (options.count !== undefined && options.count !== "1") || options.json
    if (!bulk || options.pq === true || options.output !== undefined) {
      if (bulk) return usage("--type age with --pq or -o writes one key file, as age-keygen: leave out --count, --out-dir, --jsonl and --json")
      if (options.format !== undefined || options.encrypt || options.passphraseFile !== undefined || options.comment !== undefined || options.sealTo !== undefined || options.resume) {
        return usage("--type age writes age-keygen's key file: --format, passphrases, --comment, --seal-to and --resume are for other runs (--type x25519 for its forms)")
      }
      return runCommand(ageKeyProgram({ pq: options.pq === true, output: options.output }, out, err), pool)
    }
    // Many age keys: X25519 keys in their age forms.
    options = { ...options, type: "x25519" }
  }
  if (options.pq === true) return usage("--pq makes a post-quantum age key: give --type age")
  if (options.output !== undefined) return usage("-o FILE writes one age key (--type age) or -y's recipients; other keys go to --out-dir, --jsonl or standard output")
  let plan: Plan
  let resumed: Resumed = { done: 0 }
  let seal: KeyStreamRequest["seal"]
  try {
    plan = parsePlan(options)
    if (options.sealTo !== undefined) {
      const read = await readSealRecipients(options.sealTo)
      if ("message" in read) {
        err(`sluice: ${read.message}`)
        return read.code
      }
      // Files are binary age files; JSON lines and standard output get them armored.
      seal = { recipients: read.recipients, armor: plan.destination.kind !== "dir" }
    }
    if (plan.destination.kind === "dir") resumed = prepareDir(plan, plan.destination.dir, options.resume)
  } catch (error) {
    if (error instanceof DirFailed) {
      err(`sluice: ${error.message}`)
      return ExitCode.output
    }
    if (!(error instanceof Usage)) throw error
    err(`sluice: ${error.message}`)
    return ExitCode.usage
  }
  let passphrase: Uint8Array | undefined
  if (plan.encrypt) {
    const read = await readPassphrase(options, err)
    if (typeof read === "number") return read
    passphrase = read
  }
  const request: KeyStreamRequest = {
    type: plan.type,
    count: plan.count - resumed.done,
    start: resumed.done,
    formats: plan.generated,
    ...(passphrase === undefined ? {} : { passphrase }),
    ...(plan.comment === undefined ? {} : { comment: plan.comment }),
    ...(seal === undefined ? {} : { seal })
  }
  const program = run(plan, request, resumed, options, out, err).pipe(
    Effect.ensuring(Effect.sync(() => passphrase?.fill(0)))
  )
  // Before the first worker starts: the flags are the process's, every thread's heap follows them.
  setFlagsFromString(FIXED_YOUNG_GENERATION)
  setFlagsFromString(ROOMIER_OLD_GENERATION)
  // Each worker holds its next batch while the last one's lines cross (core's keygen handler makes them in turn).
  return runCommand(program, pool)
}

/**
 * V8 doubles a thread's young generation each time enough has survived its collections
 * since the last growth, and over a long run enough always has (the batches in flight are
 * alive at every scavenge): on the main thread it reached ~100 MiB of a 150-165 MiB heap
 * after 60,000 Ed25519 keys, holding 13 MiB of live objects, and the CLI's peak RSS grew
 * with the count (534 MiB at 60,000 keys, 2 workers). The growth factor is read at each
 * growth, so setting it to 1 here keeps every young generation at its starting size: the
 * main thread's heap then peaked at 38 MiB over 40,000 keys, each worker's at 24 MiB, with
 * the same CPU time per key within noise.
 */
const FIXED_YOUNG_GENERATION = "--semi-space-growth-factor=1"

/**
 * V8 sets a heap's next full collection at a small multiple of what survived the last; the
 * main thread holds ~10 MiB, and the batches' buffers it takes in and writes out count
 * towards that limit, so it ran a full collection every ~0.3 s (7 in 200,000 Ed25519 keys,
 * ~0.11 s of its CPU, more on V8's helper threads: the cores the workers need). Read at
 * each collection, so setting it now holds from the next one: at most 5x what survived,
 * 2 full collections there. 1,000,000 Ed25519 keys on 2 workers, quiet, alternating:
 * 11.64-11.69 s against 12.20-13.02 s (user CPU 21.8 s against 22.9-24.4 s); one worker
 * unchanged (21.0-21.6 s); peak RSS 184-189 MiB against 161-169 (the ceiling is 256).
 */
const ROOMIER_OLD_GENERATION = "--heap-growing-percent=400"

const run = (
  plan: Plan,
  request: KeyStreamRequest,
  resumed: Resumed,
  options: KeygenCommandOptions,
  out: (text: string) => void,
  err: (line: string) => void
): Effect.Effect<ExitCode, never, WorkerPool> => {
  const started = performance.now()
  let written = resumed.done
  const progress = makeProgressReporter(process.stderr, 400, renderKeyProgress)
  const onProgress = (event: JobProgress) =>
    Effect.sync(() => progress.update(new JobProgress({ ...event, bytes: event.bytes + resumed.done, total: plan.count })))
  const destination = plan.destination
  const summary = (extra: Record<string, unknown>) => {
    if (!options.json) return
    const seconds = (performance.now() - started) / 1000
    const made = written - resumed.done
    out(JSON.stringify({
      type: plan.type,
      count: plan.count,
      written,
      ...(resumed.done > 0 ? { resumedFrom: resumed.done } : {}),
      formats: plan.formats,
      encrypted: plan.encrypt,
      ...(plan.sealed ? { sealed: true } : {}),
      ...extra,
      seconds: Number(seconds.toFixed(3)),
      keysPerSecond: Number((made / Math.max(seconds, 1e-3)).toFixed(1))
    }) + "\n")
  }

  let body: Effect.Effect<void, Failure, WorkerPool>
  if (destination.kind === "stdout") {
    body = Stream.runForEach(generateKeyStream(request), (event) =>
      Effect.sync(() => {
        if (event instanceof JobProgress) return
        if (options.json) out(jsonLine(plan, event.index, event.outputs))
        else for (const o of event.outputs) if (plan.formats.includes(o.format)) out(Buffer.from(o.bytes).toString("utf8"))
        written++
        wipe(event.outputs)
      }))
  } else if (destination.kind === "jsonl") {
    // A batch at a time, as the worker wrote its lines (one buffer): one write per batch,
    // and nothing per key on this thread. A file's writer zeroes each buffer once written
    // when it holds private keys; standard output's may hold it until it is flushed.
    const each = (write: (bytes: Uint8Array) => Effect.Effect<void, OutputFailed>) =>
      Stream.runForEach(generateKeyBatches({ ...request, lines: { fields: lineLayout(plan).fields } }), (event) => {
        if (event instanceof JobProgress) return onProgress(event)
        // Standard output may be the terminal the progress line is on.
        if (destination.path === "-") progress.clear()
        return Effect.tap(write(event.lines ?? new Uint8Array(0)), () => Effect.sync(() => written += event.count))
      })
    if (destination.path === "-") body = each(stdoutLine)
    else {
      const path = destination.path
      let temp: string | undefined
      const secret = plan.formats.some((f) => SECRET_FORMATS.has(f))
      body = writeAtomically(path, (file) => {
        temp = file.tempPath
        outputs.pending.set(temp, path)
        return each((bytes) => file.write(bytes))
      }, { mode: secret ? 0o600 : 0o644, keepMode: !secret, wipe: secret }).pipe(
        Effect.onExit((exit) => Effect.sync(() => {
          if (temp !== undefined) outputs.pending.delete(temp)
          if (!Exit.isSuccess(exit)) outputs.notWritten.add(path)
        }))
      )
    }
  } else {
    body = writeDir(plan, destination.dir, request, resumed.shardWidth, onProgress, (n) => written += n)
  }
  return body.pipe(
    Effect.ensuring(Effect.sync(() => progress.clear())),
    Effect.map(() => {
      // With no destination, --json printed the key itself.
      if (destination.kind !== "stdout") summary(destination.kind === "dir"
        ? { outDir: destination.dir, manifest: join(destination.dir, MANIFEST) }
        : destination.kind === "jsonl" ? { jsonl: destination.path } : {})
      return ExitCode.ok as ExitCode
    }),
    Effect.catch((error: Failure) =>
      Effect.sync(() => {
        progress.clear()
        const code = exitFor(error, err)
        if (destination.kind === "dir" && written > 0) {
          err(`sluice: ${destination.dir}: ${written} of ${plan.count} keys written whole and in ${MANIFEST}; --resume goes on from there`)
        } else if (destination.kind === "jsonl" && destination.path !== "-") err(`sluice: ${destination.path}: not written`)
        return code
      })
    )
  )
}

/**
 * A group of keys is made durable together once it holds this many files, or is this old
 * (and, with subdirectories, ends at one's end): one flush of the filesystem for thousands
 * of files instead of one fsync each (~2.5 ms apiece on a disk here, which capped
 * --out-dir at ~400 files/s). A crash loses at most the keys of the groups not yet
 * committed (`MAX_QUEUED_FILES` files, and the group filling).
 */
const GROUP_FILES = 4096
const GROUP_MILLIS = 500
/**
 * Files of full groups waiting for their flush, at most: past this the writer waits. A
 * flush takes what has queued since the last one began, in one `syncfs`, so the writer goes
 * on while one is under way (a `syncfs` flushes the whole filesystem, other programs'
 * writes too: 50-800 ms each on this shared disk, measured, with the writer idle behind it
 * when only one group could wait).
 */
const MAX_QUEUED_FILES = 4 * GROUP_FILES

interface Group {
  /** The first key and the size of each batch, in order. */
  readonly batches: Array<{ readonly first: number; readonly count: number }>
  /** The manifest lines of the group's batches, as each worker made them. */
  readonly lines: Array<Uint8Array>
  files: number
  keys: number
  readonly started: number
}

/**
 * One file per key per form, then the key's line in the manifest, so that a key in the
 * manifest is whole on disk. The worker that makes a batch of keys writes its files itself,
 * into a staging directory (hidden, 0700, named with the run's random token), each created
 * new with its final mode (0600 for private forms: never wider, not even for a moment): a
 * private key never crosses to this thread, which gets the batch's manifest lines only.
 *
 * More than `KEY_SHARD_KEYS` keys go in subdirectories of that many (`0000/`, `0001/`...),
 * each staged whole (no batch spans two) and moved into place by one rename of its staging
 * directory; fewer are renamed one by one from the run's one staging directory into the
 * directory itself. Keys are committed in groups: every staged file's bytes are made durable
 * at once (`syncFilesDurably`), the subdirectories (or files) are renamed into place, the
 * directory is flushed, and only then are the group's lines appended to the manifest, in one
 * write. The next groups are staged while one flush is under way, and the next flush takes
 * all of them at once; at most `MAX_QUEUED_FILES` files wait. A failure or an interrupt
 * removes the staging directories and what is in them.
 *
 * Why (Ed25519, PKCS#8 and SPKI PEM, 20,000 keys, 2 workers, 2026-12): this thread
 * creating, writing and renaming every file was the bound, at ~124-240 µs of its CPU a key
 * (two workers writing into one directory contend for its lock instead). A Python loop of
 * the same calls, no keys made: one writer into one directory 9,400 keys/s; two writers,
 * each into its own subdirectory, staged and renamed whole, 19,700 keys/s.
 */
const writeDir = (
  plan: Plan,
  dir: string,
  request: KeyStreamRequest,
  shardWidth: number | undefined,
  onProgress: (event: JobProgress) => Effect.Effect<void>,
  wrote: (keys: number) => void
): Effect.Effect<void, Failure, WorkerPool> => {
  const manifestPath = join(dir, MANIFEST)
  // Names are the run's own (created exclusively): a stale one from a killed run is refused, not reused.
  const token = randomBytes(6).toString("hex")
  const fail = (path: string) => (cause: unknown) => new OutputFailed({ path, code: codeOf(cause) })
  const newGroup = (): Group => ({ batches: [], lines: [], files: 0, keys: 0, started: performance.now() })
  let group = newGroup()
  let flushing: Promise<void> | undefined

  // Paths as strings built here, not through `join` per file: the directory once, normalized.
  const root = join(dir, ".")
  const prefix = root.endsWith(sep) ? root : root + sep
  const fields = plan.formats.length
  const suffixes = plan.formats.map((f) => suffixOf(plan, f))
  /** The subdirectory a resumed run had begun and not filled (its keys go in one by one), or -1. */
  const start = request.start ?? 0
  const partial = shardWidth !== undefined && start % KEY_SHARD_KEYS !== 0 ? Math.floor(start / KEY_SHARD_KEYS) : -1
  /** Where the batch from key `first` is staged, and where its files end up (with a slash). */
  const stageOf = (first: number) =>
    shardWidth === undefined ? `${prefix}.${token}.sluice-tmp` : `${prefix}.${keyShardName(first, shardWidth)}.${token}.sluice-tmp`
  const placeOf = (first: number) => shardWidth === undefined ? prefix : `${prefix}${keyShardName(first, shardWidth)}${sep}`
  /** Staging directories asked for and not yet moved into place (each with its place): removed on a failure or an interrupt. */
  const staged = new Map<string, string>()
  /**
   * The batch's staging directory, made here (0700) the first time it is asked for: a
   * worker only writes into it, so one still finishing a batch after the run ended cannot
   * make again a directory the run removed. Should it not be made, the worker's first
   * file fails and says why.
   */
  const stage = (first: number) => {
    const path = stageOf(first)
    if (!staged.has(path)) {
      staged.set(path, placeOf(first))
      outputs.pending.set(path, dir)
      try {
        fs.mkdirSync(path, { mode: 0o700 })
      } catch {
        // The worker's write reports it.
      }
    }
    return path
  }
  /** The staged files of some batches, for a filesystem that cannot be flushed whole. */
  const stagedFiles = (groups: ReadonlyArray<Group>) => {
    const paths: Array<string> = []
    for (const g of groups) {
      for (const { first, count } of g.batches) {
        const at = stageOf(first) + sep
        for (let k = 0; k < count; k++) for (let i = 0; i < fields; i++) paths.push(at + keyFileName(first + k, plan.width, suffixes[i]!))
      }
    }
    return paths
  }
  // A file a worker could not write is named by its place, not its staging path.
  const named = (error: Failure): Failure => {
    if (error._tag !== "OutputFailed") return error
    const at = error.path.lastIndexOf(sep)
    const place = staged.get(error.path.slice(0, at))
    return place === undefined ? error : new OutputFailed({ path: place + error.path.slice(at + 1), code: error.code })
  }

  const takeBatch = (batch: GeneratedKeyBatch) => {
    const files = batch.files
    if (files === undefined) throw new Error("a batch without its files")
    group.lines.push(files.manifest)
    group.batches.push({ first: batch.first, count: batch.count })
    group.files += batch.count * fields
    group.keys += batch.count
  }

  /** Durable, moved into place, the directory flushed, then in the manifest, in order: the groups' keys are done. */
  const commit = async (fd: number, done: ReadonlyArray<Group>) => {
    await syncFilesDurably(dir, () => [...stagedFiles(done), ...new Set(done.flatMap((g) => g.batches.map((b) => stageOf(b.first))))]).catch(
      (cause: unknown) => {
        throw fail(dir)(cause)
      }
    )
    const move = (from: string, to: string) => {
      try {
        fs.renameSync(from, to)
      } catch (cause) {
        throw fail(to)(cause)
      }
    }
    for (const g of done) {
      for (const { first, count } of g.batches) {
        const from = stageOf(first)
        const ends = (first + count) % KEY_SHARD_KEYS === 0 || first + count === plan.count
        if (shardWidth !== undefined && Math.floor(first / KEY_SHARD_KEYS) !== partial) {
          // A group ends at a subdirectory's end: the batch that ends one moves it whole.
          if (ends) {
            move(from, placeOf(first).slice(0, -1))
            staged.delete(from)
            outputs.pending.delete(from)
          }
          continue
        }
        // Keys side by side, or joining a subdirectory a resumed run had begun: file by file.
        const place = placeOf(first)
        for (let k = 0; k < count; k++) {
          for (let i = 0; i < fields; i++) {
            const name = keyFileName(first + k, plan.width, suffixes[i]!)
            move(from + sep + name, place + name)
          }
        }
        if (shardWidth !== undefined && ends) {
          fs.rmSync(from, { recursive: true, force: true })
          staged.delete(from)
          outputs.pending.delete(from)
        }
      }
    }
    await syncDirectory(dir).catch((cause: unknown) => {
      throw fail(dir)(cause)
    })
    for (const g of done) {
      try {
        appendAll(fd, g.lines.length === 1 ? g.lines[0]! : Buffer.concat(g.lines))
      } catch (cause) {
        throw fail(manifestPath)(cause)
      }
      wrote(g.keys)
    }
  }

  /** Full groups waiting for the next flush, in order, and their files. */
  let queued: Array<Group> = []
  let queuedFiles = 0
  /** The first failure of a flush: every later rotation fails with it. */
  let failed: { readonly cause: unknown } | undefined
  /** Set when the writer ends: no flush starts after that. */
  let closing = false

  /** Starts a flush of every group queued, unless one is under way (its end starts the next). */
  const pump = (fd: number): void => {
    if (flushing !== undefined || queued.length === 0 || failed !== undefined || closing) return
    const done = queued
    queued = []
    queuedFiles = 0
    flushing = commit(fd, done).then(
      () => {
        flushing = undefined
        pump(fd)
      },
      (cause: unknown) => {
        failed ??= { cause }
        flushing = undefined
      }
    )
  }

  /**
   * Queues the group filled (a flush starts if none is under way) and starts a new one;
   * waits while too many files are queued, or, at the end (`last`), until all are done.
   */
  const rotate = (fd: number, last = false) =>
    Effect.tryPromise({
      try: async () => {
        if (group.keys > 0) {
          queued.push(group)
          queuedFiles += group.files
          group = newGroup()
        }
        pump(fd)
        while (failed === undefined && flushing !== undefined && (last || queuedFiles >= MAX_QUEUED_FILES)) await flushing
        if (failed !== undefined) throw failed.cause
      },
      catch: (cause) => cause instanceof OutputFailed ? cause : fail(dir)(cause)
    })

  return Effect.acquireUseRelease(
    Effect.try({
      try: () => fs.openSync(manifestPath, "a", 0o644),
      catch: fail(manifestPath)
    }),
    (fd) =>
      generateKeyBatches({ ...request, files: { fields, width: plan.width, suffixes, shardWidth, stage } }).pipe(
        Stream.mapError(named),
        Stream.runForEach((event) => {
          if (event instanceof JobProgress) return onProgress(event)
          return Effect.suspend(() => {
            try {
              takeBatch(event)
            } catch (error) {
              return Effect.fail(error instanceof OutputFailed ? error : fail(dir)(error))
            }
            const end = event.first + event.count
            const whole = shardWidth === undefined || end % KEY_SHARD_KEYS === 0
            const full = whole && (group.files >= GROUP_FILES || performance.now() - group.started >= GROUP_MILLIS)
            return full ? rotate(fd) : Effect.void
          })
        }),
        // The last group, and the wait for every flush.
        Effect.andThen(rotate(fd, true))
      ),
    (fd) =>
      Effect.promise(async () => {
        // A flush under way ends (or fails) before its files are judged.
        closing = true
        while (flushing !== undefined) await flushing
        // Staging directories left: empty after a whole run (without subdirectories), else
        // the keys of groups not committed.
        for (const path of staged.keys()) {
          fs.rmSync(path, { recursive: true, force: true })
          outputs.pending.delete(path)
        }
        try {
          fs.fsyncSync(fd)
        } finally {
          fs.closeSync(fd)
        }
      })
  )
}
