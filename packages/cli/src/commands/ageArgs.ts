/**
 * `sluice encrypt` and `sluice decrypt` read as age reads its command line (cmd/age/age.go):
 * the same flags, the same rules and, in Sluice's words, the same messages and hints, so an
 * age user's habits work unchanged. Pure: what the command line asks, checked, before any
 * file, prompt or worker. The terminal rules are here too (what may be written to one).
 */
import { statSync } from "node:fs"
import { resolve } from "node:path"

export interface EncryptArgs {
  readonly recipient?: ReadonlyArray<string>
  readonly recipientsFile?: ReadonlyArray<string>
  readonly passphrase: boolean
  readonly armor: boolean
  readonly output?: string
  readonly passphraseFd?: string
  readonly json: boolean
  readonly workers?: string
  /** Identity files whose recipients the file is encrypted to as well (age's `-e -i`). */
  readonly identity?: ReadonlyArray<string>
}

export interface DecryptArgs {
  readonly identity?: ReadonlyArray<string>
  readonly output?: string
  readonly passphraseFd?: string
  readonly json: boolean
  readonly workers?: string
  /** age's encrypt-only flags, refused here with age's hints. */
  readonly recipient?: ReadonlyArray<string>
  readonly recipientsFile?: ReadonlyArray<string>
  readonly passphrase?: boolean
  readonly armor?: boolean
}

/** A command line age would refuse: one line, then hints (`sluice: hint: ...`); exit 2. */
export class AgeUsage {
  readonly hints: ReadonlyArray<string>
  constructor(readonly message: string, ...hints: ReadonlyArray<string>) {
    this.hints = hints
  }
  lines(): Array<string> {
    return [`sluice: ${this.message}`, ...this.hints.map((hint) => `sluice: hint: ${hint}`)]
  }
}

/** Where the output goes: a file (a regular one written whole or not at all; a device or FIFO in order), or standard output. */
export type AgeOutput =
  | { readonly kind: "file"; readonly path: string }
  /** `forced`: `-o -`, which writes to a terminal what would otherwise be refused. */
  | { readonly kind: "stdout"; readonly forced: boolean }

/** The input: a file, or standard input (no INPUT, or `-`). */
export type AgeInput = { readonly kind: "file"; readonly path: string } | { readonly kind: "stdin" }

export interface EncryptPlan {
  readonly input: AgeInput
  readonly output: AgeOutput
  readonly recipients: ReadonlyArray<string>
  /** Recipients files; `-` is standard input. */
  readonly recipientsFiles: ReadonlyArray<string>
  /** Identity files encrypted to (their recipients); `-` is standard input. */
  readonly identities: ReadonlyArray<string>
  readonly passphrase: boolean
  readonly passphraseFd: number | undefined
  readonly armor: boolean
  readonly json: boolean
}

export interface DecryptPlan {
  readonly input: AgeInput
  readonly output: AgeOutput
  /** Identity files; `-` is standard input. */
  readonly identities: ReadonlyArray<string>
  readonly passphraseFd: number | undefined
  readonly json: boolean
  /** Plaintext to a terminal: buffered and checked for control characters before it is shown. */
  readonly checkPrintable: boolean
}

/** What the plans need to know of the process: whether standard output is a terminal. */
export interface Terminal {
  readonly stdoutIsTTY: boolean
}

const inputOf = (args: ReadonlyArray<string>): AgeInput => {
  if (args.length > 1) {
    const quoted = args.map((a) => JSON.stringify(a)).join(" ")
    throw new AgeUsage(`too many INPUT arguments: ${quoted}`, args[1]!.startsWith("-")
      ? "the input file must be given after all options"
      : "only a single input file may be given at a time")
  }
  const name = args[0]
  return name === undefined || name === "-" ? { kind: "stdin" } : { kind: "file", path: name }
}

const outputOf = (output: string | undefined): AgeOutput =>
  output === undefined ? { kind: "stdout", forced: false } : output === "-" ? { kind: "stdout", forced: true } : { kind: "file", path: output }

const fdOf = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new AgeUsage(`--passphrase-fd must be a file descriptor number (got '${text}')`)
  return Number(text)
}

/** One reader of standard input at most: INPUT, `-R -`, `-i -` and `--passphrase-fd 0` share it. */
const checkStdinUsers = (input: AgeInput, files: ReadonlyArray<string>, passphraseFd: number | undefined) => {
  const users = (input.kind === "stdin" ? 1 : 0) + files.filter((f) => f === "-").length + (passphraseFd === 0 ? 1 : 0)
  if (users > 1) throw new AgeUsage("standard input is used for multiple purposes", "give the input as a file, or read only one of them from standard input")
}

/** A file and the output are one: the same path, or (both existing) the same inode. */
const samePath = (a: string, b: string): boolean => {
  if (resolve(a) === resolve(b)) return true
  try {
    const x = statSync(a)
    const y = statSync(b)
    return x.dev === y.dev && x.ino === y.ino
  } catch {
    return false
  }
}

