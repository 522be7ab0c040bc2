import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import { promisify } from "node:util"
import {
  FileNotFound,
  IsADirectory,
  PermissionDenied,
  ReadFailed,
  type SourceError,
  sourceError
} from "../engine/errors.js"
import type { PathSource, Source } from "../engine/Source.js"
import { blobReader } from "../engine/BlobReader.js"
import { ByteSource, type ByteReader, DEFAULT_CHUNK_SIZE, type PathRead } from "../engine/ByteSource.js"

const readFd = promisify(fs.read)

/**
 * Whether this is the program's main thread, asked on first use: node:worker_threads (26
 * built-in modules) is not loaded by a program that never reads a file (a derivation, a
 * check the cache answers).
 */
let mainThread: boolean | undefined
export const isMainThread = (): boolean => (mainThread ??= process.getBuiltinModule("node:worker_threads").isMainThread)
const STDIN_FD = 0

export const fromErrno = (path: string, cause: unknown): SourceError => {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? "EIO"
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return sourceError(new FileNotFound({ path }))
    case "EACCES":
    case "EPERM":
      return sourceError(new PermissionDenied({ path }))
    case "EISDIR":
      return sourceError(new IsADirectory({ path }))
    default:
      return sourceError(new ReadFailed({ path, code }))
  }
}

// Character devices and FIFOs opened by path have no meaningful size: read them forward.
const sizeOf = (stat: fs.Stats) => stat.isFile() ? stat.size : undefined

/**
 * A file's content-identity key (nodeIdentity.ts): device, inode, size, mtime and ctime in
 * nanoseconds. Any write moves ctime; a rename or a copy moves the inode or ctime.
 */
export const statKey = (stat: fs.BigIntStats): string => `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`

/** What `fs` opens for a path source: its exact bytes when its name is not valid UTF-8. */
export const fsPath = (source: PathSource): string | Buffer =>
  source.bytes === undefined ? source.path : Buffer.from(source.bytes)

/** A positional read through libuv's pool with a plain callback (`ByteReader.readInto`). */
const readIntoFd = (fd: number, path: string): NonNullable<ByteReader["readInto"]> => (buffer, position, length, done) => {
  fs.read(fd, buffer, 0, length, position, (cause, bytes) => {
    if (cause !== null) done(fromErrno(path, cause), 0)
    else done(undefined, bytes)
  })
}

/** On the main thread: a FileHandle, every call through libuv's pool, never blocking. */
const openPathAsync = (name: string | Buffer, path: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => fs.promises.open(name, "r"), catch: (cause) => fromErrno(path, cause) }),
    (handle) => Effect.promise(() => handle.close())
  ).pipe(
    Effect.flatMap((handle) =>
      Effect.tryPromise({ try: () => handle.stat(), catch: (cause) => fromErrno(path, cause) }).pipe(
        Effect.filterOrFail((stat) => !stat.isDirectory(), () => sourceError(new IsADirectory({ path }))),
        Effect.map((stat): ByteReader => ({
          size: sizeOf(stat),
          read: (buffer, position, length) =>
            Effect.tryPromise({
              try: () => handle.read(buffer, 0, length, position ?? null).then((r) => r.bytesRead),
              catch: (cause) => fromErrno(path, cause)
            }),
          readInto: readIntoFd(handle.fd, path)
        }))
      )
    )
  )

/**
 * In a worker thread, which may block: open, stat, read and close are direct system
 * calls, cheaper than a round trip to libuv's pool for each (a tree of tiny files is
 * mostly opens and closes). A large file's chunks are read through libuv's pool instead,
 * one in flight while the last is hashed (`forEachChunk`).
 */
const openPathSync = (name: string | Buffer, path: string) =>
  Effect.acquireRelease(
    Effect.try({ try: () => fs.openSync(name, "r"), catch: (cause) => fromErrno(path, cause) }),
    (fd) => Effect.sync(() => fs.closeSync(fd))
  ).pipe(
    Effect.flatMap((fd) =>
      Effect.try({ try: () => fs.fstatSync(fd), catch: (cause) => fromErrno(path, cause) }).pipe(
        Effect.filterOrFail((stat) => !stat.isDirectory(), () => sourceError(new IsADirectory({ path }))),
        Effect.map((stat): ByteReader => {
          const readSync = (buffer: Uint8Array, position: number | undefined, length: number) => {
            try {
              return fs.readSync(fd, buffer, 0, length, position ?? null)
            } catch (cause) {
              throw fromErrno(path, cause)
            }
          }
          return {
            size: sizeOf(stat),
            // Through libuv's pool: a large file's next chunk is read while this one is hashed.
            read: (buffer, position, length) =>
              Effect.tryPromise({
                try: () => readFd(fd, buffer, 0, length, position ?? null).then((r) => r.bytesRead),
                catch: (cause) => fromErrno(path, cause)
              }),
            readInto: readIntoFd(fd, path),
            readSync
          }
        })
      )
    )
  )

const openPath: typeof openPathAsync = (...args) => (isMainThread() ? openPathAsync : openPathSync)(...args)

