/**
 * Content identity of files in Node: device, inode, size, mtime and ctime in nanoseconds,
 * plus a fingerprint of sampled blocks. Any write moves ctime, and a rename or copy moves
 * the inode or ctime; the fingerprint also catches a rewrite on a file system whose times
 * are coarse or were restored.
 */
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { type BigIntStats, closeSync, fstatSync, openSync, readSync, statSync } from "node:fs"
import { FINGERPRINT_HEX, sampleRanges } from "../cache/fingerprint.js"
import type { ContentIdentity, Identify } from "../cache/ResultCache.js"

const statKey = (stat: BigIntStats) => `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`

const fingerprint = (fd: number, size: number): string => {
  const hash = createHash("sha256")
  const buffer = Buffer.allocUnsafe(3 * 4096)
  for (const range of sampleRanges(size)) {
    let done = 0
    while (done < range.length) {
      const n = readSync(fd, buffer, 0, range.length - done, range.offset + done)
      if (n === 0) break
      hash.update(buffer.subarray(0, n))
      done += n
    }
  }
  return hash.digest("hex").slice(0, FINGERPRINT_HEX)
}

/** The identity of the regular file at `path` now, or undefined (not a regular file, unreadable). */
export const identifyFile = (path: string): ContentIdentity | undefined => {
  let fd: number | undefined
  try {
    fd = openSync(path, "r")
    const stat = fstatSync(fd, { bigint: true })
    if (!stat.isFile()) return undefined
    const key = `${statKey(stat)}:${fingerprint(fd, Number(stat.size))}`
    const before = statKey(stat)
    return {
      key,
      size: Number(stat.size),
      unchanged: Effect.sync(() => {
        try {
          return statKey(statSync(path, { bigint: true })) === before
        } catch {
          return false
        }
      })
    }
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Paths are identified; standard input never is. */
export const identify: Identify = (source) =>
  Effect.sync(() => source._tag === "PathSource" && source.path !== "-" ? identifyFile(source.path) : undefined)
