import { statSync } from "node:fs"
import { nativeAddon } from "./nativeAddon.js"

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

/**
 * BLAKE3 of the file at `path` on every core with the addon's async work (`fileUpdateAsync`:
 * libuv's thread and rayon's hash each slice while this thread is free), no worker thread:
 * the CLI's lean hash of large BLAKE3 files. Resolves undefined where the addon is absent or
 * the file cannot be mapped (the caller hashes it otherwise); rejects with the addon's error
 * (`errno:N`, `ECHANGED`). `after` is the file's identity key once hashed (`undefined` when it
 * cannot be stat'ed), for the cache.
 */
export const hashFileNativeAsync = async (
  path: string,
  identityKey: (stat: import("node:fs").BigIntStats) => string
): Promise<{ readonly digest: string; readonly bytes: number; readonly after: string | undefined } | undefined> => {
  const addon = sluiceNative()
  if (addon === undefined) return undefined
  const file = addon.fileOpen(Buffer.from(path))
  if (file === undefined) return undefined
  try {
    const size = addon.fileSize(file)
    let at = 0
    while (at < size) {
      at = await new Promise<number>((resolve, reject) =>
        addon.fileUpdateAsync(file, NATIVE_FILE_SLICE, EVERY_CORE, (error, position) => error === null ? resolve(position!) : reject(error))
      )
    }
    const digest = Buffer.from(addon.fileDigest(file)).toString("hex")
    const stat = statSync(path, { bigint: true, throwIfNoEntry: false })
    return { digest, bytes: size, after: stat === undefined ? undefined : identityKey(stat) }
  } finally {
    addon.fileClose(file)
  }
}

/** Every core (rayon's pool, one thread a core), as b3sum by default. */
const EVERY_CORE = 0
