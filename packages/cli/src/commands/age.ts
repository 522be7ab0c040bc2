/**
 * `sluice encrypt` and `sluice decrypt`: age files (C2SP age v1) with age's own flags
 * (issue 14, design §5.5), on the pool: the payload's 64 KiB chunks sealed and opened on
 * every worker at once. A regular file output is written whole or not at all (a hidden
 * temporary file renamed only after the last chunk sealed or authenticated); standard
 * output, a device or a FIFO gets the output in order (only authenticated plaintext), and
 * a failure stops it with a non-zero exit.
 */
import {
  type AgeErrorReason,
  type AgeIdentity,
  type AgeRecipient,
  ARMOR_DETECTION_BYTES,
  checkRecipients,
  decrypt,
  decryptToSink,
  encrypt,
  encryptToSink,
  forgetIdentities,
  isArmored,
  JobProgress,
  OutputFailed,
  parseIdentityFile,
  parseRecipient,
  parseRecipientsFile,
  PathSink,
  recipientsOfIdentities,
  pathSourceFromBytes,
  type Source,
  StdinSource,
  type WorkerPool
} from "@sluice/core"
import { NodeByteSource, nodeAgeKeyKernel, writeAtomically } from "@sluice/core/node"
import { Effect, Exit, Fiber, Schedule, Stream } from "effect"
import { closeSync, promises as fsPromises, openSync, readFileSync, readSync, statSync } from "node:fs"
import { ExitCode, exitCodeForAge } from "../exitCodes.js"
import { osBytes } from "../names.js"
import { makeProgressReporter } from "../progress.js"
import { outputs } from "../runtime.js"
import {
  AgeUsage,
  BINARY_TO_TERMINAL,
  type DecryptPlan,
  type EncryptPlan,
  hasControlCharacters,
  TERMINAL_PLAINTEXT_LIMIT,
  TOO_LONG_FOR_TERMINAL
} from "./ageArgs.js"
import { decryptPassphrase, devTty, encryptPassphrase, type IdentityFilePassphrases, identityFilePassphrases } from "./agePassphrase.js"

type Err = (line: string) => void

/** A failure that is not an age reason: its lines are printed, the run exits with `code`. */
class Stop {
  constructor(readonly code: ExitCode, readonly lines: ReadonlyArray<string>) {}
}

const usage = (problem: AgeUsage) => new Stop(ExitCode.usage, problem.lines())

const ERRNO_TEXT: Record<string, string> = { ENOENT: "No such file or directory", EACCES: "Permission denied", EISDIR: "Is a directory" }
const errnoText = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code ?? "EIO"
  return ERRNO_TEXT[code] ?? `read failed (${code})`
}

/** The most a recipients or identity file may hold (age's 16 MiB). */
const KEY_FILE_LIMIT = 16 * 1024 * 1024

/** A recipients file's text, or an identity file's bytes (an encrypted one is binary); `-` is standard input. */
function readKeyFile(name: string, what: string): string
function readKeyFile(name: string, what: string, bytes: "bytes"): Uint8Array
function readKeyFile(name: string, what: string, bytes?: "bytes"): string | Uint8Array {
  try {
    if (name !== "-" && statSync(name).size > KEY_FILE_LIMIT) throw new Stop(ExitCode.input, [`sluice: ${name}: the ${what} is longer than 16 MiB`])
    const read = readFileSync(name === "-" ? 0 : name)
    if (bytes === undefined) return read.toString("utf8")
    const copy = Uint8Array.from(read)
    read.fill(0)
    return copy
  } catch (error) {
    if (error instanceof Stop) throw error
    throw new Stop(ExitCode.input, [`sluice: ${name === "-" ? "standard input" : name}: ${errnoText(error)}`])
  }
}

/**
 * The recipients of `-r` and `-R`, checked as age checks them. A bad one is named by its
 * position or file and line, never quoted: a secret key pasted by mistake must not be echoed.
 */
