/**
 * The check index: `sluice check`'s verdicts on one checksum file, kept in the result
 * cache's folder so that a re-check of an unchanged tree is a stat per file and one read.
 *
 * One file per checksum file (per working directory and absolute path, hashed: no name is
 * stored), written whole through a temporary file and a rename. It holds, for entry i of
 * the checksum file, the identity its file had (device, inode, size, mtime and ctime in
 * nanoseconds: the result cache's content identity, as git's index keeps a stat per path),
 * the verdict (the digest matched or not) and where its name lies in the checksum file,
 * in one array of 64-bit integers read at once: no parse per entry. The header says what
 * the verdicts hold for: the format, the core's version, the checksum file's bytes (a
 * SHA-256 of them, and the file's identity when it was settled: found unchanged, its
 * bytes need no hashing), the `-a` hint, and the kernel that computed each algorithm; a
 * 64-bit sum of everything (`indexSum`) closes the file. A torn, foreign or stale file, or
 * one entry whose file's identity moved, is a miss, never a verdict: the caller checks the
 * usual way.
 *
 * The same bytes parse the same way, so the header also keeps what the parse gave that a
 * re-check needs (entries, malformed lines), and each entry the offset and length of its
 * name in the file where the name is those bytes as they are and prints as it is (a plain
 * `<digest>  <name>` line): a re-check of such a file reads its names from there without
 * parsing a line. The index holds offsets, never a name.
 *
 * An entry is written only when its file's identity was the same just before the check
 * began and after it ended, and its ctime was already more than `RACY_WINDOW_NS` older
 * than the first stat: any write after that stat moves the ctime, so the digest computed
 * (or answered by the result cache) in between is the content's for as long as the
 * identity stays as stored.
 */
import { isAscii } from "node:buffer"
import { mkdirSync, readFileSync, renameSync, rmSync, type Stats, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join, resolve } from "node:path"
import { ALGORITHMS, type HashAlgorithm, hasKernel } from "../hash/algorithms.js"
import { printableName } from "../hash/checksumLine.js"
import { CORE_VERSION } from "../version.js"
import { RACY_WINDOW_NS } from "./cacheDir.js"
import { CHECK_INDEX_SUM_WASM_BASE64 } from "./checkIndexSum.wasm.js"
import { NATIVE_BLAKE_IMPLEMENTATION, SLUICE_BLAKE3_KERNEL } from "./nativeBlake.js"
import { sluiceNative } from "./nativeBlake3Addon.js"
import { type NativeBatch, nativeBatch, type RecordsReader, recordShards } from "./nativeBatch.js"

/**
 * Bumped when the file's layout or meaning changes: another format is a miss. 2: the
 * closing sum is checkIndexSum.wat's, not a CRC-32.
 */
export const CHECK_INDEX_FORMAT = 2

/** 64-bit fields per entry: dev, ino, size, mtimeNs, ctimeNs, verdict, name (offset * 2^32 + length, or 0). */
export const FIELDS = 7
/** What an entry says of its file. */
export const Verdict = { unknown: 0, ok: 1, mismatch: 2 } as const
/** One of `Verdict`'s values (a type of its own name: the declaration bundler drops a namespace's const and type of one name). */
export type VerdictCode = (typeof Verdict)[keyof typeof Verdict]

/** The trailer: the closing sum (`indexSum`) of every byte before it, a 64-bit little-endian integer. */
const CHECK_BYTES = 8

/**
 * SHA-256 of the checksum file, as hex. node:crypto loads only when it is asked for: with
 * the streams behind its hashes it cost ~4 ms of a re-check's ~75 that a settled checksum
 * file does not need (`IndexFor.sumsKey`).
 */
const sha256Hex = (data: Uint8Array): string =>
  process.getBuiltinModule("node:crypto").createHash("sha256").update(data).digest("hex")

/** What is used here of WebAssembly (core's TypeScript settings name no DOM or WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports?: object) => { readonly exports: Record<string, unknown> }
}
interface SumModule {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number }
  readonly sum: (length: number) => bigint
}
let sumModule: SumModule | undefined

/**
 * The closing sum of `bytes` (a multiple of 8 long): what catches a damaged or foreign
 * index (checkIndexSum.wat, compiled when first asked). A rename writes the file whole and
 * nothing here needs a cryptographic hash. node:zlib's CRC-32, before, cost ~2-2.5 ms of a
 * re-check of 10,000 files, most of it loading node:zlib; this ~0.5. Throws where the
 * module cannot be made or its memory cannot grow: the reader's miss, the writer's failure.
 */