/** This thread's buffer for `readPathSync`: one, reused by every small file of every batch. */
let pathBuffer: Buffer | undefined

/**
 * A whole file through open, fstat, read and close, no Effect and no buffer of its own:
 * what a worker does for each file of a batch. One read for a file that fits the buffer
 * (a short read of a regular file is its end); a file that grows is still read to its end.
 */
export const readPathSync = (path: string, bytes: Uint8Array | undefined, onChunk: (chunk: Uint8Array, last: boolean) => void, stamp: boolean): PathRead => {
  const name = bytes === undefined ? path : Buffer.from(bytes)
  let fd: number
  try {
    // The flags as a number: Node parses "r" again on every call.
    fd = fs.openSync(name, fs.constants.O_RDONLY)
  } catch (cause) {
    throw fromErrno(path, cause)
  }
  try {
    if (stamp) return readStamped(fd, path, onChunk)
    let stat: fs.Stats
    try {
      stat = fs.fstatSync(fd)
    } catch (cause) {
      throw fromErrno(path, cause)
    }
    if (stat.isDirectory()) throw sourceError(new IsADirectory({ path }))
    const regular = stat.isFile()
    const buffer = pathBuffer ??= Buffer.allocUnsafe(DEFAULT_CHUNK_SIZE)
    let total = 0
    for (;;) {
      const want = regular && total <= stat.size ? Math.min(buffer.length, stat.size - total + 1) : buffer.length
      let n: number
      try {
        n = fs.readSync(fd, buffer, 0, want, regular ? total : null)
      } catch (cause) {
        throw fromErrno(path, cause)
      }
      if (n === 0) break
      total += n
      const last = regular && n < want
      onChunk(buffer.subarray(0, n), last)
      if (last) break
    }
    return { bytes: total }
  } finally {
    fs.closeSync(fd)
  }
}

const fstatBig = (fd: number, path: string) => {
  try {
    return fs.fstatSync(fd, { bigint: true })
  } catch (cause) {
    throw fromErrno(path, cause)
  }
}

/**
 * `readPathSync` with the stamp: one fstat, after the read, rather than one before it as
 * well. A short read is the end of a regular file, which that fstat then says the file is
 * (a directory fails the read, EISDIR); anything else is read to its end, then stamped.
 */
const readStamped = (fd: number, path: string, onChunk: (chunk: Uint8Array, last: boolean) => void): PathRead => {
  const buffer = pathBuffer ??= Buffer.allocUnsafe(DEFAULT_CHUNK_SIZE)
  let total = 0
  let after: fs.BigIntStats | undefined
  for (;;) {
    let n: number
    try {
      n = fs.readSync(fd, buffer, 0, buffer.length, null)
    } catch (cause) {
      throw fromErrno(path, cause)
    }
    if (n === 0) break
    total += n
    // The fstat before the chunk is handed on: a short read of a regular file is its last.
    if (n < buffer.length) {
      after = fstatBig(fd, path)
      if (after.isFile()) {
        onChunk(buffer.subarray(0, n), true)
        break
      }
      after = undefined
    }
    onChunk(buffer.subarray(0, n), false)
  }
  return { bytes: total, stamp: statKey(after ?? fstatBig(fd, path)) }
}

/** Reads descriptor 0; a non-blocking pipe answers EAGAIN until data arrives, so wait and read again. */
const readStdin = (buffer: Uint8Array, length: number): Effect.Effect<number, SourceError> =>
  Effect.tryPromise({
    try: () => readFd(STDIN_FD, buffer, 0, length, null).then((r) => r.bytesRead),
    catch: (cause) => cause
  }).pipe(
    Effect.catch((cause) =>
      (cause as NodeJS.ErrnoException).code === "EAGAIN"
        ? Effect.flatMap(Effect.sleep("2 millis"), () => readStdin(buffer, length))
        : Effect.fail(fromErrno("-", cause))
    )
  )

const stdinReader: ByteReader = {
  size: undefined,
  read: (buffer, _position, length) => readStdin(buffer, length)
}

export const openSource = (source: Source) => {
  switch (source._tag) {
    case "PathSource":
      return openPath(fsPath(source), source.path)
    case "StdinSource":
      return Effect.succeed(stdinReader)
    case "BlobSource":
      return Effect.succeed(blobReader(source.name, source.blob))
  }
}

/** Files by path through positional reads into caller-owned buffers; stdin by descriptor; Blobs by slice. */
/** One stat, no open: a FIFO would block an open until a writer came. */
export const sizePathSync = (path: string, bytes: Uint8Array | undefined): number | undefined => {
  try {
    const stat = fs.statSync(bytes === undefined ? path : Buffer.from(bytes), { throwIfNoEntry: false })
    return stat === undefined ? undefined : sizeOf(stat)
  } catch {
    return undefined
  }
}

/** The synchronous reads only off the main thread, which must never block; decided when first asked. */
export const layer: Layer.Layer<ByteSource> = Layer.succeed(ByteSource)({
  open: openSource,
  get readPathSync() {
    return isMainThread() ? undefined : readPathSync
  },
  get sizePathSync() {
    return isMainThread() ? undefined : sizePathSync
  }
})
