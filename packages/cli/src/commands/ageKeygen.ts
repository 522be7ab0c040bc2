/**
 * `sluice keygen` as age-keygen (cmd/age-keygen/keygen.go, age 1.3): `--type age [--pq]
 * [-o FILE]` writes one key file (`# created:`, `# public key:`, the secret key line) and,
 * when the output is not a terminal, `Public key: …` on standard error; `-y [-o FILE]
 * [INPUT]` prints the recipient of each identity of an identity file (standard input when
 * INPUT is none or `-`). `-o` never replaces a file, as age-keygen's O_EXCL: the key file
 * is written 0600 beside it, flushed, then linked into place only if the name is still free.
 * Also `--seal-to`'s recipients, read from the command line or a recipients file.
 */
import { generateAgeHybridKeyFile, generateKeyStream, JobProgress, type WorkerPool } from "@sluice/core"
import { Effect, Stream } from "effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { basename, dirname, join } from "node:path"
import { ExitCode } from "../exitCodes.js"

/** age's limit on an identity or recipients file (cmd/age/parse.go): 16 MiB. */
const FILE_LIMIT = 16 << 20

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? "EIO"
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ENOSPC: "No space left on device",
  EEXIST: "File exists (age-keygen never replaces a file either: remove it or choose another name)"
}
const errnoText = (error: unknown) => `${ERRNO_TEXT[codeOf(error)] ?? "failed"} (${codeOf(error)})`