const indexSum = (bytes: Uint8Array): bigint => {
  if (sumModule === undefined) {
    const wasm = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly
    sumModule = new wasm.Instance(new wasm.Module(Buffer.from(CHECK_INDEX_SUM_WASM_BASE64, "base64"))).exports as unknown as SumModule
  }
  const { memory, sum } = sumModule
  const pages = Math.ceil(bytes.length / 65_536) - memory.buffer.byteLength / 65_536
  if (pages > 0) memory.grow(pages)
  new Uint8Array(memory.buffer, 0, bytes.length).set(bytes)
  const result = sum(bytes.length)
  // A memory grown past 1 MiB (an index of some 18,000 files or more) is not kept for the
  // life of the process: the next sum makes the module again (~0.1 ms).
  if (memory.buffer.byteLength > 1 << 20) sumModule = undefined
  return result
}

/** Two 32-bit multiply-xorshift lanes over a short text, as 16 hex digits: an index's file name. */
export const nameHash = (text: string): string => {
  let a = 0x811c9dc5 ^ text.length
  let b = 0x9e3779b9 ^ text.length
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    a = Math.imul(a ^ unit, 0x01000193)
    a ^= a >>> 13
    b = Math.imul(b ^ unit, 0x5bd1e995)
    b ^= b >>> 15
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b)
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35)
  return (a >>> 0).toString(16).padStart(8, "0") + ((b ^ (b >>> 16)) >>> 0).toString(16).padStart(8, "0")
}

/** BLAKE3's kernel as `indexedKernel` names it, worked out once. */
let blake3Kernel: string | undefined

/**
 * The kernel that computes `algorithm` in this process, as the result cache keys it
 * (node.ts's `kernelVersion`), for the algorithms whose kernel is known without loading
 * anything: node:crypto's OpenSSL for those it alone computes; BLAKE3's, @napi-rs/blake-hash
 * where it is installed (resolved, not loaded: loading it took ~90 ms) and not turned off,
 * else Sluice's own (the digest is BLAKE3's either way; a binary that is installed but does
 * not load makes a key the full program does not, which is only a miss). Undefined for the
 * others (BLAKE2b: only loading the addon says which kernel computes it): their verdicts are
 * not indexed.
 */
export const indexedKernel = (algorithm: HashAlgorithm): string | undefined => {
  if (algorithm === "blake3") {
    if (blake3Kernel === undefined) {
      let native = process.env["SLUICE_NATIVE"] !== "0"
      try {
        if (native) createRequire(import.meta.url).resolve("@napi-rs/blake-hash")
      } catch {
        native = false
      }
      blake3Kernel = native ? NATIVE_BLAKE_IMPLEMENTATION : SLUICE_BLAKE3_KERNEL
    }
    return blake3Kernel
  }
  return Object.hasOwn(ALGORITHMS, algorithm) && hasKernel(algorithm, "nodeCrypto") && !hasKernel(algorithm, "native") ? `node:crypto/openssl-${process.versions.openssl}` : undefined
}

/** The index of checking `sumFile` (as named on the command line) from `cwd`, in the cache at `cacheDir`. */
export const checkIndexPath = (cacheDir: string, cwd: string, sumFile: string): string =>
  join(
    cacheDir,
    "results",
    "checks",
    // Two checksum files whose names hash alike share a file: each then misses (its own
    // checksum file's identity or bytes), and overwrites the other's.
    `${nameHash(["sluice-check-index", CHECK_INDEX_FORMAT, CORE_VERSION, cwd, resolve(cwd, sumFile)].join("\u0000"))}.idx`
  )

/** What an index is written for: the checksum file as read, and what its parse gave. */
export interface IndexFor {
  /** The checksum file's bytes. */
  readonly sums: Uint8Array
  /**
   * The checksum file's identity key (`identityKeyNow`) when it was settled and the same
   * before and after `sums` was read (`settledKey`): a re-check that finds it so knows its
   * bytes are these without hashing them.
   */
  readonly sumsKey: string | undefined
  /** `-a`, or undefined. */
  readonly hint: string | undefined
  /** The algorithms of the entries, each with `indexedKernel`'s answer. */
  readonly kernels: Readonly<Record<string, string>>
  /** Entries (parsed lines) in the checksum file. */
  readonly count: number
  /** Lines that did not parse. */
  readonly malformed: number
}

interface Header {
  readonly magic: string
  readonly format: number
  readonly core: string
  readonly sums: string
  readonly sumsKey: string | null
  readonly hint: string | null
  readonly kernels: Record<string, string>
  readonly count: number
  readonly malformed: number
  /** Every entry's name is at its offset, as it is (`nameAt`). */
  readonly plain: boolean
}

