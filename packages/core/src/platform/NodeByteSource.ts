import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import { promisify } from "node:util"
import { isMainThread } from "node:worker_threads"
import {
  FileNotFound,
  hashError,
  type HashError,
  IsADirectory,
  PermissionDenied,
  ReadFailed
} from "../domain/HashError.js"
import type { Source } from "../domain/Source.js"
import { blobReader } from "../stream/BlobReader.js"
import { ByteSource, type ByteReader } from "../stream/ByteSource.js"

const readFd = promisify(fs.read)
const STDIN_FD = 0

export const fromErrno = (path: string, cause: unknown): HashError => {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? "EIO"
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return hashError(new FileNotFound({ path }))
    case "EACCES":
    case "EPERM":
      return hashError(new PermissionDenied({ path }))
    case "EISDIR":
      return hashError(new IsADirectory({ path }))
    default:
      return hashError(new ReadFailed({ path, code }))
  }
}

const openPath = (path: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => fs.promises.open(path, "r"), catch: (cause) => fromErrno(path, cause) }),
    (handle) => Effect.promise(() => handle.close())
  ).pipe(
    Effect.flatMap((handle) =>
      Effect.tryPromise({ try: () => handle.stat(), catch: (cause) => fromErrno(path, cause) }).pipe(
        Effect.filterOrFail((stat) => !stat.isDirectory(), () => hashError(new IsADirectory({ path }))),
        Effect.map((stat): ByteReader => ({
          // Character devices and FIFOs opened by path have no meaningful size: read them forward.
          size: stat.isFile() ? stat.size : undefined,
          read: (buffer, position, length) =>
            Effect.tryPromise({
              try: () => handle.read(buffer, 0, length, position ?? null).then((r) => r.bytesRead),
              catch: (cause) => fromErrno(path, cause)
            }),
          readSync: isMainThread ? undefined : (buffer, position, length) => {
            try {
              return fs.readSync(handle.fd, buffer, 0, length, position)
            } catch (cause) {
              throw fromErrno(path, cause)
            }
          }
        }))
      )
    )
  )

/** Reads descriptor 0; a non-blocking pipe answers EAGAIN until data arrives, so wait and read again. */
const readStdin = (buffer: Uint8Array, length: number): Effect.Effect<number, HashError> =>
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
      return openPath(source.path)
    case "StdinSource":
      return Effect.succeed(stdinReader)
    case "BlobSource":
      return Effect.succeed(blobReader(source.name, source.blob))
  }
}

/** Files by path through positional reads into caller-owned buffers; stdin by descriptor; Blobs by slice. */
export const layer: Layer.Layer<ByteSource> = Layer.succeed(ByteSource)({ open: openSource })
