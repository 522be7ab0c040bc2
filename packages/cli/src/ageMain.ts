/**
 * `sluice encrypt` and `sluice decrypt` of one regular file, X25519 keys or a scripted
 * passphrase: what bin.ts tries first for them. Built apart (no Effect, commander, RPC or
 * worker pool): core's lean age entry (`@sluice/core/node/age-lean`: the header with
 * node:crypto, the payload by @sluice/native's `ageFileAsync` on every core, file to file)
 * and the full program's own command-line rules (commands/ageArgs.ts) and passphrase
 * readers (commands/agePassphrase.ts), so the messages, exit codes and files are the full
 * program's: a regular `-o FILE` is a temporary file beside it renamed once whole (0600
 * until then when it holds plaintext), a device or FIFO is written in order, standard
 * output in order; a payload that does not open leaves nothing at FILE; Ctrl-C removes the
 * temporary file and exits 130 with the full program's line.
 *
 * Anything else resolves to undefined before a byte is printed or a descriptor read, and
 * bin.ts runs the full program: armor, SSH or post-quantum keys, identities encrypted with a
 * passphrase, `-i` on encrypt, standard input, `--json`, `-w`, a terminal on stderr (the
 * full program's progress bar) or for plaintext, a passphrase to be typed, a header or key
 * file that is not the plain case (its message is the full program's), no addon.
 */
import {
  ageFileAddon,
  ERRNO_TEXT,
  forget,
  leanIdentityFile,
  leanParseHeader,
  type LeanIdentity,
  leanRecipient,
  leanRecipientsFile,
  type LeanOpened,
  openHeader,
  rejectionMessage,
  runPayload,
  sealHeader
} from "@sluice/core/node/age-lean"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { availableParallelism, constants } from "node:os"
import { basename, dirname, join } from "node:path"
import { AgeUsage, type DecryptArgs, type EncryptArgs, planDecrypt, planEncrypt } from "./commands/ageArgs.js"
import { decryptPassphrase, encryptPassphrase } from "./commands/agePassphrase.js"
import { ExitCode } from "./exitCode.js"
import { writeAllSync } from "./writeAll.js"

interface Options {
  recipient: Array<string>
  recipientsFile: Array<string>
  identity: Array<string>
  passphrase: boolean
  armor: boolean
  json: boolean
  output?: string
  passphraseFd?: string
}

const VALUED: Record<string, "recipient" | "recipientsFile" | "identity" | "output" | "passphraseFd"> = {
  "-r": "recipient",
  "--recipient": "recipient",
  "-R": "recipientsFile",
  "--recipients-file": "recipientsFile",
  "-i": "identity",
  "--identity": "identity",
  "-o": "output",
  "--output": "output",
  "--passphrase-fd": "passphraseFd"
}

/** The command line as commander reads it, for the flags the lean path takes; undefined for anything else. */
const readArgs = (argv: ReadonlyArray<string>): { options: Options; inputs: Array<string> } | undefined => {
  const options: Options = { recipient: [], recipientsFile: [], identity: [], passphrase: false, armor: false, json: false }
  const inputs: Array<string> = []
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const name = VALUED[flag]
    if (name !== undefined) {
      if (eq > 0 && !flag.startsWith("--")) return undefined
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i]
      if (value === undefined) return undefined
      if (name === "output" || name === "passphraseFd") options[name] = value
      else options[name].push(value)
    } else if (arg === "-p" || arg === "--passphrase") options.passphrase = true
    else if (arg.startsWith("-") && arg !== "-") return undefined
    else if (arg.includes("\uFFFD")) return undefined
    else inputs.push(arg)
  }
  return { options, inputs }
}

const err = (line: string) => void writeAllSync(2, line + "\n")

/** Bytes written in order to `fd` (a pipe Node may have made non-blocking is waited on). */
const writeBytes = (fd: number, bytes: Uint8Array) => {
  const waiter = new Int32Array(new SharedArrayBuffer(4))
  for (let at = 0; at < bytes.length;) {
    try {
      at += fs.writeSync(fd, bytes, at, bytes.length - at)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw Object.assign(new Error("write failed"), { code: (error as NodeJS.ErrnoException).code })
      Atomics.wait(waiter, 0, 0, 1)
    }
  }
}

/** Whether `path` exists and is neither a regular file nor a directory (a device, a FIFO: written in order). */
const isStreamDestination = (path: string): boolean => {
  try {
    const stat = fs.statSync(path)
    return !stat.isFile() && !stat.isDirectory()
  } catch {
    return false
  }
}