const MAGIC = "sluice-check-index"

const sortedKernels = (kernels: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(kernels).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))

/** What a re-check learns from a valid index: its entries, and what the checksum file's parse gave. */
export interface CheckIndex {
  readonly entries: BigInt64Array
  readonly count: number
  readonly malformed: number
  readonly plain: boolean
  /** The header as read: an index brought up to date is written again with it (`rewriteCheckIndex`). */
  readonly header: Buffer
  /** The checksum file's bytes were hashed to be vouched for: it had no settled identity in the index, or another. */
  readonly hashedSums: boolean
}

/**
 * The index at `path` when it was written for the checksum file `sums` with the hint
 * `hint`, by this version, with the kernels this process has; else undefined (absent,
 * torn, damaged, another format, version, checksum file, hint or kernel).
 */
export const readCheckIndex = (
  path: string,
  sums: Uint8Array,
  /** The checksum file's identity key, stat'ed once `sums` was read. */
  sumsKeyAfter: string | undefined,
  hint: string | undefined
): CheckIndex | undefined => {
  let file: Buffer
  try {
    file = readFileSync(path)
  } catch {
    return undefined
  }
  if (file.length < 8 + CHECK_BYTES || file.length % 8 !== 0) return undefined
  const end = file.length - CHECK_BYTES
  try {
    if (indexSum(file.subarray(0, end)) !== file.readBigInt64LE(end)) return undefined
  } catch {
    return undefined
  }
  const headerLength = file.readUInt32LE(0)
  const bodyAt = align8(4 + headerLength)
  if (bodyAt > end) return undefined
  let header: Header
  try {
    header = JSON.parse(file.toString("utf8", 4, 4 + headerLength)) as Header
  } catch {
    return undefined
  }
  if (
    header === null || typeof header !== "object" || header.magic !== MAGIC || header.format !== CHECK_INDEX_FORMAT ||
    header.core !== CORE_VERSION || header.hint !== (hint ?? null) || !Number.isSafeInteger(header.count) ||
    !Number.isSafeInteger(header.malformed) || typeof header.kernels !== "object" || header.kernels === null ||
    end - bodyAt !== header.count * FIELDS * 8 || typeof header.sums !== "string"
  ) return undefined
  // Read, then found as it was when settled: no write came between, so these are its bytes.
  const same = header.sumsKey !== null && header.sumsKey !== undefined && header.sumsKey === sumsKeyAfter
  if (!same && header.sums !== sha256Hex(sums)) return undefined
  for (const [algorithm, kernel] of Object.entries(header.kernels)) {
    if (indexedKernel(algorithm as HashAlgorithm) !== kernel) return undefined
  }
  // Read in place where the entries start at an 8-byte boundary of memory (a file read
  // whole has a buffer of its own); else a copy, aligned (a small file's buffer may sit at
  // any offset of Node's pool).
  const at = file.byteOffset + bodyAt
  const entries = at % 8 === 0 ? new BigInt64Array(file.buffer, at, header.count * FIELDS) : new BigInt64Array(header.count * FIELDS)
  if (entries.buffer !== file.buffer) new Uint8Array(entries.buffer).set(file.subarray(bodyAt, end))
  return {
    entries,
    count: header.count,
    malformed: header.malformed,
    plain: header.plain === true,
    header: file.subarray(4, 4 + headerLength),
    hashedSums: !same
  }
}

const align8 = (n: number) => (n + 7) & ~7

/**
 * Writes the index at `path` whole (a temporary file beside it, then a rename), or removes
 * it when `entries` is undefined. Failures are the caller's to ignore: it is a cache.
 */
export const writeCheckIndex = (path: string, what: IndexFor, entries: BigInt64Array | undefined): void => {
  if (entries === undefined) {
    rmSync(path, { force: true })
    return
  }
  let plain = true
  for (let i = 0; i < what.count && plain; i++) plain = entries[i * FIELDS + 6] !== 0n
  const header = Buffer.from(JSON.stringify({
    magic: MAGIC,
    format: CHECK_INDEX_FORMAT,
    core: CORE_VERSION,
    sums: sha256Hex(what.sums),
    sumsKey: what.sumsKey ?? null,
    hint: what.hint ?? null,
    kernels: sortedKernels(what.kernels),
    count: what.count,
    malformed: what.malformed,
    plain
  } satisfies Header))
  writeIndexFile(path, header, entries)
}