export const readRecipients = (plan: Pick<EncryptPlan, "recipients" | "recipientsFiles">, err: Err): Array<AgeRecipient> => {
  const recipients: Array<AgeRecipient> = []
  plan.recipients.forEach((text, index) => {
    const parsed = parseRecipient(text)
    if (parsed._tag === "BadRecipient") {
      const hint = text.startsWith("AGE-SECRET-KEY-") ? ["that is a secret key: give its recipient (sluice keygen -y, age-keygen -y)"] : []
      throw usage(new AgeUsage(`-r (recipient ${index + 1}): ${parsed.problem}`, ...hint))
    }
    recipients.push(parsed.recipient)
  })
  for (const name of plan.recipientsFiles) {
    const parsed = parseRecipientsFile(readKeyFile(name, "recipients file"))
    const shown = name === "-" ? "standard input" : name
    if (parsed._tag === "BadRecipient") {
      throw usage(new AgeUsage(`-R ${shown}: ${parsed.line === undefined ? "" : `line ${parsed.line}: `}${parsed.problem}`))
    }
    for (const skipped of parsed.skipped) err(`sluice: warning: -R ${shown}: line ${skipped.line}: ${skipped.type} keys can't be encrypted to; skipped`)
    recipients.push(...parsed.recipients)
  }
  const incompatible = checkRecipients(recipients)
  if (incompatible !== undefined) throw usage(new AgeUsage(incompatible.message))
  return recipients
}

/**
 * The identities of `-i`; an encrypted SSH key asks for its passphrase when a stanza names
 * it, a passphrase-encrypted identity file when its identities are first needed (`files`'
 * passphrases: `--passphrase-fd`, SLUICE_PASSPHRASE or the terminal).
 */
export const readIdentities = (names: ReadonlyArray<string>, files: IdentityFilePassphrases, err: Err): Array<AgeIdentity> => {
  const identities: Array<AgeIdentity> = []
  for (const name of names) {
    const shown = name === "-" ? "standard input" : name
    const bytes = readKeyFile(name, "identity file", "bytes")
    const parsed = parseIdentityFile(bytes, {
      name: shown,
      filePassphrase: files.ask,
      noMatchWarning: (file) => err(`sluice: warning: encrypted identity file ${JSON.stringify(file)} didn't match file's recipients`),
      passphrase: async (key) => {
        const tty = devTty()
        if (tty === undefined) return undefined
        try {
          return await tty.ask(`Enter passphrase for "${key}": `)
        } finally {
          tty.close()
        }
      }
    })
    bytes.fill(0)
    if (parsed._tag === "BadIdentityFile") {
      forgetIdentities(identities)
      throw new Stop(ExitCode.input, [`sluice: -i ${shown}: ${parsed.line === undefined ? "" : `line ${parsed.line}: `}${parsed.problem}`])
    }
    identities.push(...parsed.identities)
  }
  return identities
}

const sourceOf = (input: EncryptPlan["input"]): Source => input.kind === "stdin" ? new StdinSource() : pathSourceFromBytes(osBytes(input.path))

/** Bytes on standard output, waiting for the pipe to drain: memory stays bounded on a slow reader. */
const writeStdout = (bytes: Uint8Array) =>
  Effect.callback<void>((resume) => {
    if (process.stdout.write(bytes)) resume(Effect.void)
    else process.stdout.once("drain", () => resume(Effect.void))
  })

/** Bytes on standard output, done once the stream has written them (they may then be released). */
const writeStdoutWhole = (bytes: Uint8Array) =>
  Effect.callback<void>((resume) => {
    process.stdout.write(bytes, () => resume(Effect.void))
  })

/** Pieces smaller than this are left to the collector. */
const RELEASE_MIN = 1024 * 1024

/**
 * What the output does with a piece once it is written. The pool hands each piece over in
 * an array of its own (4 MiB); left to the collector, pieces written at GB/s piled up before
 * it ran (peak RSS ~180-200 MiB to /dev/null against ~140 MiB to a file, 256 MiB encrypted).
 * `release` frees the piece's memory at once (ArrayBuffer.prototype.transfer), after wiping
 * plaintext; only for streams whose pieces nothing else holds (encrypt unarmored, decrypt).
 */
interface Owned {
  readonly release: boolean
  readonly wipe: boolean
}

const NOT_OWNED: Owned = { release: false, wipe: false }

const done = (bytes: Uint8Array, owned: Owned) => {
  if (owned.wipe) bytes.fill(0)
  if (owned.release && bytes.buffer.byteLength >= RELEASE_MIN) (bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer }).transfer?.(0)
}

/** The size of the file at `path`, or undefined (not a regular file, or gone). */
const sizeOf = (path: string): number | undefined => {
  try {
    const stat = statSync(path)
    return stat.isFile() ? stat.size : undefined
  } catch {
    return undefined
  }
}

/** Whether the run writes to a file (set by `toFile`): its progress never mixes with the output. */
let toFileNow = false

/**
 * A progress bar on a terminal (stderr) for as long as `program` runs: `written()` is how
 * far the output is, out of `total` bytes (about: the output's size is known only at the end).
 */
