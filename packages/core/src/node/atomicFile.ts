/**
 * An output file that appears whole or not at all. Bytes go to a hidden temporary file
 * beside the destination (same directory, so the same filesystem); on success it is
 * flushed to disk, renamed over the destination and the directory entry is flushed too.
 * On any failure or interruption the temporary file is removed and the destination is
 * left exactly as it was: a reader never sees a half-written checksum file.
 *
 * A destination that is not a regular file (a device such as /dev/null, a FIFO, a socket)
 * cannot be replaced whole: renaming a file over it would put a regular file in the
 * device's place. It is opened and written in order as it is, never renamed over nor
 * removed; "whole or not at all" cannot hold there, as for a pipe.
 */
import { Effect, Exit } from "effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { basename, dirname, join } from "node:path"
import { OutputFailed } from "../engine/errors.js"

export { OutputFailed }

export interface AtomicFile {
  /** The destination, as given. */
  readonly path: string
  /** The hidden file beside it that holds the bytes until they are committed. */
  readonly tempPath: string
  /** Appends to the file; buffered, so many small writes cost few system calls. */
  readonly write: (data: string | Uint8Array) => Effect.Effect<void, OutputFailed>
}

export interface AtomicFileOptions {
  /**
   * The low-level write of `bytes` at the end of descriptor `fd`, resolving to how many
   * were written (fewer is fine: the rest is written again). Tests put a failing one
   * here to stand for a full disk.
   */
  readonly write?: (fd: number, bytes: Uint8Array) => Promise<number>
  /** Permissions of a new file (before the umask); a replaced file keeps its own. */
  readonly mode?: number
  /**
   * False for a secret (a derived key): the file gets `mode` even when it replaces one, so
   * a key written over a world-readable file does not inherit its permissions.
   */
  readonly keepMode?: boolean
  /**
   * True for bytes that hold secrets (private keys): every array given to `write` is
   * zeroed once its bytes are written, or when the file is abandoned. The caller gives
   * up its arrays to the file.
   */
  readonly wipe?: boolean
  /**
   * True for bytes that are secret until they are whole (decrypted plaintext): the
   * temporary file is created 0600 whatever `mode` says, so no other user can open it
   * while it is written, and it takes its final mode (`mode` less the umask, or the
   * replaced file's with `keepMode`) just before the rename, as the destination would
   * have had it written in place.
   */
  readonly privateUntilCommitted?: boolean
}

/** Bytes held before a write goes to the kernel. */
const BUFFER_BYTES = 64 * 1024

const writeFd = (fd: number, bytes: Uint8Array): Promise<number> =>
  new Promise((resolve, reject) =>
    fs.write(fd, bytes, 0, bytes.length, null, (error, written) => error ? reject(error) : resolve(written))
  )

const codeOf = (cause: unknown): string => (cause as NodeJS.ErrnoException | undefined)?.code ?? "EIO"

interface Temp {
  readonly path: string
  /** Where the bytes end up: the destination, or the file a symbolic link there points to. */
  readonly target: string
  readonly tempPath: string
  readonly handle: fs.promises.FileHandle
  /** The mode given at the commit (`privateUntilCommitted`); undefined: the file has its mode already. */
  readonly finalMode: number | undefined
  /** True where the destination is not a regular file: written in place (`tempPath` is `target`). */
  readonly direct: boolean
  closed: boolean
}

const fail = (path: string) => (cause: unknown) => new OutputFailed({ path, code: codeOf(cause) })

const errno = (code: string) => Object.assign(new Error(code), { code })