/** The index at `path`, with this header and these entries, written whole (a temporary file beside it, then a rename). */
const writeIndexFile = (path: string, header: Buffer, entries: BigInt64Array) => {
  const bodyAt = align8(4 + header.length)
  const file = Buffer.alloc(bodyAt + entries.byteLength + CHECK_BYTES)
  file.writeUInt32LE(header.length, 0)
  header.copy(file, 4)
  Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength).copy(file, bodyAt)
  file.writeBigInt64LE(indexSum(file.subarray(0, bodyAt + entries.byteLength)), bodyAt + entries.byteLength)
  const dir = join(path, "..")
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    writeFileSync(temp, file, { mode: 0o600 })
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}

/**
 * The five numbers of a content identity's key (NodeByteSource's `statKey`: device, inode,
 * size, mtime and ctime in nanoseconds), or undefined for a key of another form.
 */
export const identityFields = (key: string): Array<bigint> | undefined => {
  const parts = key.split(":")
  if (parts.length !== 5) return undefined
  const fields = new Array<bigint>(5)
  for (let i = 0; i < 5; i++) {
    const part = parts[i]!
    // Digits only (BigInt would take "", blanks, "0x..."): what `statKey` writes.
    const first = part.charCodeAt(0)
    const last = part.charCodeAt(part.length - 1)
    if (!(first >= 48 && first <= 57 && last >= 48 && last <= 57)) return undefined
    try {
      fields[i] = BigInt(part)
    } catch {
      return undefined
    }
  }
  return fields
}

/** The file's identity key now (`statKey`'s form), or undefined when it is not a regular file there. */
export const identityKeyNow = (name: string | Buffer): string | undefined => {
  try {
    const stat = statSync(name, { bigint: true, throwIfNoEntry: false })
    return stat?.isFile() === true ? `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}` : undefined
  } catch {
    return undefined
  }
}

/**
 * `before`, when the file was settled at that stat (its ctime more than `RACY_WINDOW_NS`
 * before `startedMs`, taken before it) and is found so again `after` it was read: any write
 * in between would have moved its ctime. Undefined otherwise.
 */
export const settledKey = (before: string | undefined, after: string | undefined, startedMs: number): string | undefined => {
  if (before === undefined || before !== after) return undefined
  const ctime = identityFields(before)?.[4]
  return ctime !== undefined && ctime < BigInt(Math.floor(startedMs)) * 1_000_000n - RACY_WINDOW_NS ? before : undefined
}

/**
 * Where each entry's name lies in `sums` (offset * 2^32 + length), where its line ends
 * with the name as it is and the name prints as it is; 0 where not (an escaped name, a
 * `--tag` line, a name that is not text), and that entry is found by parsing.
 */
export const nameSpans = (
  sums: Uint8Array,
  entries: ReadonlyArray<{ readonly name: string; readonly text: boolean; readonly lineNumber: number }>
): Array<bigint> => {
  // Where each line ends (its `\n`, or the file's end), by line number.
  const ends: Array<number> = [0]
  for (let at = sums.indexOf(10); at >= 0; at = sums.indexOf(10, at + 1)) ends.push(at)
  ends.push(sums.length)
  const bytes = Buffer.from(sums.buffer, sums.byteOffset, sums.byteLength)
  // An ASCII file (the usual one) is compared as one string: a byte is a character.
  const ascii = isAscii(sums) ? bytes.toString("latin1") : undefined
  return entries.map(({ lineNumber, name, text }) => {
    let end = ends[lineNumber]
    if (!text || end === undefined || printableName(name) !== name) return 0n
    // As the parse: one `\r` before the `\n` is not the name's.
    if (end > 0 && sums[end - 1] === 13) end--
    const length = ascii === undefined ? Buffer.byteLength(name) : name.length
    const start = end - length
    if (start < 0 || length === 0 || length >= 2 ** 32) return 0n
    if (ascii === undefined ? bytes.toString("utf8", start, end) !== name : !ascii.startsWith(name, start)) return 0n
    return (BigInt(start) << 32n) | BigInt(length)
  })
}

/** Where a 64-bit integer's low 32 bits lie among its two 32-bit words on this machine (0: first). */
const LOW_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1

/**
 * The names of a plain index's entries (`CheckIndex.plain`), read from the checksum file it
 * was written for. Each span is read as two 32-bit words, not as a BigInt: in a fresh
 * process the BigInt shifts and masks took ~4-9 ms of 10,000 names, the words ~1.
 */