/** Flushes a directory entry; a filesystem that cannot is no error. */
const syncDir = (dir: string) => {
  let fd: number | undefined
  try {
    fd = fs.openSync(dir, "r")
    fs.fsyncSync(fd)
  } catch {
    // Not every filesystem syncs a directory.
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/**
 * `bytes` as a new file at `path`, mode 0600, whole or not at all, never over an existing
 * file (EEXIST): a hidden temporary file beside it (created exclusively, 0600), flushed, then
 * hard-linked to `path` (which fails if the name was taken meanwhile) and unlinked. Where the
 * filesystem has no hard links, an exclusive create and one write. `bytes` is wiped.
 */
export const writeNewFile = (path: string, bytes: Uint8Array): void => {
  try {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.sluice-tmp`)
    // A name that is taken is refused before anything is written.
    if (fs.lstatSync(path, { throwIfNoEntry: false }) !== undefined) throw Object.assign(new Error("exists"), { code: "EEXIST" })
    const fd = fs.openSync(temp, "wx", 0o600)
    try {
      try {
        let at = 0
        while (at < bytes.length) at += fs.writeSync(fd, bytes, at, bytes.length - at)
        fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
      try {
        fs.linkSync(temp, path)
      } catch (error) {
        if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "ENOSYS"].includes(codeOf(error))) throw error
        fs.writeFileSync(path, bytes, { flag: "wx", mode: 0o600 })
      }
    } finally {
      fs.rmSync(temp, { force: true })
    }
    syncDir(dirname(path))
  } finally {
    bytes.fill(0)
  }
}

/** Reads a file or standard input (`-`), up to age's limit. */
const readInput = (input: string | undefined): Buffer => {
  const fd = input === undefined || input === "-" ? 0 : fs.openSync(input, "r")
  try {
    const chunks: Array<Buffer> = []
    let total = 0
    const chunk = Buffer.alloc(64 * 1024)
    for (;;) {
      let read: number
      try {
        read = fs.readSync(fd, chunk, 0, chunk.length, null)
      } catch (error) {
        if (codeOf(error) === "EAGAIN") continue
        if (codeOf(error) === "EOF") break
        throw error
      }
      if (read === 0) break
      total += read
      if (total > FILE_LIMIT) throw Object.assign(new Error("too long"), { code: "EFBIG" })
      chunks.push(Buffer.from(chunk.subarray(0, read)))
    }
    chunk.fill(0)
    const all = Buffer.concat(chunks)
    for (const c of chunks) c.fill(0)
    return all
  } finally {
    if (fd !== 0) fs.closeSync(fd)
  }
}

/** Where a key or recipients go: `-o FILE` (new, 0600) or standard output. */
const emit = (output: string | undefined, text: string, out: (text: string) => void, err: (line: string) => void): ExitCode => {
  if (output === undefined) {
    out(text)
    return ExitCode.ok
  }
  try {
    writeNewFile(output, Buffer.from(text, "utf8"))
    return ExitCode.ok
  } catch (error) {
    err(`sluice: ${output}: not written: ${errnoText(error)}`)
    return ExitCode.output
  }
}

export interface AgeKeygenOptions {
  readonly pq: boolean
  readonly output?: string | undefined
}

/** `-y`: the recipients of an identity file, one a line, no comments (age-keygen -y). */
export const ageConvertCommand = async (
  input: string | undefined,
  options: AgeKeygenOptions,
  out: (text: string) => void,
  err: (line: string) => void
): Promise<ExitCode> => {
  if (options.pq) {
    err("sluice: --pq cannot be used with -y")
    return ExitCode.usage
  }
  const name = input === undefined || input === "-" ? "standard input" : input
  let bytes: Buffer
  try {
    bytes = readInput(input)
  } catch (error) {
    err(`sluice: ${name}: ${codeOf(error) === "EFBIG" ? "longer than 16 MiB, more than an identity file holds" : errnoText(error)}`)
    return ExitCode.input
  }
  const { ageRecipientsOf } = await import("@sluice/core/age-keys")
  const text = bytes.toString("utf8")
  bytes.fill(0)
  const result = ageRecipientsOf(text)
  if (result._tag === "BadIdentityFile") {
    err(`sluice: ${name}: not an age identity file: ${result.problem}${result.line === undefined ? "" : ` (line ${result.line})`}`)
    return ExitCode.input
  }
  return emit(options.output, result.recipients.map((r) => `${r}\n`).join(""), out, err)
}

/** age-keygen's warning for a key written to standard output that is a file others can read. */
const warnWorldReadable = (err: (line: string) => void) => {
  try {
    const stat = fs.fstatSync(1)
    if (stat.isFile() && (stat.mode & 0o004) !== 0) err("sluice: warning: writing secret key to a world-readable file")
  } catch {
    // Not a file.
  }
}

/** The recipient on a key file's `# public key:` line. */
const publicKeyOf = (file: string): string => /^# public key: (\S+)$/m.exec(file)?.[1] ?? ""

/**
 * `--type age [--pq] [-o FILE]`: one key file as age-keygen writes it. The X25519 key is
 * made on the pool as every Sluice key is (`age-identity`), the post-quantum one too
 * (`GenerateAgeHybridKeyFile`: ML-KEM-768 key generation costs ~60 ms of CPU cold in noble).
 */
export const ageKeyProgram = (
  options: AgeKeygenOptions,
  out: (text: string) => void,
  err: (line: string) => void
): Effect.Effect<ExitCode, never, WorkerPool> =>
  Effect.gen(function*() {
    // As age-keygen (O_EXCL before the key is made): a taken name is refused before anything.
    if (options.output !== undefined && fs.lstatSync(options.output, { throwIfNoEntry: false }) !== undefined) {
      err(`sluice: ${options.output}: not written: ${errnoText(Object.assign(new Error("exists"), { code: "EEXIST" }))}`)
      return ExitCode.output
    }
    let file: string
    if (options.pq) {
      const made = yield* generateAgeHybridKeyFile().pipe(
        Effect.catch((error) => Effect.sync(() => {
          err(`sluice: ${error.message}`)
          return undefined
        }))
      )
      if (made === undefined) return ExitCode.internal
      file = new TextDecoder().decode(made.file)
      made.file.fill(0)
    } else {
      const made = yield* Stream.runCollect(generateKeyStream({ type: "x25519", count: 1, formats: ["age-identity"] })).pipe(
        Effect.map((events) => events.filter((e) => !(e instanceof JobProgress))),
        Effect.catch((error) => Effect.sync(() => {
          err(`sluice: ${error.message}`)
          return undefined
        }))
      )
      const key = made?.[0]
      if (key === undefined || key instanceof JobProgress) return ExitCode.internal
      const bytes = key.outputs[0]!.bytes
      file = new TextDecoder().decode(bytes)
      bytes.fill(0)
    }
    // As age-keygen: the public key on standard error whenever the key is not shown on a terminal.
    if (options.output !== undefined || !process.stdout.isTTY) err(`Public key: ${publicKeyOf(file)}`)
    if (options.output === undefined) warnWorldReadable(err)
    return emit(options.output, file, out, err)
  })

/**
 * `--seal-to`'s value: an `age1…`/`age1pq1…` recipient, else the path of a recipients
 * file (one a line, `#` comments, as age's `-R`). A problem is a usage error (exit 2),
 * said before any key is made; a file that cannot be read an input error (exit 3).
 */
export const readSealRecipients = async (
  value: string
): Promise<{ readonly recipients: ReadonlyArray<{ readonly kind: "X25519" | "mlkem768x25519"; readonly publicKey: Uint8Array }> } | { readonly message: string; readonly code: ExitCode }> => {
  const { sealRecipientsOf } = await import("@sluice/core/age-keys")
  // What reads as a recipient (or a key pasted by mistake) is parsed as one, never taken for a path.
  if (/^(age1|AGE-|ssh-)/.test(value)) {
    const result = sealRecipientsOf({ recipient: value })
    return result._tag === "Recipients" ? result : { message: `--seal-to: ${result.problem}`, code: ExitCode.usage }
  }
  let text: string
  try {
    text = readInput(value === "-" ? undefined : value).toString("utf8")
  } catch (error) {
    return { message: `--seal-to ${value}: not an age1… recipient, and not a recipients file that can be read: ${errnoText(error)}`, code: ExitCode.input }
  }
  const result = sealRecipientsOf({ fileText: text })
  return result._tag === "Recipients"
    ? result
    : { message: `--seal-to ${value}: ${result.problem}${result.line === undefined ? "" : ` (line ${result.line})`}`, code: ExitCode.usage }
}
