/**
 * Input files: random data generated once per invocation in a temporary directory,
 * shared by every scenario that needs the same shape, warmed into the page cache
 * before timing, deleted at the end.
 */
import { randomFillSync } from "node:crypto"
import { closeSync, mkdirSync, openSync, readSync, statfsSync, writeSync } from "node:fs"
import { join } from "node:path"

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB

/** `count` files of `bytes` each (one file when count is 1). */
export interface InputSpec {
  readonly count: number
  readonly bytes: number
}

export const inputKey = (spec: InputSpec): string =>
  spec.count === 1 ? `file-${spec.bytes}` : `files-${spec.count}x${spec.bytes}`

export const totalBytes = (spec: InputSpec): number => spec.count * spec.bytes

export const formatBytes = (n: number): string => {
  for (const [unit, size] of [["GiB", GiB], ["MiB", MiB], ["KiB", KiB]] as const) {
    if (n >= size) return n % size === 0 ? `${n / size} ${unit}` : `${(n / size).toFixed(2)} ${unit}`
  }
  return `${n} B`
}

export const describeInput = (spec: InputSpec): string =>
  spec.count === 1
    ? spec.bytes === 0 ? "empty file" : `${formatBytes(spec.bytes)} file`
    : `${spec.count} x ${formatBytes(spec.bytes)} files`

const WRITE_CHUNK = 16 * MiB

const writeRandomFile = (path: string, bytes: number, buffer: Buffer): void => {
  const fd = openSync(path, "w")
  try {
    let left = bytes
    while (left > 0) {
      const n = Math.min(left, buffer.length)
      randomFillSync(buffer, 0, n)
      let written = 0
      while (written < n) written += writeSync(fd, buffer, written, n - written)
      left -= n
    }
  } finally {
    closeSync(fd)
  }
}

/** Generates the input's files under `dir` and returns their paths (in argv order). */
export const generateInput = (dir: string, spec: InputSpec): Array<string> => {
  const buffer = Buffer.allocUnsafe(Math.min(WRITE_CHUNK, Math.max(1, spec.bytes)))
  if (spec.count === 1) {
    const path = join(dir, `${inputKey(spec)}.bin`)
    writeRandomFile(path, spec.bytes, buffer)
    return [path]
  }
  const sub = join(dir, inputKey(spec))
  mkdirSync(sub)
  const width = String(spec.count).length
  return Array.from({ length: spec.count }, (_, i) => {
    const path = join(sub, `f${String(i + 1).padStart(width, "0")}.bin`)
    writeRandomFile(path, spec.bytes, buffer)
    return path
  })
}

const WARM_CHUNK = 4 * MiB
let warmBuffer: Buffer | undefined

/**
 * Reads every file once, so every tool then reads from the page cache alike. (Dropping
 * the cache needs root; a cached run measures the hashing, not the disk.)
 */
export const warmFiles = (paths: ReadonlyArray<string>): void => {
  warmBuffer ??= Buffer.allocUnsafe(WARM_CHUNK)
  for (const path of paths) {
    const fd = openSync(path, "r")
    try {
      while (readSync(fd, warmBuffer, 0, WARM_CHUNK, null) > 0) {
        // reading is the point
      }
    } finally {
      closeSync(fd)
    }
  }
}

/** Bytes available to an unprivileged user on the filesystem holding `dir`. */
export const freeBytes = (dir: string): number => {
  const stats = statfsSync(dir)
  return stats.bavail * stats.bsize
}