export const namesAt = (sums: Uint8Array, index: Pick<CheckIndex, "entries" | "count">): Array<string> => {
  const bytes = Buffer.from(sums.buffer, sums.byteOffset, sums.byteLength)
  // An ASCII file (the usual one) is decoded once, and each name is a slice of it.
  const text = isAscii(sums) ? bytes.toString("latin1") : undefined
  const words = new Uint32Array(index.entries.buffer, index.entries.byteOffset, index.entries.length * 2)
  const names = new Array<string>(index.count)
  for (let i = 0; i < index.count; i++) {
    const span = (i * FIELDS + 6) * 2
    const length = words[span + LOW_WORD]!
    const start = words[span + 1 - LOW_WORD]!
    names[i] = text === undefined ? bytes.toString("utf8", start, start + length) : text.slice(start, start + length)
  }
  return names
}

/** The name of a plain index's entry `at` (`namesAt` for one). */
export const nameAt = (sums: Uint8Array, index: CheckIndex, at: number): string => {
  const words = new Uint32Array(index.entries.buffer, index.entries.byteOffset, index.entries.length * 2)
  const span = (at * FIELDS + 6) * 2
  const start = words[span + 1 - LOW_WORD]!
  return Buffer.from(sums.buffer, sums.byteOffset, sums.byteLength).toString("utf8", start, start + words[span + LOW_WORD]!)
}

/** What a check learnt of one entry's file. */
export interface Vouched {
  readonly verdict: VerdictCode
  /** The identity the file had when the job first stat'ed it (the result cache's key), if any. */
  readonly key: string | undefined
  /**
   * The file was read during the check (not answered by the result cache): its identity is
   * stat'ed again, and must not have moved. A digest the cache answered was vouched for
   * that identity already.
   */
  readonly read: boolean
  /** Its name, to stat it again. */
  readonly name: string | Buffer
}

/** The line of a plain index's entry `at` in `sums` (the name ends it): where a moved file's digest is read from. */
export const lineAt = (sums: Uint8Array, index: CheckIndex, at: number): string => {
  const start = Number(index.entries[at * FIELDS + 6]! >> 32n)
  const lineStart = start === 0 ? 0 : sums.lastIndexOf(10, start - 1) + 1
  const newline = sums.indexOf(10, start)
  return Buffer.from(sums.buffer, sums.byteOffset, sums.byteLength).toString("utf8", lineStart, newline < 0 ? sums.length : newline)
}

/**
 * The index's entries from what a check that began at `startedMs` learnt of each entry,
 * with the names' spans (`nameSpans`): undefined unless every entry can be vouched for (a
 * check answered in part is run in full), each file's ctime more than `RACY_WINDOW_NS`
 * before `startedMs` (before the job's first stat, then) and a file read during the check
 * still as it was when first stat'ed.
 */
export const indexEntries = (vouched: ReadonlyArray<Vouched>, startedMs: number, spans: ReadonlyArray<bigint>): BigInt64Array | undefined => {
  const settledBefore = BigInt(Math.floor(startedMs)) * 1_000_000n - RACY_WINDOW_NS
  const entries = new BigInt64Array(vouched.length * FIELDS)
  for (let i = 0; i < vouched.length; i++) {
    const { key, name, read, verdict } = vouched[i]!
    const fields = key === undefined || verdict === Verdict.unknown ? undefined : identityFields(key)
    if (fields === undefined || fields[4]! >= settledBefore || (read && identityKeyNow(name) !== key)) return undefined
    entries.set(fields, i * FIELDS)
    entries[i * FIELDS + 5] = BigInt(verdict)
    entries[i * FIELDS + 6] = spans[i] ?? 0n
  }
  return entries
}

/** A re-check's stat: numbers, not BigInts (`sameIdentity` says why that is enough), following links. */
const STAT = { throwIfNoEntry: false } as const

const TWO_32 = 2 ** 32

/**
 * How far a time (mtime, ctime) read as a number of milliseconds may be from the index's
 * nanoseconds and still be the same time: 1 us. A number keeps a time of today to ~0.24 us
 * (2^-12 ms), and the index's nanoseconds as a number are within ~0.13 us of theirs.
 */
const TIME_SLACK_MS = 0.001

/**
 * Whether `stat` is the identity entry `at` holds: device, inode and size exactly (as
 * numbers: a value past 2^53 is rounded as Node rounds the stat's), mtime and ctime to
 * within `TIME_SLACK_MS`. `words` are the entries as 32-bit words.
 *
 * Why a microsecond, not the nanosecond a BigInt stat gives (which made ~1 KB of BigInts a
 * file and cost a re-check of 10,000 files ~5-7 ms, of ~65): an entry is written only for
 * a file whose ctime was more than `RACY_WINDOW_NS` (2 s) before the check that wrote it
 * began, and the same before and after (`indexEntries`, `settledKey`: git's "racily clean"
 * rule, with a wider window). Any later change of the file (a write, chmod, utimes, a
 * rename over it) sets its ctime to the time of that change, after that check began: more
 * than 2 s from the stored ctime, two million times this slack. Only a clock set back across
 * the change could bring the new ctime within a microsecond of the old one, and git is as
 * exposed: its default build compares whole seconds of mtime and ctime (and the low 32 bits
 * of size and inode), nanoseconds only where built with USE_NSEC.
 *
 * A function of its own: V8 optimises it after some hundreds of calls, while the same loads
 * and compares written in the loop of `verdictsFromIndex` ran unoptimised for most of a
 * re-check of 10,000 files.
 */
