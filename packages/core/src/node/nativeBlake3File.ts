import { Effect } from "effect"
import { constants } from "node:os"
import { type SourceError, sourceError, ReadFailed } from "../engine/errors.js"
import type { PathSource } from "../engine/Source.js"
import { nativeAddon } from "./nativeAddon.js"
import { fromErrno, fsPath } from "./NodeByteSource.js"

/**
 * `@sluice/native`, Sluice's own addon (packages/native: the blake3 crate with rayon over a
 * mapped file): BLAKE3 of one large file on every core, as b3sum does it. Built only where
 * cargo and Debian's crates are present; elsewhere (or with `SLUICE_NATIVE=0`, or
 * `SLUICE_NATIVE_FILE=0` for this addon alone) it is absent and a large file is hashed as
 * before: streamed through one worker with `@napi-rs/blake-hash`, or spread over every
 * worker with our WebAssembly kernel.
 */
export type SluiceNative = typeof import("@sluice/native")

/** BLAKE3 of "abc" (the BLAKE3 reference implementation): a binary that answers otherwise is no kernel. */
const ABC = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"

export const sluiceNative = nativeAddon<SluiceNative>("@sluice/native", (addon) => {
  if (Buffer.from(addon.hash(new TextEncoder().encode("abc"))).toString("hex") !== ABC) throw new Error("wrong digest")
}, "SLUICE_NATIVE_FILE")

/** Files from this size up are mapped and hashed on every core; smaller ones stream as before. */
export const NATIVE_FILE_FROM_BYTES = 16 * 1024 * 1024

/**
 * How much is hashed between two progress reports (and two chances to stop), a whole
 * subtree of BLAKE3's tree: 16 MiB takes the addon a few ms on two threads (a call cannot be
 * interrupted), and the addon drops each slice's pages from the process once hashed, so
 * the file's map adds at most a slice to the peak RSS.
 */
export const NATIVE_FILE_SLICE = 16 * 1024 * 1024

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
