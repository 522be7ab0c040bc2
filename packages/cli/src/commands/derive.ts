/**
 * `sluice derive pbkdf2|hkdf`: one key from explicit parameters. The secret (a password,
 * or HKDF's input key material) comes from standard input, a file or a prompt without
 * echo, never from the command line: arguments are visible to every user of the machine
 * (`ps`, /proc/PID/cmdline) and are kept in shell history.
 */
import { derive, DERIVE_LIMITS, isPbkdf2, type DeriveError, type DeriveParams, isInvalidParameters, type KdfAlgorithm, validateDerive, type WorkerPool } from "@sluice/core"
import { writeAtomically } from "@sluice/core/node"
import { Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { ExitCode } from "../exitCodes.js"
import type { EarlyWorker } from "../earlyWorker.js"
import { outputs, runCommand } from "../runtime.js"

export const KDFS = ["pbkdf2", "hkdf"] as const
export const KDF_HASHES = ["sha256", "sha512"] as const
export const KEY_ENCODINGS = ["hex", "base64", "raw"] as const

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
  readonly allowShortSalt: boolean
  readonly encoding: string
  readonly output?: string
  readonly json: boolean
  readonly workers?: string
}

/** A usage error: said before anything is read or derived. */
class Usage {
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

const wholeNumber = (name: string, value: string | undefined): number => {
  if (value === undefined) throw new Usage(`--${name} is required`)
  if (!/^\d+$/.test(value)) throw new Usage(`--${name} must be a whole number (got '${value}')`)
  return Number(value)
}

/** Everything but the secret, checked: a mistake costs neither a prompt nor a derivation. */
const parseParameters = (kdf: string, options: DeriveCommandOptions) => {
  if (!(KDFS as ReadonlyArray<string>).includes(kdf)) throw new Usage(`unknown key derivation '${kdf}' (${KDFS.join(", ")})`)
  if (options.hash === undefined) throw new Usage(`--hash is required (${KDF_HASHES.join(", ")})`)
  if (!(KDF_HASHES as ReadonlyArray<string>).includes(options.hash)) {
    throw new Usage(`unsupported hash '${options.hash}' (${KDF_HASHES.join(", ")})`)
  }
  if (!(KEY_ENCODINGS as ReadonlyArray<string>).includes(options.encoding)) {
    throw new Usage(`unknown encoding '${options.encoding}' (${KEY_ENCODINGS.join(", ")})`)
  }
  if (options.encoding === "raw" && options.output === undefined) throw new Usage("--encoding raw writes bytes: give -o FILE")
  if (options.encoding === "raw" && options.json) throw new Usage("--json prints text: choose --encoding hex or base64")
  const algorithm = `${kdf}-${options.hash}` as KdfAlgorithm
  const length = wholeNumber("length", options.length)
  const salt = bytesOption("salt", { text: options.salt, hex: options.saltHex, base64: options.saltBase64 })
  const empty = new Uint8Array(0)
  if (kdf === "pbkdf2") {
    if (options.info !== undefined || options.infoHex !== undefined) throw new Usage("--info is for hkdf; pbkdf2 has none")
    if (salt === undefined) throw new Usage("pbkdf2 needs a salt: --salt, --salt-hex or --salt-base64")
    const iterations = wholeNumber("iterations", options.iterations)
    return (password: Uint8Array): DeriveParams => ({
      algorithm: algorithm as Extract<KdfAlgorithm, `pbkdf2-${string}`>,
      password,
      salt,
      iterations,
      length,
      allowShortSalt: options.allowShortSalt
    })
  }
  if (options.iterations !== undefined) throw new Usage("--iterations is for pbkdf2; hkdf has none")
  if (options.allowShortSalt) throw new Usage("--allow-short-salt is for pbkdf2; hkdf takes any salt")
  const info = bytesOption("info", { text: options.info, hex: options.infoHex }) ?? empty
  return (ikm: Uint8Array): DeriveParams => ({
    algorithm: algorithm as Extract<KdfAlgorithm, `hkdf-${string}`>,
    ikm,
    // RFC 5869 §2.2: no salt is HashLen zero bytes, which an empty salt gives.
    salt: salt ?? empty,
    info,
    length
  })
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

/** A line typed on the terminal, not echoed; Ctrl-C ends the program as it would anywhere else. */
const prompt = (question: string): Promise<Uint8Array> =>
  new Promise((resolve) => {
    const stdin = process.stdin
    process.stderr.write(question)
    stdin.setRawMode(true)
    stdin.resume()
    let typed: Array<number> = []
    const done = (value: Array<number> | undefined) => {
      stdin.removeListener("data", onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write("\n")
      if (value === undefined) process.exit(ExitCode.interrupted)
      resolve(Uint8Array.from(value))
    }
    const onData = (chunk: Buffer) => {
      for (const byte of chunk) {
        if (byte === 0x03) return done(undefined)
        if (byte === 0x0d || byte === 0x0a || byte === 0x04) return done(typed)
        if (byte === 0x7f || byte === 0x08) typed = typed.slice(0, -1)
        else typed.push(byte)
      }
      chunk.fill(0)
    }
    stdin.on("data", onData)
  })

/** One trailing newline, as `echo` and editors leave it, is not part of a password. */
const withoutNewline = (bytes: Uint8Array): Uint8Array => {
  const cut = bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? 2 : 1) : 0
  if (cut === 0) return bytes
  const trimmed = bytes.slice(0, bytes.length - cut)
  bytes.fill(0)
  return trimmed
}

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? "EIO"
const ERRNO_TEXT: Record<string, string> = { ENOENT: "No such file or directory", EACCES: "Permission denied", EISDIR: "Is a directory" }

/** The secret: `--password-file`, else standard input, else (a terminal) a prompt. */
const readSecret = async (kdf: string, options: DeriveCommandOptions, err: (line: string) => void): Promise<Uint8Array | ExitCode> => {
  const what = kdf === "pbkdf2" ? "password" : "input key material"
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
    bytes = await prompt(kdf === "pbkdf2" ? "Password: " : "Input key material: ")
  } else {
    bytes = await readStdin()
  }
  // A password is text typed or echoed into a file; HKDF's input is bytes, taken as they are.
  if (kdf === "pbkdf2") bytes = withoutNewline(bytes)
  if (bytes.length === 0) {
    err(`sluice: the ${what} is empty (give it on standard input, with --password-file, or at the prompt)`)
    return ExitCode.usage
  }
  return bytes
}

const encode = (key: Uint8Array, encoding: string) => Buffer.from(key.buffer, key.byteOffset, key.length).toString(encoding === "base64" ? "base64" : "hex")

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
  let params: (secret: Uint8Array) => DeriveParams
  try {
    params = parseParameters(kdf, options)
  } catch (error) {
    if (!(error instanceof Usage)) throw error
    err(`sluice: ${error.message}`)
    return ExitCode.usage
  }
  const refused = (error: DeriveError) => {
    err(`sluice: ${error.message}`)
    return isInvalidParameters(error.reason) ? ExitCode.usage : ExitCode.internal
  }
  // The same check the pipeline makes, on a stand-in secret, before asking for the real one.
  const checked = await Effect.runPromise(Effect.exit(validateDerive(params(new Uint8Array(1)))))
  if (Exit.isFailure(checked)) {
    const error = checked.cause.reasons.find((r) => r._tag === "Fail")
    if (error !== undefined) return refused(error.error)
  }
  const secret = await readSecret(kdf, options, err)
  if (typeof secret === "number") return secret
  // The request holds the secret itself: wiped once the key is out, or the run failed.
  const request = params(secret)
  // On a worker of the pool (-w 0: this thread), never through the result cache.
  return runCommand(deriveAndWrite(request, options, out, refused, err), { workers: options.workers, cache: false, early })
}