const sameIdentity = (stat: Stats, words: Uint32Array, at: number): boolean => {
  const w = at * 2
  const low = LOW_WORD
  const high = 1 - LOW_WORD
  return stat.ino === words[w + 2 + high]! * TWO_32 + words[w + 2 + low]! &&
    Math.abs(stat.ctimeMs - (words[w + 8 + high]! * TWO_32 + words[w + 8 + low]!) / 1e6) <= TIME_SLACK_MS &&
    Math.abs(stat.mtimeMs - (words[w + 6 + high]! * TWO_32 + words[w + 6 + low]!) / 1e6) <= TIME_SLACK_MS &&
    stat.size === words[w + 4 + high]! * TWO_32 + words[w + 4 + low]! &&
    stat.dev === words[w + high]! * TWO_32 + words[w + low]!
}

/** An entry whose file is not as the index has it, but is a regular file: checked again by reading it. */
export interface Moved {
  readonly at: number
  /** Its identity key when it was stat'ed here. */
  readonly key: string
  readonly size: number
}

/** What the index says of the files as they are now. */
export interface IndexAnswer {
  /** Each entry's verdict, `Verdict.unknown` for the moved ones. */
  readonly verdicts: Uint8Array
  readonly moved: ReadonlyArray<Moved>
  /** Every entry's name, where they had to be made (`plainVerdicts` without the addon). */
  readonly names?: ReadonlyArray<string>
}

/** No file may have moved: the index answers alone. */
const NO_MOVES = { files: 0, bytes: 0 }

/**
 * The verdict of every entry from the index, each file stat'ed now: found as it was, the
 * index's verdict; a regular file whose identity moved (or whose verdict the index could
 * not keep), in `moved`. Undefined when one is missing or not a regular file (its message
 * is the full check's), or when the moved files are more than `limits` allow.
 */
export const verdictsFromIndex = (
  entries: BigInt64Array,
  names: ReadonlyArray<string | Buffer>,
  limits: { readonly files: number; readonly bytes: number } = NO_MOVES
): IndexAnswer | undefined =>
  entries.length !== names.length * FIELDS ? undefined : verdictsFrom(entries, (i) => names[i]!, limits, sameAsIndexed(entries, names))

/**
 * `verdictsFromIndex` for a plain index (`CheckIndex.plain`) of the checksum file `sums`:
 * where @sluice/native loads, its `sameSpans` stats every file by the name its span marks
 * in `sums` (on every core), and a name is made here only for a file not found as it was
 * (stat'ed again below). Without the addon, every name is made (`namesAt`) and stat'ed.
 */
export const plainVerdicts = (
  sums: Uint8Array,
  index: CheckIndex,
  limits: { readonly files: number; readonly bytes: number } = NO_MOVES
): IndexAnswer | undefined => {
  const same = sameAtSpans(sums, index.entries)
  if (same !== undefined) return verdictsFrom(index.entries, (i) => nameAt(sums, index, i), limits, same)
  const names = namesAt(sums, index)
  const answer = verdictsFrom(index.entries, (i) => names[i]!, limits, sameAsIndexed(index.entries, names))
  return answer === undefined ? undefined : { ...answer, names }
}

