/**
 * Passphrases of `sluice encrypt -p`, of passphrase-encrypted files and of
 * passphrase-encrypted identity files (`-i key.age`), as age reads them:
 * typed on the terminal without echo (twice to encrypt; an empty answer makes one of ten
 * random words, as age does), or for scripts from `--passphrase-fd N` or
 * `SLUICE_PASSPHRASE`. Never from an argument (every user of the machine sees those).
 * The terminal is /dev/tty itself, as age's: standard input may carry the data.
 */
import { randomInt } from "node:crypto"
import { openSync, readSync, writeSync } from "node:fs"
import { ReadStream } from "node:tty"
import { ExitCode } from "../exitCode.js"
import { AgeUsage } from "./ageArgs.js"

/** The most a passphrase may hold, from any source. */
export const MAX_PASSPHRASE_BYTES = 64 * 1024

/** Words of a generated passphrase: ten of 2,048 = 110 bits, as age. */
export const GENERATED_WORDS = 10

/**
 * A passphrase as age makes one: ten words of the BIP-39 English list (the list age uses;
 * @scure/bip39's copy, MIT) chosen uniformly with the system's CSPRNG, joined by "-".
 */
export const generatePassphrase = async (): Promise<string> => {
  const { wordlist } = await import("@scure/bip39/wordlists/english.js")
  return Array.from({ length: GENERATED_WORDS }, () => wordlist[randomInt(wordlist.length)]!).join("-")
}

/** One trailing newline (echo's, an editor's) is not part of a passphrase. */
const withoutNewline = (bytes: Uint8Array): Uint8Array => {
  const cut = bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? 2 : 1) : 0
  if (cut === 0) return bytes
  const trimmed = bytes.slice(0, bytes.length - cut)
  bytes.fill(0)
  return trimmed
}

/** Everything `fd` gives until its end (at most one byte past the limit). */
const readFd = (fd: number): Uint8Array => {
  const buffer = Buffer.alloc(MAX_PASSPHRASE_BYTES + 1)
  let length = 0
  try {
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null)
      if (n === 0 || (length += n) === buffer.length) break
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== "EAGAIN") {
      buffer.fill(0)
      throw new AgeUsage(`--passphrase-fd ${fd}: ${code === "EBADF" ? "not an open file descriptor" : `read failed (${code ?? "EIO"})`}`)
    }
  }
  const bytes = Uint8Array.from(buffer.subarray(0, length))
  buffer.fill(0)
  return bytes
}

/** The terminal, if the process has one: a prompt and its answer, not echoed. */
export interface Tty {
  /** The line typed after `question`; undefined: Ctrl-C (the program exits 130). */
  readonly ask: (question: string) => Promise<Uint8Array>
  readonly close: () => void
}

/** /dev/tty in raw mode; undefined when the process has no terminal. */
export const openTty = (): Tty | undefined => {
  let fd: number
  try {
    fd = openSync("/dev/tty", "r+")
  } catch {
    return undefined
  }
  // One stream for every question (the confirmation too); closing it closes the descriptor.
  const stream = new ReadStream(fd)
  stream.pause()
  const ask = (question: string): Promise<Uint8Array> =>
    new Promise((resolve) => {
      writeSync(fd, question)
      stream.setRawMode(true)
      const typed: Array<number> = []
      const done = (value: Array<number> | undefined) => {
        stream.removeListener("data", onData)
        stream.setRawMode(false)
        stream.pause()
        writeSync(fd, "\r\n")
        if (value === undefined) process.exit(ExitCode.interrupted)
        resolve(Uint8Array.from(value))
        typed.fill(0)
      }
      const onData = (chunk: Buffer) => {
        try {
          for (const byte of chunk) {
            if (byte === 0x03) return done(undefined)
            if (byte === 0x0d || byte === 0x0a || byte === 0x04) return done(typed)
            if (byte === 0x7f || byte === 0x08) typed.pop()
            else if (typed.length <= MAX_PASSPHRASE_BYTES) typed.push(byte)
          }
        } finally {
          // What was typed is not left in the stream's buffer.
          chunk.fill(0)
        }
      }
      stream.on("data", onData)
      stream.resume()
    })
  return { ask, close: () => stream.destroy() }
}

