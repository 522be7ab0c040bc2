/**
 * The disk level's store, without Effect (diskCacheLevel.ts wraps it as a `CacheLevel`; the
 * CLI's lean hash uses it as it is). The L2 level of the CLI and of Node programs: a directory of append-only logs, one per
 * key prefix (64 shards), so a lookup reads one small file and a tree's lookups read each
 * shard once. Writes are buffered and appended in one `write` per shard (O_APPEND: two
 * processes appending at once interleave whole records, never bytes of them); each record
 * carries a check value, so a torn or damaged line is skipped, never believed. Pruning
 * rewrites a shard through a temporary file and a rename.
 *
 * A new cache whose first write spans many shards (a first hash of a tree) writes it as one
 * file, `pack.log`, of the same records, in blocks (one a write: a header line
 * `#pack SS:BYTES ...`, then each shard's records, in that order, so a lookup reads only its
 * shard's bytes): creating a file costs ~0.3-0.8 ms of system time
 * here, and 64 of them were ~10 % of a first hash of 10,000 small files. A shard is read
 * with the pack's records of it, then its own (appended later: they win); the next pruning
 * writes the pack's records into their shards and removes it. (An older Sluice does not
 * read the pack: its records are misses there, never wrong answers.)
 */
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { LevelLimits } from "../engine/cache/CacheLevel.js"

/**
 * @sluice/native's `findRecords` (batch.rs): for each of `keys` (LF between two), its value
 * in `records` as `lookup` finds it, a line each: `+VALUE`, `!VALUE` where its record is older
 * than `touchBefore` (ms), or empty for none.
 */
export type FindRecords = (records: Uint8Array, tag: Uint8Array, keys: Uint8Array, touchBefore: number) => string

export const DEFAULT_DISK_LIMITS: LevelLimits = { maxEntries: 2_000_000, maxBytes: 256 * 1024 * 1024 }

/** Records more than this old are rewritten when read, so pruning knows what is still used. */
const TOUCH_AFTER_MS = 24 * 60 * 60 * 1000
/** Pruning runs by itself at most this often. */
const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000
const SHARDS = 64

/** The shard of each first byte of a key, by name: a lookup per file costs no formatting. */
const SHARD_NAMES: ReadonlyArray<string> = Array.from({ length: 256 }, (_, byte) => (byte % SHARDS).toString(16).padStart(2, "0"))

/** The file whose mtime says when the cache was last pruned. */
const PRUNED = "pruned"
/** A new cache's first records, of every shard (see the header). */
const PACK = "pack.log"
/** A new cache's first flush writes the pack where it touches this many shards or more. */
const PACK_FROM_SHARDS = 16
/**
 * Buffered records beyond this are written at once (about 2 MiB of them). Each flush
 * opens and appends to every shard it touches, 64 files: a tree of many small files
 * flushed every thousand records spent more on those opens than on its records.
 */
const FLUSH_AT = 16_384

export { defaultCacheDir } from "./cacheDir.js"

interface Entry {
  readonly value: string
  readonly t: number
}

/** node:zlib, loaded with the first record read or written: a run that never opens the cache never loads it. */
let zlibModule: typeof import("node:zlib") | undefined
const zlib = () => (zlibModule ??= process.getBuiltinModule("node:zlib"))

/** A CRC-32 of the record: it catches a torn or damaged line, which is all it is for (keys are hashes already). */
const check = (body: string) => zlib().crc32(body).toString(16).padStart(8, "0")

/** `check key t tag value`: the tag is the version that wrote it, for pruning. */
const record = (key: string, t: number, tag: string, value: string) => {
  const body = `${key} ${t.toString(36)} ${tag} ${value}`
  return `${check(body)} ${body}\n`
}

/** The 8 lowercase hex digits a record starts with, as a number; -1 where they are not. */
const checkOf = (line: string): number => {
  let n = 0
  for (let i = 0; i < 8; i++) {
    const c = line.charCodeAt(i)
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1
    if (digit < 0) return -1
    n = n * 16 + digit
  }
  return n
}