/** `verdictsFromIndex`'s loop over entries' files named by `nameOf`, `same` the addon's answer for them if any. */
const verdictsFrom = (
  entries: BigInt64Array,
  nameOf: (i: number) => string | Buffer,
  limits: { readonly files: number; readonly bytes: number },
  same: Uint8Array | undefined
): IndexAnswer | undefined => {
  const count = entries.length / FIELDS
  const verdicts = new Uint8Array(count)
  const moved: Array<Moved> = []
  let movedBytes = 0
  // The verdicts as 32-bit words: no BigInt made for them.
  const words = new Uint32Array(entries.buffer, entries.byteOffset, entries.length * 2)
  // Where @sluice/native loads, every file was stat'ed in one call on every core and
  // compared with its entry to the nanosecond (nativeBatch.ts): one found as it was takes
  // the index's verdict; any other name is stat'ed again below, as without the addon.
  for (let i = 0; i < count; i++) {
    const at = i * FIELDS
    if (same !== undefined && same[i] === 1) {
      const verdict = words[(at + 5) * 2 + 1 - LOW_WORD] === 0 ? words[(at + 5) * 2 + LOW_WORD]! : 0
      if (verdict === Verdict.ok || verdict === Verdict.mismatch) {
        verdicts[i] = verdict
        continue
      }
    }
    const name = nameOf(i)
    let stat
    try {
      stat = statSync(name, STAT)
    } catch {
      return undefined
    }
    if (stat === undefined || !stat.isFile()) return undefined
    const verdict = words[(at + 5) * 2 + 1 - LOW_WORD] === 0 ? words[(at + 5) * 2 + LOW_WORD]! : 0
    if ((verdict === Verdict.ok || verdict === Verdict.mismatch) && sameIdentity(stat, words, at)) {
      verdicts[i] = verdict
      continue
    }
    movedBytes += stat.size
    if (moved.length + 1 > limits.files || movedBytes > limits.bytes) return undefined
    // Its exact key (nanoseconds) for the entry written again: one stat more, for a moved file only.
    const key = identityKeyNow(name)
    if (key === undefined) return undefined
    moved.push({ at: i, key, size: stat.size })
  }
  return { verdicts, moved }
}

/** `sameMany`'s answer for `names` (1: the entry's identity, to the nanosecond), or undefined without the addon. */
const sameAsIndexed = (entries: BigInt64Array, names: ReadonlyArray<string | Buffer>): Uint8Array | undefined => {
  const addon = nativeBatch()
  if (addon === undefined || names.length === 0) return undefined
  const packed = names.every((name) => typeof name === "string")
    ? Buffer.from((names as ReadonlyArray<string>).join("\0") + "\0")
    : Buffer.concat(names.flatMap((name) => [typeof name === "string" ? Buffer.from(name) : name, NUL]))
  try {
    const same = addon.sameMany(packed, entries, FIELDS)
    // A name holding a NUL (no file has one) makes more names than entries: not used.
    return same.length === names.length ? same : undefined
  } catch {
    return undefined
  }
}

/** `sameSpans`'s answer for a plain index's entries (their names' spans in `sums`), or undefined without it. */
const sameAtSpans = (sums: Uint8Array, entries: BigInt64Array): Uint8Array | undefined => {
  const addon = nativeBatch()
  if (addon?.sameSpans === undefined) return undefined
  try {
    const same = addon.sameSpans(sums, entries, FIELDS)
    return same.length === entries.length / FIELDS ? same : undefined
  } catch {
    return undefined
  }
}

/**
 * Every entry's name of a plain index followed by `suffix` (`NAME: OK\n` lines), in one
 * buffer made by @sluice/native's `linesAt` from the names' spans in `sums`: no string made
 * a name. Undefined without the addon (or with one that has not the call).
 */
export const linesAt = (sums: Uint8Array, index: Pick<CheckIndex, "entries">, suffix: string): Buffer | undefined => {
  const addon = nativeBatch()
  if (addon?.linesAt === undefined) return undefined
  try {
    return addon.linesAt(sums, index.entries, FIELDS, Buffer.from(suffix)) ?? undefined
  } catch {
    return undefined
  }
}

const NUL = Buffer.alloc(1)

/**
 * The digest of the file at `name` as lower-case hex, read whole here (a moved file of a
 * re-check: small ones only, as the pool hashes a job under 16 MiB on its calling thread),
 * or undefined when it cannot be read or hashed here. node:crypto; BLAKE3 by @sluice/native
 * where it is built (its in-memory hash, the blake3 crate), which node:crypto lacks.
 */
export const digestNow = (name: string | Buffer, algorithm: HashAlgorithm): string | undefined => {
  const openssl = ALGORITHMS[algorithm].kernels.nodeCrypto
  const addon = algorithm === "blake3" ? sluiceNative() : undefined
  if (openssl === undefined && addon === undefined) return undefined
  try {
    const bytes = readFileSync(name)
    return addon !== undefined
      ? Buffer.from(addon.hash(bytes)).toString("hex")
      : process.getBuiltinModule("node:crypto").createHash(openssl!).update(bytes).digest("hex")
  } catch {
    return undefined
  }
}

/**
 * Brings entry `at` up to date after its file was read again: its identity and verdict
 * when its key was settled before `startedMs` and found again after the read (`settledKey`),
 * else the verdict unknown (it is read again next time, until it settles).
 */
