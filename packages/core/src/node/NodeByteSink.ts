/**
 * Sinks in Node: a file by path, opened by whichever thread writes it and written at
 * offsets (a worker writes the chunks it made, no bytes cross threads), and standard
 * output, written in order with backpressure.
 */
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import { isMainThread } from "./NodeByteSource.js"
import { ByteSink, type ByteWriter } from "../engine/ByteSink.js"
import { OutputFailed } from "../engine/errors.js"
import { type Sink, sinkName } from "../engine/Sink.js"

const codeOf = (cause: unknown): string => (cause as NodeJS.ErrnoException | undefined)?.code ?? "EIO"

/**
 * The file this thread last wrote, kept open between writers of the same path for a moment.
 * A task opens the sink for its one piece: opening and closing the file for each 4 MiB
 * piece made ext4 start writing the file's dirty pages back at every close (256 MiB in
 * 4 MiB pieces, one thread: 2.1-3.2 s reopening, 0.4-0.8 s on one descriptor), so the
 * descriptor is closed only when another path is written or the thread has written
 * nothing for `IDLE_CLOSE_MS` (an unref'd timer: it never keeps a process alive).
 */
let kept: { readonly path: string; readonly fd: number; users: number; timer: ReturnType<typeof setTimeout> | undefined } | undefined
const IDLE_CLOSE_MS = 1000

const closeKept = () => {
  if (kept === undefined || kept.users > 0) return
  if (kept.timer !== undefined) clearTimeout(kept.timer)
  const fd = kept.fd
  kept = undefined
  try {
    fs.closeSync(fd)
  } catch {
    // Already closed with its file's last writer gone: nothing to keep.
  }
}

/** Whether descriptor `fd` is still the file at `path` (not one removed and made again under its name). */
const sameFile = (fd: number, path: string): boolean => {
  try {
    const open = fs.fstatSync(fd)
    const named = fs.statSync(path)
    return open.ino === named.ino && open.dev === named.dev
  } catch {
    return false
  }
}

const acquireFd = (path: string): number => {
  if (kept !== undefined && kept.path === path && !sameFile(kept.fd, path) && kept.users === 0) closeKept()
  if (kept !== undefined && kept.path === path && (kept.users > 0 || sameFile(kept.fd, path))) {
    if (kept.timer !== undefined) clearTimeout(kept.timer)
    kept.timer = undefined
    kept.users++
    return kept.fd
  }
  const fd = fs.openSync(path, "r+")
  // Another path's descriptor, if no task holds it, goes now; one in use stays its task's own.
  if (kept !== undefined && kept.users === 0) closeKept()
  if (kept === undefined) {
    kept = { path, fd, users: 1, timer: undefined }
  }
  return fd
}

const releaseFd = (fd: number) => {
  if (kept === undefined || kept.fd !== fd) {
    fs.closeSync(fd)
    return
  }
  kept.users--
  if (kept.users === 0) {
    kept.timer = setTimeout(closeKept, IDLE_CLOSE_MS)
    kept.timer.unref?.()
  }
}

/**
 * The most one write(2) is given. On this machine's kernel (Linux 6.18, ext4) a write of
 * 1 MiB or more at an aligned offset into a new file cost ~1.3-6.8 s of CPU per GiB (large
 * page-cache folios), against ~0.2 s in writes of 256 KiB (or unaligned ones): a
 * decryption's 4 MiB pieces at 4 MiB offsets took 4x age's time to a file.
 */
const WRITE_SLICE = 256 * 1024

/**
 * The file must exist (the caller's `writeAtomically` made it): a sink never creates
 * files, so it never leaves one behind either.
 */
const openPath = (path: string) =>
  Effect.acquireRelease(
    Effect.try({ try: () => acquireFd(path), catch: (cause) => new OutputFailed({ path, code: codeOf(cause) }) }),
    (fd) => Effect.sync(() => releaseFd(fd))
  ).pipe(Effect.map((fd): ByteWriter => ({
    positional: true,
    write: (bytes, position = 0) =>
      (isMainThread()
        // Never block the main thread: libuv's pool does the write.
        ? Effect.tryPromise({
          try: async () => {
            let done = 0
            while (done < bytes.length) {
              const { bytesWritten } = await new Promise<{ bytesWritten: number }>((resolve, reject) =>
                fs.write(fd, bytes, done, Math.min(WRITE_SLICE, bytes.length - done), position + done, (error, bytesWritten) =>
                  error ? reject(error) : resolve({ bytesWritten })))
              done += bytesWritten
            }
          },
          catch: (cause) => new OutputFailed({ path, code: codeOf(cause) })
        })
        : Effect.try({
          try: () => {
            let done = 0
            while (done < bytes.length) done += fs.writeSync(fd, bytes, done, Math.min(WRITE_SLICE, bytes.length - done), position + done)
          },
          catch: (cause) => new OutputFailed({ path, code: codeOf(cause) })
        }))
  })))

const stdout: ByteWriter = {
  positional: false,
  write: (bytes) =>
    Effect.callback<void, OutputFailed>((resume) => {
      process.stdout.write(bytes, (error) =>
        resume(error ? Effect.fail(new OutputFailed({ path: "-", code: codeOf(error) })) : Effect.void))
    })
}

export const open = (sink: Sink) => sink._tag === "PathSink" ? openPath(sinkName(sink)) : Effect.succeed(stdout)

export const layer: Layer.Layer<ByteSink> = Layer.succeed(ByteSink)({ open })
