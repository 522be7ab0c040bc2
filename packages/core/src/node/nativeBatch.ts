import { ALGORITHMS, type HashAlgorithm } from "../hash/algorithms.js"
import { nativeAddon } from "./nativeAddon.js"

/**
 * Many small files in one call of `@sluice/native` (packages/native/src/batch.rs): the
 * CLI's lean hash hands every file it must read to `hashFiles` (open, read, digest with the
 * OpenSSL the running Node carries, fstat, close: on rayon's threads, one a core, while this
 * thread waits asynchronously), and stats its files with `statMany` (every core, one call).
 * Absent where the addon is not built, with `SLUICE_NATIVE=0`, or with
 * `SLUICE_NATIVE_BATCH=0` for this path alone: the lean hash then reads and hashes in
 * JavaScript (leanHash.ts's `hashShared`) and stats with statSync, as before. The digests
 * and the identity keys are the same either way, so are the cache entries.
 */
export interface NativeBatch {
  hashFiles(
    paths: Uint8Array,
    algorithms: string,
    done: (error: Error | null, lines: string | undefined, output?: Buffer) => void,
    records?: string,
    expect?: Uint8Array,
    stat?: Uint8Array
  ): void
  statMany(paths: Uint8Array, prefixes?: Uint8Array): string
  /** Per name, 1 where its file is the identity of its entry (dev, ino, size, mtime ns, ctime ns first of `fields`), 0 another regular file, 2 else. */
  sameMany(paths: Uint8Array, entries: BigInt64Array, fields: number): Uint8Array
  /**
   * `sameMany` for a check index's entries whose names are spans of `sums` (field 6: offset
   * * 2^32 + length): 2 for an entry without a usable span. Absent from an addon built before it.
   */
  sameSpans?(sums: Uint8Array, entries: BigInt64Array, fields: number): Uint8Array
  /** Each entry's name (its span in `sums`) followed by `suffix`, in one buffer; null where an entry has no usable span. */
  linesAt?(sums: Uint8Array, entries: BigInt64Array, fields: number, suffix: Uint8Array): Buffer | null
  /** The disk store's lookups of many keys in one call (diskCacheStore.ts's `FindRecords`). Absent from an addon built before it. */
  findRecords?(records: Uint8Array, tag: Uint8Array, keys: Uint8Array, touchBefore: number): string
  /** A plain checksum file's first check from the result cache's records (`recordVerdictsNative`). Absent from an addon built before it. */
  recordVerdicts?(
    sums: Uint8Array,
    hexLength: number,
    prefix: Uint8Array,
    read: (shards: string) => Uint8Array,
    tag: Uint8Array,
    t36: Uint8Array,
    touchBefore: number,
    startedMs: number,
    racyNs: number,
    algorithm: Uint8Array,
    fileLimit: number,
    totalLimit: number
  ): Buffer | null
  /**
   * The regular files under the folder `dir`, as `prefix` and their path below it, each ended
   * by a NUL: in byte order of the names at every level (a folder's files where its name
   * sorts), links not followed; null where a folder cannot be read or a name is not UTF-8.
   */
  walkFiles?(dir: string, prefix: string): string | null
}

export const nativeBatch = nativeAddon<NativeBatch>("@sluice/native", (addon) => {
  if (typeof addon.hashFiles !== "function" || typeof addon.statMany !== "function" || typeof addon.sameMany !== "function") throw new Error("an addon without the batch calls")
}, "SLUICE_NATIVE_BATCH")

/** The names as the addon takes them: each ended by a NUL (which no file name holds). */
export const packPaths = (paths: ReadonlyArray<string>): Buffer => Buffer.from(paths.join("\0") + "\0")

/** The name the addon takes for `algorithm`: node:crypto's (the same OpenSSL), or `blake3`; undefined for neither. */
export const batchAlgorithm = (algorithm: HashAlgorithm): string | undefined =>
  algorithm === "blake3" ? "blake3" : ALGORITHMS[algorithm].kernels.nodeCrypto