export const updateEntry = (entries: BigInt64Array, at: number, key: string | undefined, verdict: VerdictCode): void => {
  const fields = key === undefined ? undefined : identityFields(key)
  if (fields === undefined) {
    entries[at * FIELDS + 5] = BigInt(Verdict.unknown)
    return
  }
  entries.set(fields, at * FIELDS)
  entries[at * FIELDS + 5] = BigInt(verdict)
}

/** Writes `index` again at `path` with its entries as they are now, its header unchanged but for `sumsKey` when given. */
export const rewriteCheckIndex = (path: string, index: CheckIndex, sumsKey?: string): void => {
  // A checksum file that had to be hashed, and is settled now: the next re-check takes it by its identity.
  const header = sumsKey === undefined
    ? index.header
    : Buffer.from(JSON.stringify({ ...(JSON.parse(index.header.toString("utf8")) as Header), sumsKey } satisfies Header))
  writeIndexFile(path, header, index.entries)
}

/** The verdict of each of `entries` (`Verdict`'s codes), read as 32-bit words: no BigInt made an entry. */
export const entryVerdicts = (entries: BigInt64Array): Uint8Array => {
  const count = entries.length / FIELDS
  const words = new Uint32Array(entries.buffer, entries.byteOffset, entries.length * 2)
  const verdicts = new Uint8Array(count)
  for (let i = 0; i < count; i++) verdicts[i] = words[(i * FIELDS + 5) * 2 + LOW_WORD]!
  return verdicts
}

/** A first check answered from the result cache's records by the addon. */
export interface RecordVerdicts {
  /** The check index's entries, a line each (checkIndex.ts's `FIELDS`: the file's identity, the verdict, the name's span). */
  readonly entries: BigInt64Array
  /** Every file's ctime was more than `RACY_WINDOW_NS` before the check began: the entries may be indexed. */
  readonly settled: boolean
  /** Records to write: those read that are older than a day (to be written again), and those of the files hashed, by shard. */
  readonly shards: Array<{ readonly shard: string; readonly text: string; readonly count: number }>
}

/**
 * How `recordVerdictsNative` hashes the files the cache does not answer (their records
 * made): `algorithm` by @sluice/native's name (`batchAlgorithm`), each file of at most
 * `fileLimit` bytes and `totalLimit` in all; otherwise such a file leaves the check unanswered.
 */
export interface RecordHashing {
  readonly algorithm: string
  readonly fileLimit: number
  readonly totalLimit: number
}

/**
 * The first check of a plain checksum file (every line `HEX  NAME` or `HEX *NAME`, the digest
 * `hexLength` digits) from the result cache, in one call on every core: each listed file
 * stat'ed, its entry's level key made (`prefix`, leanHash.ts's `leanLevelKeyPrefix`), its
 * record found, or the file read and hashed where `hashing` allows and its record made, and
 * its digest compared with the line's. Undefined where the addon cannot answer every line (a
 * line of another form, a file missing, not regular or unreadable, an entry missing, of
 * another size or with a fingerprint that `hashing` does not let it read): the check then
 * parses and looks up in JavaScript.
 */
export const recordVerdictsNative = (
  addon: NativeBatch,
  sums: Uint8Array,
  hexLength: number,
  prefix: string,
  reader: RecordsReader,
  startedMs: number,
  hashing?: RecordHashing
): RecordVerdicts | undefined => {
  if (addon.recordVerdicts === undefined) return undefined
  const out = addon.recordVerdicts(
    sums,
    hexLength,
    Buffer.from(prefix),
    (shards) => reader.read(shards),
    Buffer.from(reader.tag),
    Buffer.from(reader.t36),
    reader.touchBefore,
    startedMs,
    Number(RACY_WINDOW_NS),
    Buffer.from(hashing?.algorithm ?? ""),
    hashing?.fileLimit ?? 0,
    Math.min(hashing?.totalLimit ?? 0, Number.MAX_SAFE_INTEGER)
  )
  if (out === null) return undefined
  const count = out.readUInt32LE(4)
  const end = 8 + count * FIELDS * 8
  const at = out.byteOffset + 8
  // In place where the entries start at an 8-byte boundary of memory; else a copy.
  const entries = at % 8 === 0 ? new BigInt64Array(out.buffer, at, count * FIELDS) : new BigInt64Array(count * FIELDS)
  if (entries.buffer !== out.buffer) new Uint8Array(entries.buffer).set(out.subarray(8, end))
  return { entries, settled: out.readUInt32LE(0) === 1, shards: recordShards(out.toString("latin1", end), 0) }
}