/**
 * A record's fields, or undefined for a torn or damaged line. Read by position, its check
 * value as a number: a cache of 10,000 records is read in ~4-7 ms against ~7-13 for a
 * split and a check value formatted to compare (Node 24, the same records).
 */
const parseLine = (line: string): { key: string; t: number; tag: string; value: string } | undefined => {
  if (line.charCodeAt(8) !== 32) return undefined
  const sum = checkOf(line)
  const keyEnd = line.indexOf(" ", 9)
  const tEnd = keyEnd < 0 ? -1 : line.indexOf(" ", keyEnd + 1)
  if (sum < 0 || tEnd < 0) return undefined
  const tagEnd = line.indexOf(" ", tEnd + 1)
  if (zlib().crc32(line.slice(9)) !== sum) return undefined
  return tagEnd < 0
    ? { key: line.slice(9, keyEnd), t: parseInt(line.slice(keyEnd + 1, tEnd), 36), tag: line.slice(tEnd + 1), value: "" }
    : { key: line.slice(9, keyEnd), t: parseInt(line.slice(keyEnd + 1, tEnd), 36), tag: line.slice(tEnd + 1, tagEnd), value: line.slice(tagEnd + 1) }
}

/** Replaces `path` by a file holding `text`, through a temporary file beside it and a rename. */
const replaceFile = (path: string, text: string) => {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    writeFileSync(temp, text, { mode: 0o600 })
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}

/**
 * Check indexes (checkIndex.ts, one per checksum file checked) not written for this long
 * go when the level is pruned: one of a checksum file no longer checked, or of an older
 * version, would stay forever. One still used is written again by its next full check.
 */
export const CHECK_INDEX_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000

/** Removes the check indexes in `dir` older than `CHECK_INDEX_MAX_AGE_MS`, and temporary files a killed write left; returns how many went. */
const pruneCheckIndexes = (dir: string, now: number): number => {
  let names: Array<string>
  try {
    names = readdirSync(dir)
  } catch {
    return 0
  }
  let removed = 0
  for (const name of names) {
    const path = join(dir, name)
    const stat = statSync(path, { throwIfNoEntry: false })
    if (stat === undefined) continue
    const age = now - stat.mtimeMs
    if ((name.endsWith(".idx") && age > CHECK_INDEX_MAX_AGE_MS) || (name.endsWith(".tmp") && age > PRUNE_EVERY_MS)) {
      rmSync(path, { force: true })
      removed++
    }
  }
  return removed
}

export interface DiskLevelOptions {
  /** The cache's root; results live in its `results` folder. */
  readonly dir: string
  /** Written into each record; prune drops records of other versions. */
  readonly tag: string
  readonly limits?: LevelLimits
  readonly now?: () => number
  /** Appends `data` to the file at `path`; tests put a failing one here to stand for a full disk. */
  readonly append?: (path: string, data: string) => void
}