const checked = (bytes: Uint8Array, source: string): Uint8Array => {
  if (bytes.length === 0) throw new AgeUsage(`the passphrase from ${source} is empty`)
  if (bytes.length > MAX_PASSPHRASE_BYTES) {
    bytes.fill(0)
    throw new AgeUsage(`the passphrase from ${source} is longer than ${MAX_PASSPHRASE_BYTES} bytes`)
  }
  return bytes
}

/** Where a script's passphrase comes from: `--passphrase-fd`, else `SLUICE_PASSPHRASE`; undefined: neither. */
const scripted = (fd: number | undefined, env: NodeJS.ProcessEnv): Uint8Array | undefined => {
  if (fd !== undefined) return checked(withoutNewline(readFd(fd)), `--passphrase-fd ${fd}`)
  const value = env["SLUICE_PASSPHRASE"]
  if (value !== undefined) return checked(new TextEncoder().encode(value), "SLUICE_PASSPHRASE")
  return undefined
}

const NO_TERMINAL = new AgeUsage(
  "a passphrase is needed and there is no terminal to type it at",
  "give it with --passphrase-fd N or in SLUICE_PASSPHRASE"
)

/**
 * The passphrase to encrypt with. On the terminal: asked, then confirmed; an empty answer
 * makes one (`generatePassphrase`), printed on stderr, as age prints it to the terminal.
 */
export const encryptPassphrase = async (
  fd: number | undefined,
  err: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  tty: () => Tty | undefined = openTty
): Promise<Uint8Array> => {
  const given = scripted(fd, env)
  if (given !== undefined) return given
  const terminal = tty()
  if (terminal === undefined) throw NO_TERMINAL
  try {
    const typed = await terminal.ask("Enter passphrase (leave empty to autogenerate a secure one): ")
    if (typed.length === 0) {
      const made = await generatePassphrase()
      err(`sluice: using autogenerated passphrase "${made}"`)
      return new TextEncoder().encode(made)
    }
    const again = await terminal.ask("Confirm passphrase: ")
    const same = Buffer.from(typed).equals(Buffer.from(again))
    again.fill(0)
    if (!same) {
      typed.fill(0)
      throw new AgeUsage("passphrases didn't match")
    }
    return checked(typed, "the terminal")
  } finally {
    terminal.close()
  }
}

/** The passphrase of a passphrase-encrypted file: `--passphrase-fd`, `SLUICE_PASSPHRASE`, or asked once. */
export const decryptPassphrase = async (
  fd: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
  tty: () => Tty | undefined = openTty
): Promise<Uint8Array> => {
  const given = scripted(fd, env)
  if (given !== undefined) return given
  const terminal = tty()
  if (terminal === undefined) throw NO_TERMINAL
  try {
    return checked(await terminal.ask("Enter passphrase: "), "the terminal")
  } finally {
    terminal.close()
  }
}

/** The passphrase of passphrase-encrypted identity files (`-i key.age`), and its wiping. */
export interface IdentityFilePassphrases {
  /** For the identity file `name`: undefined when none can be had (`refused` then says why). */
  readonly ask: (name: string) => Promise<Uint8Array | undefined>
  /** Why no passphrase could be had (no terminal, an empty one), once asked. */
  readonly refused: () => AgeUsage | undefined
  /** Wipes the scripted passphrase, if one was read. */
  readonly forget: () => void
}

/**
 * `--passphrase-fd` or `SLUICE_PASSPHRASE` (read once, for every encrypted identity file),
 * else asked on the terminal for each file, as age asks: `Enter passphrase for identity
 * file "NAME":`.
 */
export const identityFilePassphrases = (
  fd: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
  tty: () => Tty | undefined = openTty
): IdentityFilePassphrases => {
  // null: not read yet; undefined: no scripted passphrase.
  let given: Uint8Array | undefined | null = null
  let refused: AgeUsage | undefined
  const ask = async (name: string): Promise<Uint8Array | undefined> => {
    try {
      if (given === null) given = scripted(fd, env)
      if (given !== undefined) return given.slice()
      const terminal = tty()
      if (terminal === undefined) throw NO_TERMINAL
      try {
        return checked(await terminal.ask(`Enter passphrase for identity file "${name}": `), "the terminal")
      } finally {
        terminal.close()
      }
    } catch (error) {
      if (!(error instanceof AgeUsage)) throw error
      refused = error
      return undefined
    }
  }
  return { ask, refused: () => refused, forget: () => given?.fill(0) }
}