/** The size of a regular file, or undefined (not one, or not there). */
const regularSize = (path: string): number | undefined => {
  try {
    const stat = fs.statSync(path)
    return stat.isFile() ? stat.size : undefined
  } catch {
    return undefined
  }
}

/** A key file's text, or undefined (unreadable, too long, `-`): the full program says why. */
const keyFileText = (name: string): string | undefined => {
  const size = name === "-" ? undefined : regularSize(name)
  if (size === undefined || size > 16 * 1024 * 1024) return undefined
  try {
    return fs.readFileSync(name).toString("utf8")
  } catch {
    return undefined
  }
}

/** Where the output goes, open: a temporary file beside a regular FILE, a device or FIFO, standard output. */
interface Output {
  readonly fd: number
  /** Written at its own offsets (the temporary file); else in order. */
  readonly positional: boolean
  /** The `-o` path, as given. */
  readonly path: string | undefined
  /** A regular file's: made whole by `commit`, removed by `discard`. */
  readonly temp?: { readonly tempPath: string; readonly target: string; readonly finalMode: number | undefined }
}

/** The output (atomicFile.ts's rules for a regular file); undefined: the full program says why it cannot be. */
const openOutput = (path: string | undefined, plaintext: boolean): Output | undefined => {
  if (path === undefined) return { fd: 1, positional: false, path }
  try {
    const link = fs.lstatSync(path, { throwIfNoEntry: false })
    const target = link?.isSymbolicLink() === true ? fs.realpathSync(path) : path
    const existing = link?.isSymbolicLink() === true ? fs.statSync(target) : link
    if (existing?.isDirectory() === true) return undefined
    // A device or FIFO in order; the null device at offsets, as a file (what it is given is discarded).
    if (existing !== undefined && !existing.isFile()) {
      const isNull = existing.isCharacterDevice() && existing.rdev === fs.statSync("/dev/null").rdev
      return { fd: fs.openSync(target, "w"), positional: isNull, path }
    }
    const tempPath = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.sluice-tmp`)
    const kept = existing !== undefined ? existing.mode & 0o7777 : undefined
    const fd = fs.openSync(tempPath, "wx", plaintext ? 0o600 : 0o666)
    try {
      if (!plaintext && kept !== undefined) fs.fchmodSync(fd, kept)
    } catch {
      fs.closeSync(fd)
      fs.rmSync(tempPath, { force: true })
      return undefined
    }
    return { fd, positional: true, path, temp: { tempPath, target, finalMode: plaintext ? kept ?? (0o666 & ~process.umask()) : undefined } }
  } catch {
    return undefined
  }
}

/** The temporary file made whole and renamed over FILE (fsync'd, as the full program's). */
const commit = (output: Output) => {
  const temp = output.temp
  if (temp === undefined) {
    if (output.fd !== 1) fs.closeSync(output.fd)
    return
  }
  fs.fsyncSync(output.fd)
  if (temp.finalMode !== undefined) fs.fchmodSync(output.fd, temp.finalMode)
  fs.closeSync(output.fd)
  fs.renameSync(temp.tempPath, temp.target)
  try {
    const dir = fs.openSync(dirname(temp.target), "r")
    try {
      fs.fsyncSync(dir)
    } finally {
      fs.closeSync(dir)
    }
  } catch {
    // As the full program: a directory that cannot be synced is not an error.
  }
}

const discard = (output: Output) => {
  try {
    if (output.fd !== 1) fs.closeSync(output.fd)
  } catch {
    // Closed already.
  }
  if (output.temp !== undefined) fs.rmSync(output.temp.tempPath, { force: true })
}

/** The output made final (`commit`), or on a system error removed and worded as the full program's: the exit code. */
const finish = (output: Output, input: string): number => {
  try {
    commit(output)
  } catch (error) {
    discard(output)
    return systemFailure(error, input, output)
  }
  return ExitCode.ok
}

/** Ctrl-C: the temporary file removed, the full program's line, exit 130; `stop` cancels the payload. */
const onInterrupt = (output: Output, stop: () => void) => {
  const handler = () => {
    stop()
    discard(output)
    err(`sluice: interrupted${output.path === undefined ? "" : `; not written: ${output.path}`}`)
    process.exit(ExitCode.interrupted)
  }
  process.on("SIGINT", handler)
  return () => process.removeListener("SIGINT", handler)
}

/** The lines of the full program's usage error, exit 2. */
const usage = (problem: AgeUsage): number => {
  for (const line of problem.lines()) err(line)
  return ExitCode.usage
}

/** `errno:N` (the addon's) or a Node code as the name Node gives it (`ENOSPC`). */
const errnoName = (code: string): string => {
  const errno = /^errno:(\d+)$/.exec(code)
  if (errno === null) return code
  return Object.entries(constants.errno).find(([, n]) => n === Number(errno[1]))?.[0] ?? code
}

/**
 * A system error of the payload's reads (`read:`) or writes, as the full program words it
 * (core's ReadFailed, OutputFailed) with its exit code.
 */
const systemFailure = (error: unknown, input: string, output: Output): number => {
  const raw = (error as { code?: string }).code ?? "EIO"
  const read = raw.startsWith("read:")
  const code = errnoName(raw.replace(/^(read|write):/, ""))
  // A reader that went away: ended quietly, as bin.ts ends a command written into a closed pipe.
  if (code === "EPIPE" && output.fd === 1) return 141
  if (read) {
    err(code === "ECHANGED" ? `sluice: ${input}: the file changed while it was being read` : `sluice: ${input}: read failed (${code})`)
    return ExitCode.input
  }
  const text = ERRNO_TEXT[code]
  err(`sluice: ${output.path ?? "standard output"}: not written: ${text === undefined ? code : `${text} (${code})`}`)
  return ExitCode.output
}

const threads = () => availableParallelism()

/** `sluice encrypt`: the exit code, or undefined for the full program. */
const encrypt = async (argv: ReadonlyArray<string>): Promise<number | undefined> => {
  const read = readArgs(argv)
  if (read === undefined || read.options.identity.length > 0) return undefined
  const { options, inputs } = read
  let plan
  try {
    plan = planEncrypt(inputs, options, { stdoutIsTTY: process.stdout.isTTY === true })
  } catch {
    return undefined
  }
  if (plan.input.kind !== "file") return undefined
  const size = regularSize(plan.input.path)
  if (size === undefined) return undefined
  if (plan.passphrase && plan.passphraseFd === undefined && process.env["SLUICE_PASSPHRASE"] === undefined) return undefined
  const recipients: Array<Uint8Array> = []
  for (const text of plan.recipients) {
    const key = leanRecipient(text)
    if (key === undefined) return undefined
    recipients.push(key)
  }
  for (const name of plan.recipientsFiles) {
    const text = keyFileText(name)
    const keys = text === undefined ? undefined : leanRecipientsFile(text)
    if (keys === undefined) return undefined
    recipients.push(...keys)
  }
  const addon = ageFileAddon()
  if (addon === undefined) return undefined
  let inFd: number
  try {
    inFd = fs.openSync(plan.input.path, "r")
  } catch {
    return undefined
  }
  const output = openOutput(plan.output.kind === "file" ? plan.output.path : undefined, false)
  if (output === undefined) {
    fs.closeSync(inFd)
    return undefined
  }
  let cancel = () => {}
  const release = onInterrupt(output, () => cancel())
  let passphrase: Uint8Array | undefined
  try {
    if (plan.passphrase) {
      try {
        passphrase = await encryptPassphrase(plan.passphraseFd, err)
      } catch (error) {
        if (error instanceof AgeUsage) {
          discard(output)
          return usage(error)
        }
        throw error
      }
    }
    const { header, payloadKey } = await sealHeader(passphrase === undefined ? { recipients } : { passphrase })
    passphrase?.fill(0)
    try {
      if (output.positional) fs.writeSync(output.fd, header, 0, header.length, 0)
      else writeBytes(output.fd, header)
      const run = runPayload(addon, { encrypt: true, key: payloadKey, inFd, inOffset: 0, inLength: size, outFd: output.fd, outOffset: header.length, positional: output.positional, threads: threads() })
      cancel = run.cancel
      await run.done
    } catch (error) {
      discard(output)
      return systemFailure(error, plan.input.path, output)
    } finally {
      payloadKey.fill(0)
    }
    return finish(output, plan.input.path)
  } finally {
    passphrase?.fill(0)
    fs.closeSync(inFd)
    release()
  }
}

/** The first bytes of a file, at most `length`. */
const readPrefix = (fd: number, length: number): Uint8Array => {
  const bytes = Buffer.alloc(length)
  let at = 0
  for (;;) {
    const n = fs.readSync(fd, bytes, at, length - at, at)
    if (n === 0 || (at += n) === length) break
  }
  return bytes.subarray(0, at)
}

/** `sluice decrypt`: the exit code, or undefined for the full program. */
const decrypt = async (argv: ReadonlyArray<string>): Promise<number | undefined> => {
  const read = readArgs(argv)
  if (read === undefined || read.options.recipient.length > 0 || read.options.recipientsFile.length > 0 || read.options.passphrase) return undefined
  const { options, inputs } = read
  let plan
  try {
    plan = planDecrypt(inputs, options, { stdoutIsTTY: process.stdout.isTTY === true })
  } catch {
    return undefined
  }
  if (plan.input.kind !== "file" || plan.checkPrintable) return undefined
  const size = regularSize(plan.input.path)
  if (size === undefined) return undefined
  if (plan.identities.length > 0 && plan.passphraseFd !== undefined) return undefined
  const identities: Array<LeanIdentity> = []
  for (const name of plan.identities) {
    const text = keyFileText(name)
    const parsed = text === undefined ? undefined : leanIdentityFile(text)
    if (parsed === undefined) return forget(identities)
    identities.push(...parsed)
  }
  const addon = ageFileAddon()
  let inFd: number | undefined
  try {
    if (addon === undefined) return undefined
    try {
      inFd = fs.openSync(plan.input.path, "r")
    } catch {
      return undefined
    }
    // Real headers are bytes to a few KiB; a larger one is read whole (core's limit) before it is refused.
    let prefix = readPrefix(inFd, Math.min(size, 64 * 1024))
    let header = leanParseHeader(prefix)
    if (header === undefined && size > prefix.length) header = leanParseHeader(prefix = readPrefix(inFd, Math.min(size, 4 * 1024 * 1024 + 16)))
    if (header === undefined) return undefined
    let opened: LeanOpened = await openHeader(header, identities.length > 0 ? { identities } : { passphrase: undefined })
    forget(identities)
    let fromFd = false
    if (opened._tag === "Passphrase") {
      if (plan.passphraseFd === undefined && process.env["SLUICE_PASSPHRASE"] === undefined) return undefined
      let passphrase: Uint8Array
      try {
        passphrase = await decryptPassphrase(plan.passphraseFd)
      } catch (error) {
        if (error instanceof AgeUsage) return usage(error)
        throw error
      }
      fromFd = plan.passphraseFd !== undefined
      try {
        opened = await openHeader(header, { passphrase })
      } finally {
        passphrase.fill(0)
      }
    }
    const path = plan.output.kind === "file" ? plan.output.path : undefined
    if (opened._tag === "BadPassphrase") {
      err("sluice: incorrect passphrase")
      return ExitCode.noIdentity
    }
    if (opened._tag === "Full" && fromFd) {
      // The passphrase is read: the header's MAC failed (the full program's BadHeaderMac).
      err("sluice: the header's MAC does not verify: the header was tampered with")
      if (path !== undefined) {
        err(isStreamDestination(path)
          ? `sluice: ${path}: only the chunks before it were written; the output is incomplete, do not use it`
          : `sluice: ${path}: not written`)
      }
      return ExitCode.tampered
    }
    if (opened._tag !== "Opened") return undefined
    const output = openOutput(path, true)
    if (output === undefined) {
      opened.payloadKey.fill(0)
      return undefined
    }
    let cancel = () => {}
    const release = onInterrupt(output, () => cancel())
    try {
      const run = runPayload(addon, {
        encrypt: false,
        key: opened.payloadKey,
        inFd,
        inOffset: opened.payloadOffset,
        inLength: size - opened.payloadOffset,
        outFd: output.fd,
        outOffset: 0,
        positional: output.positional,
        threads: threads()
      })
      cancel = run.cancel
      let done
      try {
        done = await run.done
      } catch (error) {
        discard(output)
        return systemFailure(error, plan.input.path, output)
      }
      if (done.rejection !== undefined) {
        discard(output)
        err(`sluice: ${rejectionMessage(done.rejection)}`)
        err(output.temp !== undefined
          ? `sluice: ${path}: not written`
          : `sluice: ${path ?? "standard output"}: only the chunks before it were written; the output is incomplete, do not use it`)
        return ExitCode.tampered
      }
      return finish(output, plan.input.path)
    } finally {
      opened.payloadKey.fill(0)
      release()
    }
  } finally {
    forget(identities)
    if (inFd !== undefined) fs.closeSync(inFd)
  }
}

/** `sluice encrypt|decrypt ...` on the lean path: its exit code, or undefined (nothing printed or read) for the full program. */
export const main = (argv: ReadonlyArray<string>): Promise<number | undefined> => {
  if (process.stderr.isTTY === true) return Promise.resolve(undefined)
  return argv[0] === "encrypt" ? encrypt(argv) : argv[0] === "decrypt" ? decrypt(argv) : Promise.resolve(undefined)
}