/** The disk level's operations, each synchronous and throwing on failure. */
export const makeDiskStore = (options: DiskLevelOptions) => {
  const root = join(options.dir, "results")
  const limits = options.limits ?? DEFAULT_DISK_LIMITS
  const now = options.now ?? Date.now
  const append = options.append ?? ((path: string, data: string) => appendFileSync(path, data, { mode: 0o600 }))
  const shards = new Map<string, Map<string, Entry>>()
  /** Lines in each loaded shard's file, damaged and superseded ones included: what pruning may drop. */
  const lineCounts = new Map<string, number>()
  const pending = new Map<string, Array<string>>()
  /** Records buffered in `pending` as whole texts of several (`bufferRecords`), beyond one a piece. */
  const pendingExtra = new Map<string, number>()
  let pendingCount = 0

  // 64 shards: a lookup reads 1/64 of the cache, and a new cache creates 64 files, not 256
  // (creating a file costs ~0.4 ms here, which a first run of small files felt).
  const shardOf = (key: string) => SHARD_NAMES[parseInt(key.slice(0, 2), 16)] ?? "00"
  const pathOf = (shard: string) => join(root, `${shard}.log`)
  const packPath = join(root, PACK)

  /** The text of `path`, "" where there is no such file. */
  const readText = (path: string): string => {
    try {
      return readFileSync(path, "utf8")
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
      return ""
    }
  }

  /** Where each shard's records are in the pack (byte ranges, a block each), read once; a header that does not parse ends the reading (its records are misses). */
  let packed: Map<string, Array<readonly [number, number]>> | undefined
  /** The pack's blocks of each of `shards` (each with its shard), in the pack's order. */
  const packBlocks = (shards: Iterable<string>): Array<readonly [string, Buffer]> => {
    let fd: number
    try {
      fd = openSync(packPath, "r")
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
      return []
    }
    try {
      if (packed === undefined) {
        packed = new Map()
        const size = fstatSync(fd).size
        const head = Buffer.allocUnsafe(4096)
        for (let at = 0; at < size;) {
          const got = readSync(fd, head, 0, head.length, at)
          const end = head.subarray(0, got).indexOf(10)
          const line = end < 0 ? "" : head.toString("latin1", 0, end)
          if (!line.startsWith("#pack ")) break
          let from = at + end + 1
          const parts = line.slice(6).split(" ").map((part) => part.split(":"))
          if (!parts.every(([name, bytes]) => name !== undefined && /^[0-9a-f]{2}$/.test(name) && /^\d+$/.test(bytes ?? ""))) break
          for (const [name, bytes] of parts) {
            const ranges = packed.get(name!) ?? []
            ranges.push([from, Number(bytes)])
            packed.set(name!, ranges)
            from += Number(bytes)
          }
          at = from
        }
      }
      const blocks: Array<readonly [string, Buffer]> = []
      for (const shard of shards) {
        for (const [from, length] of packed.get(shard) ?? []) {
          const bytes = Buffer.allocUnsafe(length)
          blocks.push([shard, bytes.subarray(0, readSync(fd, bytes, 0, length, from))])
        }
      }
      return blocks
    } finally {
      closeSync(fd)
    }
  }
  const packLines = (shard: string): Array<string> => packBlocks([shard]).flatMap(([, block]) => block.toString("utf8").split("\n"))

  const readShard = (shard: string): Map<string, Entry> => {
    let loaded = shards.get(shard)
    if (loaded !== undefined) return loaded
    loaded = new Map()
    let lines = 0
    const take = (line: string) => {
      if (line === "") return
      lines++
      const parsed = parseLine(line)
      if (parsed !== undefined && parsed.tag === options.tag) loaded!.set(parsed.key, parsed)
    }
    // The pack's records first: the shard's own were appended after them.
    for (const line of packLines(shard)) take(line)
    for (const line of readText(pathOf(shard)).split("\n")) take(line)
    shards.set(shard, loaded)
    lineCounts.set(shard, lines)
    return loaded
  }

  const buffer = (key: string, entry: Entry) => {
    const shard = shardOf(key)
    const lines = pending.get(shard) ?? []
    lines.push(record(key, entry.t, options.tag, entry.value))
    pending.set(shard, lines)
    pendingCount++
  }

  const flushSync = () => {
    if (pendingCount === 0) return
    if (!existsSync(root)) {
      mkdirSync(root, { recursive: true, mode: 0o700 })
      // A new cache has nothing to prune for a day.
      writeFileSync(join(root, PRUNED), "")
      if (pending.size >= PACK_FROM_SHARDS) {
        // Its first records of many shards: one file, not one a shard.
        const texts: Array<string> = []
        const header: Array<string> = []
        for (const [shard, lines] of pending) {
          const text = lines.join("")
          texts.push(text)
          header.push(`${shard}:${Buffer.byteLength(text)}`)
          lineCounts.set(shard, (lineCounts.get(shard) ?? 0) + lines.length + (pendingExtra.get(shard) ?? 0))
        }
        append(packPath, `#pack ${header.join(" ")}\n${texts.join("")}`)
        pending.clear()
        pendingExtra.clear()
        pendingCount = 0
        return
      }
    }
    for (const [shard, lines] of pending) {
      append(pathOf(shard), lines.join(""))
      lineCounts.set(shard, (lineCounts.get(shard) ?? 0) + lines.length + (pendingExtra.get(shard) ?? 0))
      pending.delete(shard)
    }
    pendingExtra.clear()
    pendingCount = 0
  }

  /**
   * Buffers `count` records of `shard` made elsewhere as `record` makes them (@sluice/native's
   * `hashFiles` for the CLI's lean hash on a new cache), to be appended with the rest. They
   * are not added to a loaded shard's entries: what is put this way is not looked up again
   * by the same store.
   */
  const bufferRecords = (shard: string, text: string, count: number) => {
    if (count === 0) return
    const lines = pending.get(shard) ?? []
    lines.push(text)
    pending.set(shard, lines)
    pendingExtra.set(shard, (pendingExtra.get(shard) ?? 0) + count - 1)
    pendingCount += count
    if (pendingCount >= FLUSH_AT) flushSync()
  }

  const allShards = () => {
    try {
      return readdirSync(root).filter((name) => /^[0-9a-f]{2}\.log$/.test(name)).map((name) => name.slice(0, 2))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return []
      throw error
    }
  }

  /**
   * Drops other versions' records, damaged lines and superseded ones, then the least
   * recently used entries beyond the limits. Only shards that lose something are
   * rewritten, each through a temporary file and a rename: a cache needs no fsync, since
   * a file a crash left short or empty is read as fewer entries, never as wrong ones.
   */
  const prune = (): number => {
    flushSync()
    // With a pack, every shard is written (its records go to their shards), then it goes.
    const pack = existsSync(packPath)
    if (pack) {
      // Everything is on disk now: read again, the pack's records and those the addon made included.
      shards.clear()
      packed = undefined
    }
    const names = pack ? [...new Set(SHARD_NAMES)] : allShards()
    const entries = names.flatMap((shard) => [...readShard(shard)].map(([key, entry]) => ({ key, entry })))
    // Newest use first; what does not fit the limits goes.
    entries.sort((a, b) => b.entry.t - a.entry.t)
    const kept = new Map<string, Array<string>>()
    let bytes = 0
    let count = 0
    for (const { entry, key } of entries) {
      const line = record(key, entry.t, options.tag, entry.value)
      if (count + 1 > limits.maxEntries || bytes + line.length > limits.maxBytes) continue
      count++
      bytes += line.length
      const shard = shardOf(key)
      const lines = kept.get(shard)
      if (lines === undefined) kept.set(shard, [line])
      else lines.push(line)
    }
    let removed = 0
    for (const shard of names) {
      const keep = kept.get(shard) ?? []
      const had = lineCounts.get(shard) ?? 0
      if (keep.length === had && !pack) continue
      removed += had - keep.length
      if (keep.length === 0) rmSync(pathOf(shard), { force: true })
      else replaceFile(pathOf(shard), keep.join(""))
      shards.delete(shard)
      lineCounts.delete(shard)
    }
    if (pack) {
      rmSync(packPath, { force: true })
      packed = undefined
    }
    removed += pruneCheckIndexes(join(root, "checks"), now())
    writeFileSync(join(root, PRUNED), "")
    return removed
  }

  /** Prunes by itself once a day, when this level is closed after a job. */
  const prunedLately = () => {
    try {
      return now() - statSync(join(root, PRUNED)).mtimeMs < PRUNE_EVERY_MS
    } catch {
      return false
    }
  }

  /** The value under `key`; one read more than a day after the last is written again, so pruning sees it used. */
  const lookup = (key: string, t: number) => {
    const shard = readShard(shardOf(key))
    const entry = shard.get(key)
    if (entry === undefined) return undefined
    if (t - entry.t > TOUCH_AFTER_MS) {
      shard.set(key, { value: entry.value, t })
      buffer(key, { value: entry.value, t })
    }
    return entry.value
  }

  /**
   * The records of `wanted` shards as one text, each shard's in the order they were written
   * (its pack's, then its own file's), each block after a line `#SS` naming its shard (a
   * record counts only in its key's shard, as `lookup` reads it): what @sluice/native's
   * `findRecords` and `recordVerdicts` read. Undefined where this store has loaded one of them or holds writes
   * for it (its records are then read as `lookup` reads them).
   */
  const recordsOf = (wanted: ReadonlySet<string>): Buffer | undefined => {
    for (const shard of wanted) if (shards.has(shard) || pending.has(shard)) return undefined
    const own = new Set(allShards())
    const blocks = packBlocks(wanted)
    for (const shard of wanted) {
      if (!own.has(shard)) continue
      try {
        blocks.push([shard, readFileSync(pathOf(shard))])
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
      }
    }
    // A LF before each marker: a torn last line is never joined to it.
    const texts: Array<Uint8Array> = []
    for (const [shard, block] of blocks) texts.push(Buffer.from(`\n#${shard}\n`), block)
    return Buffer.concat(texts)
  }

  /** Records older than this (ms) are written again when read (`lookup`), so pruning knows they are used. */
  const touchBefore = (t: number) => Math.max(0, t - TOUCH_AFTER_MS)

  /**
   * `lookup` of each of `keys` at once, their shards' records read by `find` (@sluice/native's
   * `findRecords`): ~10,000 records in one call, not each parsed and checked in JavaScript.
   */
  const lookupMany = (keys: ReadonlyArray<string>, t: number, find: FindRecords): Array<string | undefined> => {
    const wanted = new Set<string>()
    for (const key of keys) wanted.add(shardOf(key))
    const records = recordsOf(wanted)
    if (records === undefined) return keys.map((key) => lookup(key, t))
    const lines = find(records, Buffer.from(options.tag), Buffer.from(keys.join("\n")), touchBefore(t))
    const values: Array<string | undefined> = new Array(keys.length)
    let at = 0
    for (let i = 0; i < keys.length; i++) {
      const end = lines.indexOf("\n", at)
      if (end < 0) throw new Error("findRecords: short results")
      if (end > at) {
        const value = values[i] = lines.slice(at + 1, end)
        if (lines.charCodeAt(at) === 33) buffer(keys[i]!, { value, t })
      }
      at = end + 1
    }
    return values
  }

  const put = (key: string, value: string, t: number) => {
    if (value.includes("\n")) return
    const shard = readShard(shardOf(key))
    if (shard.get(key)?.value === value) return
    const entry = { value, t }
    shard.set(key, entry)
    buffer(key, entry)
    if (pendingCount >= FLUSH_AT) flushSync()
  }

  const size = () => {
    let entries = 0
    let bytes = 0
    const pack = statSync(packPath, { throwIfNoEntry: false })
    for (const shard of pack === undefined ? allShards() : [...new Set(SHARD_NAMES)]) {
      entries += readShard(shard).size
      bytes += statSync(pathOf(shard), { throwIfNoEntry: false })?.size ?? 0
    }
    return { entries, bytes: bytes + (pack?.size ?? 0) }
  }

  const clear = () => {
    pending.clear()
    pendingExtra.clear()
    pendingCount = 0
    shards.clear()
    packed = undefined
    rmSync(root, { recursive: true, force: true })
  }

  /** Writes what is buffered, then prunes when the last pruning is more than a day old. */
  const close = () => {
    flushSync()
    if ((allShards().length > 0 || existsSync(packPath)) && !prunedLately()) prune()
  }

  return { now, lookup, lookupMany, recordsOf, touchBefore, put, bufferRecords, flushSync, prune, size, clear, close }
}

export type DiskStore = ReturnType<typeof makeDiskStore>