/** `.NAME.<random>.sluice-tmp` beside the target, created exclusively: never someone else's file. */
const createTemp = (path: string, mode: number, keepMode: boolean, privately: boolean) =>
  Effect.tryPromise({
    try: async (): Promise<Temp> => {
      const link = await fs.promises.lstat(path).catch((cause: unknown) => {
        if (codeOf(cause) === "ENOENT") return undefined
        throw cause
      })
      // A link stays a link: the file it points to is the one replaced.
      const target = link?.isSymbolicLink() ? await fs.promises.realpath(path) : path
      const existing = link?.isSymbolicLink() ? await fs.promises.stat(target) : link
      if (existing?.isDirectory()) throw errno("EISDIR")
      if (existing !== undefined && !existing.isFile()) {
        const handle = await fs.promises.open(target, "w")
        return { path, target, tempPath: target, handle, finalMode: undefined, direct: true, closed: false }
      }
      const tempPath = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.sluice-tmp`)
      // A file that replaces another keeps its permissions, as `> FILE` would.
      const kept = existing !== undefined && keepMode ? existing.mode & 0o7777 : undefined
      if (privately) {
        // Reading the umask does not change it (process.umask() with no argument).
        const handle = await fs.promises.open(tempPath, "wx", 0o600)
        return { path, target, tempPath, handle, finalMode: kept ?? (mode & ~process.umask()), direct: false, closed: false }
      }
      const handle = await fs.promises.open(tempPath, "wx", mode)
      if (kept !== undefined) {
        await handle.chmod(kept).catch(async (cause: unknown) => {
          await handle.close()
          await fs.promises.rm(tempPath, { force: true })
          throw cause
        })
      }
      return { path, target, tempPath, handle, finalMode: undefined, direct: false, closed: false }
    },
    catch: fail(path)
  })

const closeTemp = (temp: Temp) =>
  Effect.suspend(() => {
    if (temp.closed) return Effect.void
    temp.closed = true
    return Effect.tryPromise({ try: () => temp.handle.close(), catch: fail(temp.path) })
  })

/** Flushes the rename itself; a filesystem that cannot sync a directory is not an error. */
const fsyncDirectory = async (dir: string) => {
  const handle = await fs.promises.open(dir, "r")
  try {
    await handle.sync().catch((cause: unknown) => {
      if (!["EINVAL", "ENOTSUP", "EISDIR", "EPERM", "EBADF"].includes(codeOf(cause))) throw cause
    })
  } finally {
    await handle.close()
  }
}

/**
 * Runs `use` with a file that becomes `path` only if `use` succeeds: the bytes are
 * flushed, the temporary file renamed over `path` and the directory flushed. If `use`
 * fails, is interrupted, or a write fails (`OutputFailed`, for a full disk), the
 * temporary file is removed and `path` is untouched.
 */
export const writeAtomically = <A, E, R>(
  path: string,
  use: (file: AtomicFile) => Effect.Effect<A, E, R>,
  options: AtomicFileOptions = {}
): Effect.Effect<A, E | OutputFailed, R> => {
  const lowWrite = options.write ?? writeFd
  return Effect.acquireUseRelease(
    createTemp(path, options.mode ?? 0o666, options.keepMode ?? true, options.privateUntilCommitted ?? false),
    (temp) => {
      let pending: Array<Uint8Array> = []
      let pendingBytes = 0
      const encoder = new TextEncoder()
      // Uninterruptible: a write is never abandoned half-way under a close.
      const flush = Effect.uninterruptible(Effect.tryPromise({
        try: async () => {
          if (pendingBytes === 0) return
          const parts = pending
          const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
          pending = []
          pendingBytes = 0
          try {
            let offset = 0
            while (offset < bytes.length) {
              const written = await lowWrite(temp.handle.fd, bytes.subarray(offset))
              if (!(written > 0)) throw errno("EIO")
              offset += written
            }
          } finally {
            if (options.wipe === true) {
              bytes.fill(0)
              for (const part of parts) part.fill(0)
            }
          }
        },
        catch: fail(path)
      }))
      const file: AtomicFile = {
        path,
        tempPath: temp.tempPath,
        write: (data) =>
          Effect.suspend(() => {
            const bytes = typeof data === "string" ? encoder.encode(data) : data
            pending.push(bytes)
            pendingBytes += bytes.length
            return pendingBytes >= BUFFER_BYTES ? flush : Effect.void
          })
      }
      const commit = Effect.uninterruptible(Effect.gen(function*() {
        yield* flush
        if (temp.direct) return yield* closeTemp(temp)
        yield* Effect.tryPromise({ try: () => temp.handle.sync(), catch: fail(path) })
        if (temp.finalMode !== undefined) {
          const finalMode = temp.finalMode
          yield* Effect.tryPromise({ try: () => temp.handle.chmod(finalMode), catch: fail(path) })
        }
        yield* closeTemp(temp)
        yield* Effect.tryPromise({ try: () => fs.promises.rename(temp.tempPath, temp.target), catch: fail(path) })
        yield* Effect.tryPromise({ try: () => fsyncDirectory(dirname(temp.target)), catch: fail(path) }).pipe(
          // The file is in place; only the durability of its name is in doubt.
          Effect.ignore
        )
      }))
      // Whatever was not written when the file is abandoned (a failure, an interrupt).
      const wipePending = Effect.sync(() => {
        if (options.wipe === true) for (const part of pending) part.fill(0)
        pending = []
      })
      return Effect.tap(use(file), () => commit).pipe(Effect.ensuring(wipePending))
    },
    (temp, exit) =>
      Exit.isSuccess(exit) ? Effect.void : temp.direct ? Effect.ignore(closeTemp(temp)) : closeTemp(temp).pipe(
        Effect.ignore,
        Effect.andThen(Effect.promise(() => fs.promises.rm(temp.tempPath, { force: true }).catch(() => {})))
      )
  )
}

/** Whether `sync -f` (syncfs(2), coreutils 8.24+ on Linux) worked here; undefined until tried. */
let syncfsWorks: boolean | undefined = process.platform === "linux" ? undefined : false

const syncfs = (dir: string): Promise<boolean> =>
  new Promise((resolve) => {
    // child_process (with net, dgram and streams behind it) loads only for a durable commit.
    process.getBuiltinModule("node:child_process").execFile("sync", ["-f", dir], { timeout: 120_000 }, (error) => resolve(error === null))
  })

/** fdatasync(2) of each file, a few at a time (concurrent flushes share the journal's commits). */
const fdatasyncEach = async (paths: ReadonlyArray<string>, concurrency = 8): Promise<void> => {
  let next = 0
  const one = async () => {
    while (next < paths.length) {
      const handle = await fs.promises.open(paths[next++]!, "r")
      try {
        await handle.datasync()
      } finally {
        await handle.close()
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, one))
}

/**
 * Makes the bytes of many files just written (and closed) in `dir` durable at once, for a
 * writer that commits files in groups: one syncfs(2) of the filesystem (`sync -f DIR`) for
 * the whole group where Linux and coreutils give it, else fdatasync(2) of each file, eight
 * at a time. A file's own fsync costs ~2.5 ms on an ext4 disk here, one after another;
 * syncfs of a group of 4,096 small files ~80 ms, 20 µs a file. When `sync -f` fails (an
 * old coreutils, no such program, an error) the group is flushed file by file, which
 * reports a real I/O error itself, and every later group goes that way too. Rejects with
 * the errno error of the file that could not be flushed. `fileByFile` skips syncfs (tests).
 * `paths` may be a function, asked only when the files are flushed one by one.
 */
export const syncFilesDurably = async (
  dir: string,
  paths: ReadonlyArray<string> | (() => ReadonlyArray<string>),
  options: { readonly fileByFile?: boolean } = {}
): Promise<void> => {
  if (typeof paths !== "function" && paths.length === 0) return
  if (syncfsWorks !== false && options.fileByFile !== true) {
    if (await syncfs(dir)) {
      syncfsWorks = true
      return
    }
    syncfsWorks = false
  }
  await fdatasyncEach(typeof paths === "function" ? paths() : paths)
}

/** Flushes a directory's entries (renames into it); a filesystem that cannot sync a directory is not an error. */
export const syncDirectory = (dir: string): Promise<void> => fsyncDirectory(dir)