/** age's "input and output file are the same": the output would destroy what is read. */
const checkOutputNotRead = (output: AgeOutput, read: ReadonlyArray<string>) => {
  if (output.kind !== "file") return
  for (const file of read) {
    if (file !== "-" && samePath(file, output.path)) throw new AgeUsage(`input and output file are the same: ${JSON.stringify(output.path)}`)
  }
}

const checkJson = (json: boolean, output: AgeOutput) => {
  if (json && output.kind === "stdout") throw new AgeUsage("--json and the output would share standard output: give -o FILE")
}

/** `sluice encrypt`'s command line checked as age checks `age [-e]` (age.go's encrypt branch). */
export const planEncrypt = (args: ReadonlyArray<string>, options: EncryptArgs, terminal: Terminal): EncryptPlan => {
  const recipients = options.recipient ?? []
  const recipientsFiles = options.recipientsFile ?? []
  const identities = options.identity ?? []
  if (recipients.length + recipientsFiles.length + identities.length === 0 && !options.passphrase) {
    throw new AgeUsage("missing recipients", "did you forget to specify -r/--recipient, -R/--recipients-file or -p/--passphrase?")
  }
  if (recipients.length > 0 && options.passphrase) throw new AgeUsage("-p/--passphrase can't be combined with -r/--recipient")
  if (recipientsFiles.length > 0 && options.passphrase) throw new AgeUsage("-p/--passphrase can't be combined with -R/--recipients-file")
  if (identities.length > 0 && options.passphrase) throw new AgeUsage("-p/--passphrase can't be combined with -i/--identity")
  const passphraseFd = fdOf(options.passphraseFd)
  // With -i, for a passphrase-encrypted identity file (decryptProgram's check: one of them must be).
  if (passphraseFd !== undefined && !options.passphrase && identities.length === 0) throw new AgeUsage("--passphrase-fd is for -p/--passphrase or an encrypted identity file (-i)")
  const input = inputOf(args)
  const output = outputOf(options.output)
  checkStdinUsers(input, [...recipientsFiles, ...identities], passphraseFd)
  checkOutputNotRead(output, [...(input.kind === "file" ? [input.path] : []), ...recipientsFiles, ...identities])
  checkJson(options.json, output)
  if (output.kind === "stdout" && !output.forced && !options.armor && terminal.stdoutIsTTY) {
    throw new AgeUsage("refusing to output binary to the terminal", "did you mean to use -a/--armor?", `force anyway with "-o -"`)
  }
  return { input, output, recipients, recipientsFiles, identities, passphrase: options.passphrase, passphraseFd, armor: options.armor, json: options.json }
}

/** `sluice decrypt`'s command line checked as age checks `age -d` (age.go's decrypt branch). */
export const planDecrypt = (args: ReadonlyArray<string>, options: DecryptArgs, terminal: Terminal): DecryptPlan => {
  if (options.armor) throw new AgeUsage("-a/--armor can't be used with decrypt", "note that armored files are detected automatically, try again without -a/--armor")
  if (options.passphrase) throw new AgeUsage("-p/--passphrase can't be used with decrypt", "note that password protected files are detected automatically")
  if ((options.recipient ?? []).length > 0) {
    throw new AgeUsage("-r/--recipient can't be used with decrypt", "did you mean to use -i/--identity to specify a private key?")
  }
  if ((options.recipientsFile ?? []).length > 0) {
    throw new AgeUsage("-R/--recipients-file can't be used with decrypt", "did you mean to use -i/--identity to specify a private key?")
  }
  const identities = options.identity ?? []
  // With -i, --passphrase-fd is for a passphrase-encrypted identity file (decryptProgram checks one is).
  const passphraseFd = fdOf(options.passphraseFd)
  const input = inputOf(args)
  const output = outputOf(options.output)
  checkStdinUsers(input, identities, passphraseFd)
  checkOutputNotRead(output, [...(input.kind === "file" ? [input.path] : []), ...identities])
  checkJson(options.json, output)
  const checkPrintable = output.kind === "stdout" && !output.forced && terminal.stdoutIsTTY
  return { input, output, identities, passphraseFd, json: options.json, checkPrintable }
}

/**
 * Plaintext shown on a terminal must be text: a control character other than newline,
 * carriage return and tab (C0, DEL, C1 as UTF-8) could drive the terminal. age's rule.
 */
export const hasControlCharacters = (bytes: Uint8Array): boolean => {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b < 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return true
    if (b === 0x7f) return true
    // U+0080..U+009F in UTF-8: C2 80..C2 9F.
    if (b === 0xc2 && i + 1 < bytes.length && bytes[i + 1]! >= 0x80 && bytes[i + 1]! <= 0x9f) return true
  }
  return false
}

/** The most plaintext a terminal is shown: a human reads it; more is refused with a hint. */
export const TERMINAL_PLAINTEXT_LIMIT = 1024 * 1024

export const BINARY_TO_TERMINAL = new AgeUsage("refusing to output binary to the terminal", `force anyway with "-o -"`)
export const TOO_LONG_FOR_TERMINAL = new AgeUsage(
  `refusing to output more than ${TERMINAL_PLAINTEXT_LIMIT / 1024 / 1024} MiB to the terminal`,
  `write it to a file with -o FILE, or force anyway with "-o -"`
)