const withProgress = <A, E, R>(program: Effect.Effect<A, E, R>, total: number | undefined, written: () => number) => {
  // Not over output that goes to the same terminal (armor, forced binary): it would be mixed in.
  if (process.stdout.isTTY === true && process.stderr.isTTY === true && !toFileNow) return program
  const reporter = makeProgressReporter()
  const started = Date.now()
  const tick = Effect.sync(() => {
    const bytes = written()
    const seconds = (Date.now() - started) / 1000
    reporter.update(new JobProgress({ bytes, ...(total === undefined ? {} : { total }), filesDone: 0, files: 1, bytesPerSecond: seconds > 0 ? bytes / seconds : 0 }))
  })
  return Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(Effect.repeat(tick, Schedule.spaced("100 millis")))
    return yield* program.pipe(Effect.ensuring(Effect.andThen(Fiber.interrupt(fiber), Effect.sync(() => reporter.clear()))))
  })
}

/**
 * `use(tempPath, write)` fills a file that becomes `path` only if it succeeds; Ctrl-C
 * removes the temporary file (runtime's `outputs`), and a failure leaves `path` as it was.
 * `plaintext`: the file is 0600 until it is whole, then takes the mode age's `-o` gives.
 */
const toFile = <A, E, R>(
  path: string,
  total: number | undefined,
  use: (tempPath: string, write: (bytes: Uint8Array) => Effect.Effect<void, unknown>) => Effect.Effect<A, E, R>,
  plaintext = false
) => {
  let temp: string | undefined
  toFileNow = true
  return writeAtomically(path, (file) => {
    temp = file.tempPath
    outputs.pending.set(file.tempPath, path)
    return withProgress(use(file.tempPath, file.write), total, () => sizeOf(file.tempPath) ?? 0)
  }, { privateUntilCommitted: plaintext }).pipe(
    Effect.onExit((exit) =>
      Effect.sync(() => {
        if (temp !== undefined) outputs.pending.delete(temp)
        if (!Exit.isSuccess(exit)) outputs.notWritten.add(path)
      })
    )
  )
}

/**
 * Whether `-o PATH` names something that is not a regular file (or a directory): a device
 * such as /dev/null, a FIFO. It is written in order, as a pipe is, never replaced: the
 * atomic rename of a regular file's output would put a file in the device's place.
 */
const isStreamDestination = (path: string): boolean => {
  try {
    const stat = statSync(path)
    return !stat.isFile() && !stat.isDirectory()
  } catch {
    return false
  }
}

/**
 * Whether `path` is the null device: what is written there is discarded, so the workers
 * write their pieces to it themselves, at their own offsets (as into a file), and no byte
 * of the output crosses to this thread (it cost this thread ~0.2 s of CPU per GiB in
 * transfers and writes, and the workers as much in sending their pieces).
 */
const isNullDevice = (path: string): boolean => {
  try {
    const stat = statSync(path)
    return stat.isCharacterDevice() && stat.rdev === statSync("/dev/null").rdev
  } catch {
    return false
  }
}

/** A stream of bytes written in order to the device or FIFO at `path` (`isStreamDestination`), with progress; the count written. */
const toDevice = <E, R>(path: string, stream: Stream.Stream<Uint8Array, E, R>, total: number | undefined, owned: Owned) => {
  let written = 0
  const failed = (cause: unknown) => new OutputFailed({ path, code: (cause as NodeJS.ErrnoException | undefined)?.code ?? "EIO" })
  return Effect.acquireUseRelease(
    Effect.tryPromise({ try: () => fsPromises.open(path, "w"), catch: failed }),
    (handle) =>
      withProgress(
        Stream.runForEach(stream, (bytes) =>
          Effect.tryPromise({
            try: async () => {
              let at = 0
              while (at < bytes.length) at += (await handle.write(bytes, at, bytes.length - at, null)).bytesWritten
              written += at
              done(bytes, owned)
            },
            catch: failed
          })),
        total,
        () => written
      ).pipe(Effect.map(() => written)),
    (handle) => Effect.promise(() => handle.close().catch(() => undefined))
  )
}

/** A stream of bytes to standard output, with progress; the count of bytes written. */
const toStdout = <E, R>(stream: Stream.Stream<Uint8Array, E, R>, total: number | undefined, owned: Owned = NOT_OWNED) => {
  let written = 0
  return withProgress(
    Stream.runForEach(stream, (bytes) =>
      owned.release || owned.wipe
        ? Effect.andThen(writeStdoutWhole(bytes), Effect.sync(() => {
          written += bytes.length
          done(bytes, owned)
        }))
        : Effect.andThen(writeStdout(bytes), Effect.sync(() => (written += bytes.length)))),
    total,
    () => written
  ).pipe(Effect.map(() => written))
}