const deriveAndWrite = (
  request: DeriveParams,
  options: DeriveCommandOptions,
  out: (text: string) => void,
  refused: (error: DeriveError) => ExitCode,
  err: (line: string) => void
): Effect.Effect<ExitCode, never, WorkerPool> =>
  Effect.gen(function*() {
    const derived = yield* derive(request)
    const text = options.json
      ? JSON.stringify({ algorithm: request.algorithm, ...("iterations" in request ? { iterations: request.iterations } : {}), length: request.length, encoding: options.encoding, key: encode(derived, options.encoding) }) + "\n"
      : options.encoding === "raw" ? undefined : encode(derived, options.encoding) + "\n"
    const path = options.output
    if (path === undefined) {
      out(text!)
      return ExitCode.ok
    }
    let temp: string | undefined
    return yield* writeAtomically(path, (file) => {
      temp = file.tempPath
      outputs.pending.set(temp, path)
      return file.write(text ?? derived)
    }, { mode: 0o600, keepMode: false }).pipe(
      Effect.ensuring(Effect.sync(() => {
        if (temp !== undefined) outputs.pending.delete(temp)
        derived.fill(0)
      })),
      Effect.as(ExitCode.ok),
      Effect.catchTag("OutputFailed", (error) => Effect.sync(() => {
        err(`sluice: ${error.message}`)
        return ExitCode.output
      }))
    )
  }).pipe(
    Effect.ensuring(Effect.sync(() => (isPbkdf2(request) ? request.password : request.ikm).fill(0))),
    Effect.catchTag("DeriveError", (error) => Effect.sync(() => refused(error))),
    Effect.catchTag("WorkerError", (error) => Effect.sync(() => {
      err(`sluice: ${error.message}`)
      return ExitCode.internal
    }))
  )
