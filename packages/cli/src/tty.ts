/**
 * A secret typed on a terminal without echo: derive's password (on standard input, when it
 * is the terminal) and age's passphrases (on /dev/tty, as age reads them: standard input
 * may carry the data). One reading of the keys for both: Enter, LF or Ctrl-D ends the line,
 * Backspace and DEL take back a byte, Ctrl-C ends the program (exit 130) as it would
 * anywhere else. What was typed is wiped from every buffer it passed through. Small and
 * free of imports but the exit codes: it is part of derive's lean first file (deriveMain.js).
 */
import { openSync, writeSync } from "node:fs"
import type { ReadStream } from "node:tty"
import { ExitCode } from "./exitCode.js"

/** Where a hidden line is read: a terminal's input stream, and how to write on that terminal. */
export interface HiddenInput {
  readonly stream: Pick<ReadStream, "setRawMode" | "on" | "removeListener" | "resume" | "pause">
  /** Writes the question, and `newline` once the line is read. */
  readonly write: (text: string) => void
  /** What ends the prompt's line: "\n" on standard error, "\r\n" on a raw /dev/tty. */
  readonly newline: string
  /** Bytes kept at most (one past it, so that the caller can say the line is too long); none: no limit. */
  readonly maxBytes?: number
}

/** The line typed after `question`, not echoed; Ctrl-C exits the program (130). */
export const askHidden = (input: HiddenInput, question: string): Promise<Uint8Array> =>
  new Promise((resolve) => {
    const { stream } = input
    const max = input.maxBytes ?? Infinity
    input.write(question)
    stream.setRawMode(true)
    const typed: Array<number> = []
    const done = (value: Array<number> | undefined) => {
      stream.removeListener("data", onData)
      stream.setRawMode(false)
      stream.pause()
      input.write(input.newline)
      if (value === undefined) return process.exit(ExitCode.interrupted)
      resolve(Uint8Array.from(value))
      typed.fill(0)
    }
    const onData = (chunk: Buffer) => {
      try {
        for (const byte of chunk) {
          if (byte === 0x03) return done(undefined)
          if (byte === 0x0d || byte === 0x0a || byte === 0x04) return done(typed)
          if (byte === 0x7f || byte === 0x08) {
            if (typed.length > 0) typed[typed.length - 1] = 0
            typed.pop()
          } else if (typed.length <= max) typed.push(byte)
        }
      } finally {
        // What was typed is not left in the stream's buffer.
        chunk.fill(0)
      }
    }
    stream.on("data", onData)
    stream.resume()
  })

/** The terminal, if the process has one: a prompt and its answer, not echoed. */
export interface Tty {
  /** The line typed after `question` (Ctrl-C exits the program, 130). */
  readonly ask: (question: string) => Promise<Uint8Array>
  readonly close: () => void
}

/**
 * /dev/tty itself, as age reads passphrases; undefined when the process has no terminal.
 * `maxBytes`: as `HiddenInput`'s. node:tty loads only here (derive never opens /dev/tty).
 */
export const openTty = (maxBytes?: number): Tty | undefined => {
  let fd: number
  try {
    fd = openSync("/dev/tty", "r+")
  } catch {
    return undefined
  }
  // One stream for every question (a confirmation too); closing it closes the descriptor.
  const stream = new (process.getBuiltinModule("node:tty").ReadStream)(fd)
  stream.pause()
  const input: HiddenInput = { stream, write: (text) => writeSync(fd, text), newline: "\r\n", ...(maxBytes === undefined ? {} : { maxBytes }) }
  return { ask: (question) => askHidden(input, question), close: () => stream.destroy() }
}

/** One trailing newline (`echo`'s, an editor's) is not part of a typed or piped secret; the original is wiped. */
export const withoutNewline = (bytes: Uint8Array): Uint8Array => {
  const cut = bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? 2 : 1) : 0
  if (cut === 0) return bytes
  const trimmed = bytes.slice(0, bytes.length - cut)
  bytes.fill(0)
  return trimmed
}