/** Every byte of `stream` through `write`, in order; how many. */
const writeAll = <E, R>(stream: Stream.Stream<Uint8Array, E, R>, write: (bytes: Uint8Array) => Effect.Effect<void, unknown>) =>
  Effect.suspend(() => {
    let n = 0
    return Stream.runForEach(stream, (bytes) => Effect.andThen(write(bytes), Effect.sync(() => (n += bytes.length)))).pipe(Effect.map(() => n))
  })

/** The ciphertext's size for a plaintext of `size` bytes (header not counted: a bar's total). */
const sealedSize = (size: number) => size + 16 * Math.max(1, Math.ceil(size / 65536))

/** How a failure ends the run: its message (and age's hints), its exit code. */
const failure = (
  error: unknown,
  context: { readonly decrypt: boolean; readonly identities: number; readonly path?: string | undefined; readonly inOrder?: boolean }
): Stop => {
  if (error instanceof Stop) return error
  const tagged = error as { readonly _tag?: string; readonly message?: string; readonly reason?: AgeErrorReason }
  switch (tagged._tag) {
    case "AgeError": {
      const reason = tagged.reason!
      const lines = [`sluice: ${reason.message}`]
      if (reason._tag === "NoIdentityMatch" && context.identities === 0) {
        return new Stop(ExitCode.noIdentity, ["sluice: the file is not passphrase-encrypted, identities are required", "sluice: hint: specify identities with -i/--identity to decrypt this file"])
      }
      if (reason._tag === "BadPassphrase" && context.identities > 0) {
        return new Stop(ExitCode.usage, [
          "sluice: file is passphrase-encrypted but identities were specified with -i/--identity",
          "sluice: hint: remove all -i/--identity flags to decrypt passphrase-encrypted files"
        ])
      }
      if (exitCodeForAge(reason) === ExitCode.tampered && (context.path !== undefined || reason._tag !== "BadHeaderMac")) {
        lines.push(context.path !== undefined && context.inOrder !== true
          ? `sluice: ${context.path}: not written`
          : `sluice: ${context.path ?? "standard output"}: only the chunks before it were written; the output is incomplete, do not use it`)
      }
      return new Stop(exitCodeForAge(reason), lines)
    }
    case "SourceError":
      return new Stop(ExitCode.input, [`sluice: ${tagged.message}`])
    case "OutputFailed":
      return new Stop(ExitCode.output, [`sluice: ${tagged.message}`])
    case "WorkerError":
      return new Stop(ExitCode.internal, [`sluice: ${tagged.message}`])
    default:
      return new Stop(ExitCode.internal, [`sluice: internal error: ${tagged.message ?? String(error)}`])
  }
}

/** What `--json` prints at the end: one object on standard output. */
const jsonLine = (fields: Record<string, unknown>) => JSON.stringify(fields) + "\n"

const finish = (
  program: Effect.Effect<{ readonly plaintextBytes: number; readonly ciphertextBytes: number }, unknown, WorkerPool>,
  json: boolean,
  out: (text: string) => void,
  err: Err,
  context: Parameters<typeof failure>[1] & { readonly operation: "encrypt" | "decrypt" }
): Effect.Effect<ExitCode, never, WorkerPool> => {
  const started = Date.now()
  return program.pipe(
    // Armored files and standard input are read on this thread, through Node's ByteSource.
    Effect.provide(NodeByteSource.layer),
    Effect.map((summary) => {
      if (json) {
        const seconds = (Date.now() - started) / 1000
        out(jsonLine({ operation: context.operation, output: context.path, ...summary, seconds, plaintextBytesPerSecond: seconds > 0 ? Math.round(summary.plaintextBytes / seconds) : 0 }))
      }
      return ExitCode.ok as ExitCode
    }),
    Effect.catch((error: unknown) =>
      Effect.sync(() => {
        const stop = failure(error, context)
        for (const line of stop.lines) err(line)
        if (json) out(jsonLine({ operation: context.operation, output: context.path, error: (error as { reason?: { _tag?: string } }).reason?._tag ?? (error as { _tag?: string })._tag ?? "error", exitCode: stop.code }))
        return stop.code
      })
    )
  )
}