/** One file's result: its digests (hex, "," between two), and its identity key once read; both "" where it could not be read. */
export interface BatchHashed {
  readonly digests: Array<string>
  readonly after: Array<string>
  /** With `records`: 1 for each file whose cache records the addon made (in `shards`). */
  readonly stored: Uint8Array | undefined
  /** With `stat`: 1 for each file whose stat once read was not the one it had once open (changed while read: not to be stored). */
  readonly changed: Uint8Array | undefined
  /**
   * With `BatchStatHere.separator`: every file's checksum line, in order (a file that could not
   * be read has none); a file whose records were made is then "*" in `digests` (its digest is
   * in its line alone) and "" in `after`.
   */
  readonly output: Buffer | undefined
  /** The records made, by shard (two hex digits), as the disk store appends them. */
  readonly shards: Array<{ readonly shard: string; readonly text: string; readonly count: number }>
}

/**
 * What the addon needs to make the result cache's records of the files it reads (the lean
 * hash on a cache, where the level keys came with the stats): `head` is the disk store's
 * tag, the time in base 36 and the ctime a settled file is older than (leanHash.ts's
 * `recordsHead`); `expect` a line a file, `KEY\tID[,ID...]`: the identity its stat had and
 * its entries' level keys. A file read as it was stat'ed, and settled, gets its records
 * there; any other is the caller's to store.
 */
export interface BatchRecords {
  readonly head: string
  readonly expect: string
}

/**
 * Files not stat'ed before (the lean hash on a cache without results, or without the
 * cache): the addon stats each once open and refuses it unread (its line "") unless a
 * regular file of at most `limit` bytes; with `head` (`BatchRecords.head`), it makes the
 * records of the settled ones read as stat'ed, their level keys from `prefixes`
 * (leanHash.ts's `leanLevelKeyPrefix`), without an `expect`.
 */
export interface BatchStatHere {
  readonly limit: number
  readonly prefixes: ReadonlyArray<string>
  readonly head?: string | undefined
  /** One algorithm: each file's checksum line made too, `HEX` this `NAME` (`BatchHashed.output`). */
  readonly separator?: "  " | " *" | undefined
}

/** Records the addon made, by shard, from `at` in `text`: each group `\0SS COUNT\n` then its records. */
export const recordShards = (text: string, at: number): Array<{ shard: string; text: string; count: number }> => {
  const shards: Array<{ shard: string; text: string; count: number }> = []
  while (at < text.length && text.charCodeAt(at) === 0) {
    const head = text.indexOf("\n", at)
    const count = Number(text.slice(at + 4, head))
    const next = text.indexOf("\0", head)
    shards.push({ shard: text.slice(at + 1, at + 3), text: text.slice(head + 1, next < 0 ? text.length : next), count })
    at = next < 0 ? text.length : next
  }
  return shards
}

/**
 * Hashes `paths` with each of `names` (`batchAlgorithm`'s), off this thread. Rejects where the addon refuses the call (an algorithm its
 * OpenSSL lacks); a file that cannot be read is "" in both arrays.
 */
export const hashFilesNative = (
  addon: NativeBatch,
  paths: ReadonlyArray<string>,
  names: ReadonlyArray<string>,
  records?: BatchRecords,
  statHere?: BatchStatHere
): Promise<BatchHashed> =>
  new Promise((resolve, reject) => {
    const done = (error: Error | null, lines: string | undefined, output?: Buffer) => {
      if (error !== null || lines === undefined) return reject(error ?? new Error("no results"))
      const digests: Array<string> = new Array(paths.length)
      const after: Array<string> = new Array(paths.length)
      const stored = records === undefined && statHere?.head === undefined ? undefined : new Uint8Array(paths.length)
      const changed = statHere === undefined ? undefined : new Uint8Array(paths.length)
      let at = 0
      for (let i = 0; i < paths.length; i++) {
        // `*` alone (with `separator`): read, its records made.
        if (output !== undefined && lines.charCodeAt(at) === 42 && lines.charCodeAt(at + 1) === 10) {
          digests[i] = "*"
          after[i] = ""
          stored![i] = 1
          at += 2
          continue
        }
        const tab = lines.indexOf("\t", at)
        const end = lines.indexOf("\n", tab)
        if (tab < 0 || end < 0) return reject(new Error("short results"))
        if (tab === at) {
          digests[i] = ""
          after[i] = ""
        } else {
          digests[i] = lines.slice(at, tab)
          // `\t*`: its records are made; `\t-` (with `statHere`): it changed while read.
          const mark = lines.charCodeAt(end - 2) === 9 ? lines.charCodeAt(end - 1) : 0
          after[i] = lines.slice(tab + 1, mark === 42 || mark === 45 ? end - 2 : end)
          if (mark === 42 && stored !== undefined) stored[i] = 1
          if (mark === 45 && changed !== undefined) changed[i] = 1
        }
        at = end + 1
      }
      resolve({ digests, after, stored, changed, output, shards: recordShards(lines, at) })
    }
    if (statHere !== undefined) {
      const first = statHere.separator === undefined || names.length !== 1 ? String(statHere.limit) : `${statHere.limit}\t${statHere.separator}`
      const stat = Buffer.from([first, ...statHere.prefixes].join("\n"))
      addon.hashFiles(packPaths(paths), names.join(","), done, statHere.head ?? "", Buffer.alloc(0), stat)
    } else if (records === undefined) addon.hashFiles(packPaths(paths), names.join(","), done)
    else addon.hashFiles(packPaths(paths), names.join(","), done, records.head, Buffer.from(records.expect))
  })

