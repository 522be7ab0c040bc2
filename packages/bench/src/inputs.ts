/**
 * Input files: random data generated once per invocation in a temporary directory,
 * shared by every scenario that needs the same shape, warmed into the page cache
 * before timing, deleted at the end.
 */
import { formatBytes as formatSize } from "@sluice/core"
import { randomFillSync } from "node:crypto"
import { appendFileSync, closeSync, mkdirSync, openSync, readSync, statfsSync, statSync, truncateSync, writeSync } from "node:fs"
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

/** `4 GiB`, `5.50 GiB`, `256 KiB`: core's formatBytes, two decimals unless whole, GiB at most. */
export const formatBytes = (n: number): string => formatSize(n, { decimals: 2, trimWhole: true, largest: "GiB" })

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

/**
 * A tree of files for `sluice hash -r`/`check`: `count` files of `bytes` each, `perDir` to a
 * folder (d000/f00000.bin, ...), plus `big` larger files in a folder of their own. Scenarios
 * that change their files generate a tree of their own (never a shared input).
 */
export interface TreeSpec {
  readonly count: number
  readonly bytes: number
  readonly perDir: number
  readonly big?: InputSpec
}

export const treeBytes = (spec: TreeSpec): number =>
  spec.count * spec.bytes + (spec.big === undefined ? 0 : totalBytes(spec.big))

export const treeFiles = (spec: TreeSpec): number => spec.count + (spec.big?.count ?? 0)

export const describeTree = (spec: TreeSpec): string =>
  `tree of ${spec.count.toLocaleString("en-US")} x ${formatBytes(spec.bytes)} files` +
  (spec.big === undefined ? "" : ` + ${spec.big.count} x ${formatBytes(spec.big.bytes)}`) +
  ` (${formatBytes(treeBytes(spec))})`

/** Generates the tree under `root` and returns its files' paths in name order (the order of `hash -r`). */
export const generateTree = (root: string, spec: TreeSpec): Array<string> => {
  const buffer = Buffer.allocUnsafe(Math.min(WRITE_CHUNK, Math.max(1, spec.bytes, spec.big?.bytes ?? 0)))
  const paths: Array<string> = []
  mkdirSync(root, { recursive: true })
  if (spec.big !== undefined) {
    mkdirSync(join(root, "big"))
    for (let i = 0; i < spec.big.count; i++) {
      const path = join(root, "big", `b${i + 1}.bin`)
      writeRandomFile(path, spec.big.bytes, buffer)
      paths.push(path)
    }
  }
  const dirs = Math.ceil(spec.count / spec.perDir)
  const dirWidth = Math.max(3, String(dirs).length)
  const fileWidth = Math.max(5, String(spec.count).length)
  for (let i = 0; i < spec.count; i++) {
    const dir = join(root, `d${String(Math.floor(i / spec.perDir)).padStart(dirWidth, "0")}`)
    if (i % spec.perDir === 0) mkdirSync(dir)
    const path = join(dir, `f${String(i + 1).padStart(fileWidth, "0")}.bin`)
    writeRandomFile(path, spec.bytes, buffer)
    paths.push(path)
  }
  return paths
}

/** How a file of a tree was changed: its first 4 KiB rewritten (same size), 4 KiB appended, or cut to half. */
export type Change = "rewrite" | "append" | "truncate"
export const CHANGES: ReadonlyArray<Change> = ["rewrite", "append", "truncate"]

export const changeFile = (path: string, how: Change): void => {
  const bytes = Buffer.allocUnsafe(4 * KiB)
  randomFillSync(bytes)
  if (how === "append") return appendFileSync(path, bytes)
  if (how === "truncate") return truncateSync(path, Math.floor(statSync(path).size / 2))
  const fd = openSync(path, "r+")
  try {
    writeSync(fd, bytes, 0, Math.min(bytes.length, statSync(path).size), 0)
  } finally {
    closeSync(fd)
  }
}

/**
 * Changes one file in every `every` (those at index `at` modulo `every`, so spread over the
 * tree), taking the three kinds of change in turn; returns what it changed.
 */
export const changeFiles = (paths: ReadonlyArray<string>, every: number, at: number): Array<{ path: string; how: Change }> =>
  paths.flatMap((path, i) => i % every === at ? [path] : []).map((path, k) => {
    const how = CHANGES[k % CHANGES.length]!
    changeFile(path, how)
    return { path, how }
  })