/** Runs a step that may stop the run before any work (a usage error, an unreadable key file). */
export const stopped = (error: unknown, err: Err): ExitCode | undefined => {
  const stop = error instanceof AgeUsage ? usage(error) : error instanceof Stop ? error : undefined
  if (stop === undefined) return undefined
  for (const line of stop.lines) err(line)
  return stop.code
}

/** `--passphrase-fd` with -i is for an encrypted identity file: one of them must be. */
const checkPassphraseFdUsed = (fd: number | undefined, identities: ReadonlyArray<AgeIdentity>) => {
  if (fd !== undefined && !identities.some((id) => id.kind === "encrypted-file")) {
    forgetIdentities(identities)
    throw usage(new AgeUsage(`--passphrase-fd ${fd}: no passphrase is needed: no -i file is a passphrase-encrypted identity file`))
  }
}

/**
 * The recipients of the identity files of `encrypt -i` (age's `-e -i`): their public keys,
 * an encrypted identity file's after its passphrase. The identities are wiped at once.
 */
const identityRecipients = async (plan: EncryptPlan): Promise<Array<AgeRecipient>> => {
  if (plan.identities.length === 0) return []
  const files = identityFilePassphrases(plan.passphraseFd)
  try {
    const identities = readIdentities(plan.identities, files, () => {})
    checkPassphraseFdUsed(plan.passphraseFd, identities)
    try {
      const recipients = await recipientsOfIdentities(identities, nodeAgeKeyKernel)
      if (Array.isArray(recipients)) return recipients
      const refused = files.refused()
      if (refused !== undefined) throw usage(refused)
      throw new Stop(ExitCode.input, [`sluice: ${recipients._tag === "IdentityLocked" ? recipients.detail : "an identity file (-i) that cannot be used"}`])
    } finally {
      forgetIdentities(identities)
    }
  } finally {
    files.forget()
  }
}

/**
 * Reads the recipients (and the passphrase) and encrypts. A passphrase is never kept: it
 * is wiped once the header is made.
 */
export const encryptProgram = async (
  plan: EncryptPlan,
  out: (text: string) => void,
  err: Err
): Promise<Effect.Effect<ExitCode, never, WorkerPool>> => {
  const passphrase = plan.passphrase ? await encryptPassphrase(plan.passphraseFd, err) : undefined
  const recipients = passphrase === undefined ? [...readRecipients(plan, err), ...await identityRecipients(plan)] : []
  const incompatible = checkRecipients(recipients)
  if (incompatible !== undefined) throw usage(new AgeUsage(incompatible.message))
  const options = passphrase === undefined ? { recipients, kernel: nodeAgeKeyKernel } : { passphrase, kernel: nodeAgeKeyKernel }
  const source = sourceOf(plan.input)
  const size = plan.input.kind === "file" ? sizeOf(plan.input.path) : undefined
  const total = size === undefined ? undefined : sealedSize(size)
  const output = plan.output
  const inOrder = output.kind === "file" && isStreamDestination(output.path)
  const run = output.kind === "file" && inOrder && !plan.armor && isNullDevice(output.path)
    // No bar: nothing on this thread sees how far the workers are.
    ? encryptToSink(source, new PathSink({ path: output.path }), options)
    : output.kind === "file" && inOrder
    ? toDevice(output.path, encrypt(source, { ...options, armor: plan.armor }), total, { release: !plan.armor, wipe: false }).pipe(Effect.map((written) => ({ plaintextBytes: size ?? 0, ciphertextBytes: written })))
    : output.kind === "file"
    ? toFile(output.path, total, (tempPath, write) =>
      plan.armor
        ? writeAll(encrypt(source, { ...options, armor: true }), write).pipe(Effect.map((n) => ({ plaintextBytes: size ?? 0, ciphertextBytes: n })))
        : encryptToSink(source, new PathSink({ path: tempPath }), options))
    : toStdout(encrypt(source, { ...options, armor: plan.armor }), total, { release: !plan.armor, wipe: false }).pipe(Effect.map((written) => ({ plaintextBytes: size ?? 0, ciphertextBytes: written })))
  return finish(run.pipe(Effect.ensuring(Effect.sync(() => passphrase?.fill(0)))), plan.json, out, err, {
    operation: "encrypt",
    decrypt: false,
    identities: 0,
    path: output.kind === "file" ? output.path : undefined,
    inOrder
  })
}

