import { writeSync } from "node:fs"

/** A system call's error code, if `error` is one. */
const codeOf = (error: unknown): unknown => (error as NodeJS.ErrnoException | null)?.code

/**
 * Writes all of `text` to the file descriptor `fd` with write(2), as coreutils does: no
 * stream is made for it (process.stdout on a pipe is a socket object, ~1-2 ms to make).
 * A descriptor someone made non-blocking is waited on (1 ms at a time) while it is full.
 * False when the reader went away (EPIPE): nothing more can be written.
 */
export const writeAllSync = (fd: number, text: string | Uint8Array): boolean => {
  const bytes = typeof text === "string" ? Buffer.from(text) : text
  let waiter: Int32Array | undefined
  for (let at = 0; at < bytes.length;) {
    try {
      at += writeSync(fd, bytes, at)
    } catch (error) {
      if (codeOf(error) === "EPIPE") return false
      if (codeOf(error) !== "EAGAIN") throw error
      waiter ??= new Int32Array(new SharedArrayBuffer(4))
      Atomics.wait(waiter, 0, 0, 1)
    }
  }
  return true
}
