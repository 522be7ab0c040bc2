import { Effect } from "effect"
import { constants } from "node:os"
import { type SourceError, sourceError, ReadFailed } from "../engine/errors.js"
import type { PathSource } from "../engine/Source.js"
import { fromErrno, fsPath } from "./NodeByteSource.js"

export { NATIVE_FILE_FROM_BYTES, NATIVE_FILE_SLICE, type SluiceNative, sluiceNative } from "./nativeBlake3Addon.js"
import { NATIVE_FILE_FROM_BYTES, NATIVE_FILE_SLICE, sluiceNative } from "./nativeBlake3Addon.js"

/** Every core (rayon's pool, one thread a core), as b3sum by default. */
const EVERY_CORE = 0

const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]))

/** The addon's failure as the engine's read errors: `errno:N` as its name, `ECHANGED` as is. */
export const nativeFileError = (path: string, cause: unknown): SourceError => {
  const code = (cause as { readonly code?: unknown } | undefined)?.code
  if (typeof code === "string" && code.startsWith("errno:")) {
    return fromErrno(path, { code: errnoNames.get(Number(code.slice(6))) ?? "EIO" })
  }
  return sourceError(new ReadFailed({ path, code: typeof code === "string" && /^E[A-Z]+$/.test(code) ? code : "EIO" }))
}

/**
 * BLAKE3 of a regular file of at least `NATIVE_FILE_FROM_BYTES`, mapped and hashed on every
 * core in consecutive slices, `onProgress` told after each; undefined when the addon is
 * absent or the file is not one (a pipe, a device, a small file): the caller reads it.
 */
export const hashFileNative = (
  source: PathSource,
  onProgress: (bytes: number, total: number) => void
): Effect.Effect<{ readonly digest: Uint8Array; readonly bytes: number } | undefined, SourceError> =>
  Effect.suspend(() => {
    const addon = sluiceNative()
    if (addon === undefined) return Effect.succeed(undefined)
    const name = fsPath(source)
    const attempt = <A>(f: () => A) => Effect.try({ try: f, catch: (cause) => nativeFileError(source.path, cause) })
    return Effect.acquireUseRelease(
      attempt(() => addon.fileOpen(typeof name === "string" ? Buffer.from(name) : name)),
      (file) => Effect.gen(function*() {
        if (file === undefined) return undefined
        const size = addon.fileSize(file)
        if (size < NATIVE_FILE_FROM_BYTES) return undefined
        let at = 0
        while (at < size) {
          at = yield* attempt(() => addon.fileUpdate(file, NATIVE_FILE_SLICE, EVERY_CORE))
          onProgress(at, size)
          // A chance for an interruption (the pool's, Ctrl-C's) between two slices.
          yield* Effect.yieldNow
        }
        const digest = yield* attempt(() => addon.fileDigest(file))
        return { digest: new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength), bytes: size }
      }),
      (file) =>
        Effect.sync(() => {
          if (file !== undefined) addon.fileClose(file)
        })
    )
  })

/** What hashes a large BLAKE3 file here, for `doctor`; undefined where the addon is absent. */
export const nativeFileKernel = (): string | undefined => {
  const addon = sluiceNative()
  return addon === undefined ? undefined : `${addon.version()}: the file mapped, hashed on every core`
}