/**
 * A name's stat from `statMany`: its kind (`f` a regular file, `d` a directory, `o` else),
 * identity key and size, the ctime in nanoseconds read from the key when asked (no BigInt
 * made a file otherwise): what the lean hash keeps of a file (a `LeanIdentity`) as it is.
 */
export class BatchStat {
  constructor(
    readonly kind: "f" | "d" | "o",
    readonly key: string,
    /** With `prefixes`: per prefix, the first 40 hex digits of SHA-256 of it followed by the key. */
    readonly ids: Array<string> | undefined
  ) {}
  get size(): number {
    return keySize(this.key)
  }
  get ctimeNs(): bigint {
    return keyCtimeNs(this.key)
  }
}

/**
 * The stats of `paths` (links followed), in one call on every core; with `prefixes` (texts
 * without LF: leanHash.ts's `leanLevelKeyPrefix`), each file's level keys made there too.
 * Undefined where a name cannot be stat'ed.
 */
export const statManyNative = (addon: NativeBatch, paths: ReadonlyArray<string>, prefixes: ReadonlyArray<string> = []): Array<BatchStat | undefined> => {
  const lines = prefixes.length === 0 ? addon.statMany(packPaths(paths)) : addon.statMany(packPaths(paths), Buffer.from(prefixes.join("\n")))
  const out: Array<BatchStat | undefined> = new Array(paths.length)
  let at = 0
  for (let i = 0; i < paths.length; i++) {
    const end = lines.indexOf("\n", at)
    const kind = lines[at] as BatchStat["kind"]
    if (lines.charCodeAt(at) === 9) out[i] = undefined
    else if (prefixes.length === 0) out[i] = new BatchStat(kind, lines.slice(at + 2, end), undefined)
    else {
      const tab = lines.indexOf("\t", at + 2)
      out[i] = tab < 0 || tab > end
        ? new BatchStat(kind, lines.slice(at + 2, end), undefined)
        : new BatchStat(kind, lines.slice(at + 2, tab), prefixes.length === 1 ? [lines.slice(tab + 1, end)] : lines.slice(tab + 1, end).split(","))
    }
    at = end + 1
  }
  return out
}

/** The size a key (`dev:ino:size:mtimeNs:ctimeNs`) holds. */
export const keySize = (key: string): number => {
  const second = key.indexOf(":", key.indexOf(":") + 1)
  return Number(key.slice(second + 1, key.indexOf(":", second + 1)))
}

/** The ctime in nanoseconds a key holds. */
export const keyCtimeNs = (key: string): bigint => BigInt(key.slice(key.lastIndexOf(":") + 1))

/**
 * What the addon's `recordVerdicts` reads of the result cache (leanHash.ts's
 * `recordsReader`): the store's tag, the time now in base 36, the time (ms) before which a
 * record read is written again, and the records of the shards it names ("00,3f,...").
 */
export interface RecordsReader {
  readonly tag: string
  readonly t36: string
  readonly touchBefore: number
  read(shards: string): Uint8Array
}