/** The first bytes of a file (armor is detected from them), or undefined when it cannot be read here. */
const startOf = (path: string): Uint8Array | undefined => {
  try {
    const fd = openSync(path, "r")
    try {
      const bytes = Buffer.alloc(ARMOR_DETECTION_BYTES)
      return bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0))
    } finally {
      closeSync(fd)
    }
  } catch {
    return undefined
  }
}

/**
 * Plaintext for a terminal: held (at most `TERMINAL_PLAINTEXT_LIMIT`), shown only whole,
 * authenticated and free of control characters (age's rule: plaintext could drive the terminal).
 */
const toTerminal = <E, R>(stream: Stream.Stream<Uint8Array, E, R>) =>
  Effect.gen(function*() {
    const held: Array<Uint8Array> = []
    let size = 0
    yield* Stream.runForEach(stream, (bytes) =>
      Effect.suspend(() => {
        size += bytes.length
        if (size > TERMINAL_PLAINTEXT_LIMIT) return Effect.fail(usage(TOO_LONG_FOR_TERMINAL))
        held.push(bytes)
        return Effect.void
      })).pipe(Effect.onExit(() => Effect.sync(() => size > TERMINAL_PLAINTEXT_LIMIT && held.forEach((b) => b.fill(0)))))
    const all = Buffer.concat(held)
    held.forEach((b) => b.fill(0))
    if (hasControlCharacters(all)) {
      all.fill(0)
      return yield* Effect.fail(usage(BINARY_TO_TERMINAL))
    }
    yield* writeStdout(all)
    return size
  })

/** Reads the identities and decrypts; the passphrase of a passphrase-encrypted file is asked only then. */
export const decryptProgram = (
  plan: DecryptPlan,
  out: (text: string) => void,
  err: Err
): Effect.Effect<ExitCode, never, WorkerPool> => {
  const files = identityFilePassphrases(plan.passphraseFd)
  const identities = readIdentities(plan.identities, files, err)
  if (identities.length > 0) checkPassphraseFdUsed(plan.passphraseFd, identities)
  let asked: Uint8Array | undefined
  // A passphrase that cannot be had (no terminal, an empty one) ends the run with its own
  // message: the callback answers none, and `failure` says why.
  let refused: AgeUsage | undefined
  const ask = async () => {
    try {
      return (asked = await decryptPassphrase(plan.passphraseFd))
    } catch (error) {
      if (!(error instanceof AgeUsage)) throw error
      refused = error
      return undefined
    }
  }
  const options = identities.length > 0 ? { identities, kernel: nodeAgeKeyKernel } : { passphrase: ask, kernel: nodeAgeKeyKernel }
  const source = sourceOf(plan.input)
  const size = plan.input.kind === "file" ? sizeOf(plan.input.path) : undefined
  const output = plan.output
  const armored = plan.input.kind === "file" && isArmored(startOf(plan.input.path) ?? new Uint8Array(0))
  // A device or FIFO gets authenticated chunks in order, as standard output does.
  const inOrder = output.kind === "file" && isStreamDestination(output.path)
  const run = output.kind === "file" && inOrder && plan.input.kind === "file" && !armored && isNullDevice(output.path)
    ? decryptToSink(source, new PathSink({ path: output.path }), options)
    : output.kind === "file" && inOrder
    ? toDevice(output.path, decrypt(source, options), size, { release: true, wipe: true }).pipe(Effect.map((n) => ({ plaintextBytes: n, ciphertextBytes: size ?? 0 })))
    : output.kind === "file"
    ? toFile(output.path, size, (tempPath, write) =>
      plan.input.kind === "file" && !armored
        ? decryptToSink(source, new PathSink({ path: tempPath }), options)
        : writeAll(decrypt(source, options), write).pipe(Effect.map((n) => ({ plaintextBytes: n, ciphertextBytes: size ?? 0 }))), true)
    : (plan.checkPrintable ? toTerminal(decrypt(source, options)) : toStdout(decrypt(source, options), size, { release: true, wipe: true })).pipe(
      Effect.map((n) => ({ plaintextBytes: n, ciphertextBytes: size ?? 0 }))
    )
  return finish(
    run.pipe(
      Effect.mapError((error) => {
        const why = refused ?? files.refused()
        return why === undefined ? error : usage(why)
      }),
      Effect.ensuring(Effect.sync(() => {
        forgetIdentities(identities)
        files.forget()
        asked?.fill(0)
      }))
    ),
    plan.json,
    out,
    err,
    { operation: "decrypt", decrypt: true, identities: identities.length, path: output.kind === "file" ? output.path : undefined, inOrder }
  )
}
