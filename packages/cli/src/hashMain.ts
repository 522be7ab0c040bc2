/**
 * `sluice hash FILE...` of small files, or of files the result cache answers: what bin.ts
 * tries first for a hash. It loads core's check entry (`@sluice/core/node/check`: checksum
 * lines, the result cache's sync form, node:crypto's hashing; no Effect, commander, RPC or
 * worker platform), stats every file, answers what the cache holds, and reads and hashes
 * the rest here, with one lean worker (hashWorker.ts) sharing the files when there are
 * many (core's leanHash.ts: both threads take batches from one counter). Where
 * @sluice/native is built (and not turned off: `SLUICE_NATIVE_BATCH=0`), the stats are one
 * call of its `statMany` and the files are read and hashed, and their cache records made,
 * by its `hashFiles` on every core, in calls of `LEAN_LIMITS.nativePart` (core's
 * nativeBatch.ts); no worker starts. It prints what the
 * full program would (the same lines, in order, exit 0) and writes the same cache entries.
 *
 * Anything else resolves to undefined before a byte is printed, and bin.ts runs the full
 * program: an option this does not read (`--json`, `-o`, `--resume`, `--stats`...),
 * standard input, a name that is not text, a file that is missing, unreadable or not a
 * regular file (its message is the full program's), a file larger than `LEAN_LIMITS.fileBytes`
 * the cache does not answer (it is the pool's: streamed, on workers, with progress), an
 * algorithm node:crypto alone does not compute here (BLAKE2 where the native addon is;
 * BLAKE3 but for large files alone, which @sluice/native hashes here: `nativeFileKernel`),
 * more files than `LEAN_LIMITS.ttyFiles` on a terminal (the full program shows progress).
 * Ctrl-C ends it as it ends sha256sum: the lines and the cache entries are written once every file is hashed.
 *
 * Where the time goes: docs/ARCHITECTURE.md, "Start-up: what a command loads".
 */
import {
  batchAlgorithm,
  type BatchHashed,
  BatchStat,
  type BatchStatHere,
  type HashAlgorithm,
  hashFilesNative,
  nativeBatch,
  statManyNative,
  defaultCacheDir,
  formatChecksumLine,
  hashFileNativeAsync,
  hashShared,
  type LeanBatch,
  leanAlgorithm,
  leanIdentity,
  type LeanIdentity,
  leanLevelKeyPrefix,
  makeLeanDigestCache,
  NATIVE_FILE_FROM_BYTES,
  parseAlgorithm
} from "@sluice/core/node/check"
import { isUtf8 } from "node:buffer"
import { type BigIntStats, type Dirent, existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { ExitCode } from "./exitCode.js"
import { scanArgs } from "./leanArgs.js"
import { LEAN_LIMITS } from "./leanLimits.js"
import { writeAllSync } from "./writeAll.js"

export { LEAN_LIMITS }

interface LeanOptions {
  readonly algorithms: ReadonlyArray<HashAlgorithm>
  readonly tag: boolean
  readonly binary: boolean
  readonly recursive: boolean
  readonly cache: boolean
  /** `-w 0`: no worker, every file hashed on this thread (as the full program's inline pool). */
  readonly noWorker: boolean
  readonly files: ReadonlyArray<string>
}

const FLAGS = { "--tag": "tag", "-b": "binary", "--binary": "binary", "-r": "recursive", "--recursive": "recursive", "--no-cache": "noCache" } as const
const VALUES = { "-a": "algorithm", "--algorithm": "algorithm", "-w": "workers", "--workers": "workers" } as const

/** The command line (`hash ...`), when it is one this program answers for; undefined otherwise. */
export const leanArgs = (argv: ReadonlyArray<string>): LeanOptions | undefined => {
  const args = scanArgs(argv, "hash", FLAGS, VALUES)
  if (args === undefined) return undefined
  const { flags, values } = args
  // A worker count as the full program reads it (runtime.ts's parseWorkers): anything else is its usage error.
  if (values.workers !== undefined && (!/^\d+$/.test(values.workers) || Number(values.workers) > 256)) return undefined
  // commander keeps the last -a given; its default is sha256.
  const algorithm = values.algorithm ?? "sha256"
  const algorithms: Array<HashAlgorithm> = []
  for (const name of algorithm.split(",").map((part) => part.trim()).filter((part) => part !== "")) {
    const parsed = parseAlgorithm(name)
    // An unknown algorithm is the full program's usage error; the native kernels are its pool's, but for BLAKE3 alone (below).
    if (parsed === undefined || !(leanAlgorithm(parsed) || parsed === "blake3")) return undefined
    if (!algorithms.includes(parsed)) algorithms.push(parsed)
  }
  if (algorithms.includes("blake3") && (algorithms.length > 1 || !nativeFileKernel())) return undefined
  // Standard input is the full program's.
  if (algorithms.length === 0 || args.operands.length === 0) return undefined
  const { tag, binary, recursive } = flags
  return { tag, binary, recursive, cache: !flags.noCache, noWorker: Number(values.workers) === 0, algorithms, files: args.operands }
}

/**
 * BLAKE3 alone, of large files, is hashed here where Sluice's addon (@sluice/native) is:
 * each file mapped and hashed on every core by the addon's async work (core's
 * `hashFileNativeAsync`), no worker thread started and none of the pool's code loaded.
 * Smaller BLAKE3 files are hashed in batches by the addon's `hashFiles` (the blake3 crate)
 * where it loads, as the other algorithms' small files; without it, or with `-w 0`, every
 * BLAKE3 file is the full program's.
 */
const nativeFileKernel = (): boolean => process.env["SLUICE_NATIVE"] !== "0" && process.env["SLUICE_NATIVE_FILE"] !== "0"

const byName = (a: Dirent<Buffer>, b: Dirent<Buffer>) => Buffer.compare(a.name, b.name)

/**
 * `-r` as commands/walk.ts expands it (each directory's regular files, in byte order of
 * their names at every level, links not followed); undefined where a name is not UTF-8
 * (names.ts gives such names their bytes: the full program's) or a directory cannot be read.
 */
const expand = (args: ReadonlyArray<string>): Array<string> | undefined => {
  const files: Array<string> = []
  const visit = (path: string): boolean => {
    let entries: Array<Dirent<Buffer>>
    try {
      entries = readdirSync(path, { encoding: "buffer", withFileTypes: true }).sort(byName)
    } catch {
      return false
    }
    // `join(path, name)` for every name of the folder: a name holds no "/" and is never "." or
    // "..", so it is the folder's joined prefix and the name (one normalisation a folder).
    const prefix = join(path, "x").slice(0, -1)
    for (const entry of entries) {
      if (!isUtf8(entry.name)) return false
      const child = prefix + entry.name.toString("utf8")
      if (entry.isDirectory()) {
        if (!visit(child)) return false
      } else if (entry.isFile()) files.push(child)
    }
    return true
  }
  // Where @sluice/native is built: each folder listed by one call of it (no Dirent or Buffer a name here).
  const walk = nativeBatch()?.walkFiles
  for (const arg of args) {
    let directory = false
    try {
      directory = statSync(arg).isDirectory()
    } catch {
      // Missing: reported by the full program.
    }
    if (!directory) files.push(arg)
    else if (walk !== undefined) {
      const names = walk(arg, join(arg, "x").slice(0, -1))
      if (names === null) return undefined
      if (names !== "") for (const name of names.slice(0, -1).split("\0")) files.push(name)
    } else if (!visit(arg)) return undefined
  }
  return files
}

/** What a run needs once the command line and the files' stats say it is this program's. */
export interface LeanPlan {
  readonly options: LeanOptions
  readonly files: ReadonlyArray<string>
  /** Each file's stat (none with `statHere`). */
  readonly identities: ReadonlyArray<LeanIdentity>
  /**
   * The files are stat'ed by @sluice/native's `hashFiles` as it opens them, not before (a
   * cache without results, or none, not on a terminal): one stat by name a file fewer, and
   * no stat's strings here. A file it refuses (not a regular file, larger than
   * `LEAN_LIMITS.fileBytes`, missing) leaves the hash to the full program, as the plan would.
   */
  readonly statHere: boolean
  /** The cache's folder, with the cache on. */
  readonly cacheDir: string | undefined
  /** The cache holds results (its `results` folder exists): files are looked up. */
  readonly mayAnswer: boolean
}

/** The plan of `hash ...`, or undefined where the full program must run it (nothing printed, nothing read but stats). */
export const plan = (argv: ReadonlyArray<string>): LeanPlan | undefined => {
  const options = leanArgs(argv)
  if (options === undefined) return undefined
  const files = options.recursive ? expand(options.files) : options.files
  if (files === undefined || files.length === 0) return undefined
  if (files.length > LEAN_LIMITS.maxFiles || (files.length > LEAN_LIMITS.ttyFiles && process.stderr.isTTY)) return undefined
  const cacheDir = options.cache ? defaultCacheDir() : undefined
  // A cache without results answers nothing: no file is keyed before it is stored.
  const mayAnswer = cacheDir !== undefined && existsSync(join(cacheDir, "results"))
  // Every file's stat in one call of the addon, on every core (core's nativeBatch.ts), where it loads.
  const batch = nativeBatch()
  // Or none here: where nothing can be answered, the addon stats each file as it hashes it.
  if (
    // (isatty, not process.stderr.isTTY: making the stderr stream took ~5 ms.)
    batch !== undefined && files.length >= LEAN_LIMITS.statHereFiles && !mayAnswer && !options.noWorker &&
    !process.getBuiltinModule("node:tty").isatty(2) &&
    options.algorithms.every((a) => batchAlgorithm(a) !== undefined)
  ) {
    return { options, files, identities: [], statHere: true, cacheDir, mayAnswer }
  }
  const identities = statFiles(options, files, mayAnswer, batch)
  return identities === undefined ? undefined : { options, files, identities, statHere: false, cacheDir, mayAnswer }
}

/** Each file's identity, or undefined where the full program must run the hash (a file missing, not regular, too large...). */
const statFiles = (
  options: LeanOptions,
  files: ReadonlyArray<string>,
  mayAnswer: boolean,
  batch: ReturnType<typeof nativeBatch>
): Array<LeanIdentity> | undefined => {
  const blake3 = options.algorithms[0] === "blake3"
  const identities: Array<LeanIdentity> = []
  let bytes = 0
  // With the cache, each file's level keys too (BLAKE3's with its kernel as core's `indexedKernel` names it, as the full program keys it).
  const prefixes = options.cache ? options.algorithms.map((algorithm) => leanLevelKeyPrefix(algorithm)) : []
  const stats = batch === undefined ? undefined : statsOf(batch, files, prefixes)
  for (let i = 0; i < files.length; i++) {
    let size: number
    let identity: LeanIdentity
    if (stats !== undefined) {
      const stat = stats[i]
      if (stat === undefined || stat.kind !== "f") return undefined
      size = stat.size
      // The stat is the identity as it is (its ctime read from the key when stored).
      identity = options.cache ? stat : { key: "", size, ctimeNs: 0n }
    } else {
      let stat
      try {
        // Without the cache only the size and kind matter: a stat of numbers, no BigInts.
        stat = options.cache ? statSync(files[i]!, { bigint: true, throwIfNoEntry: false }) : statSync(files[i]!, { throwIfNoEntry: false })
      } catch {
        return undefined
      }
      if (stat === undefined || !stat.isFile()) return undefined
      size = Number(stat.size)
      identity = options.cache ? leanIdentity(stat as BigIntStats) : { key: "", size, ctimeNs: 0n }
    }
    // BLAKE3's small files are hashed in batches by @sluice/native's hashFiles (the blake3
    // crate); without it, or with `-w 0`, the full program's (@napi-rs/blake-hash on its pool).
    if (blake3 && size < NATIVE_FILE_FROM_BYTES && (batch === undefined || options.noWorker)) return undefined
    // A file too large for this program, which no cache can answer: the full program's, told now, so its worker starts with it.
    if (!blake3 && !mayAnswer && size > LEAN_LIMITS.fileBytes) return undefined
    bytes += size
    identities.push(identity)
  }
  if (!blake3 && !mayAnswer && bytes > LEAN_LIMITS.ttyBytes && process.stderr.isTTY) return undefined
  return identities
}

/** `statManyNative`, or undefined where the addon refuses the call (a Node whose OpenSSL it cannot find): the stats are then statSync's. */
const statsOf = (batch: NonNullable<ReturnType<typeof nativeBatch>>, files: ReadonlyArray<string>, prefixes: ReadonlyArray<string>) => {
  try {
    return statManyNative(batch, files, prefixes)
  } catch {
    return undefined
  }
}

/** A name printed as it is in a checksum line: no backslash, LF or CR (which coreutils escapes). */
const plainName = (name: string): boolean => {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c === 92 || c === 10 || c === 13) return false
  }
  return true
}

/** The digests of a file whose line and records @sluice/native made (`BatchStatHere.separator`). */
const MADE: Array<string> = []

/** The exit code of a program whose reader went away, as SIGPIPE ends coreutils (bin.ts's too). */
const READER_GONE = 141

type LeanCache = ReturnType<typeof makeLeanDigestCache>

/** What a plan's files hashed to, its cache's entries stored (written by `cache.close`). */
interface Hashed {
  /** Each file's digests, one per algorithm. */
  readonly digests: ReadonlyArray<ReadonlyArray<string>>
  /** The identity key of each file read, as it was once read ("" where it changed while read). */
  readonly after: ReadonlyArray<string | undefined>
  /** The checksum lines, a part each, where @sluice/native made every one (`statHere`): `digests` then holds none. */
  readonly outputs: ReadonlyArray<Uint8Array> | undefined
  readonly cache: LeanCache | undefined
}

/**
 * Runs a plan to its exit code, or undefined, having printed nothing, when the full
 * program must (a file the cache does not answer is too large, a read failed).
 */
export const run = async (
  planned: LeanPlan,
  out: (text: string | Uint8Array) => boolean = (text) => writeAllSync(1, text)
): Promise<number | undefined> => {
  const hashed = await hashPlanned(planned)
  if (hashed === undefined) return undefined
  const { cache, digests, outputs } = hashed
  const { files, options } = planned
  const { algorithms } = options
  if (outputs !== undefined) {
    for (const output of outputs) if (!out(output)) return READER_GONE
    cache?.close()
    return ExitCode.ok
  }
  const style = options.tag || algorithms.length > 1 ? "bsd" : "gnu"
  let text = ""
  for (let i = 0; i < files.length; i++) {
    const name = files[i]!
    const found = digests[i]!
    for (let a = 0; a < algorithms.length; a++) {
      // node:crypto's hex and a name needing no escape: the line as formatChecksumLine writes it, without its checks.
      text += style === "gnu" && plainName(name)
        ? `${found[a]!}${options.binary ? " *" : "  "}${name}\n`
        : formatChecksumLine({ algorithm: algorithms[a]!, digestHex: found[a]!, name, style, binary: options.binary }) + "\n"
    }
    // Written in pieces of about 64 KiB: a reader sees lines as they come, and no string grows past that.
    if (text.length >= 65_536) {
      if (!out(text)) return READER_GONE
      text = ""
    }
  }
  if (text !== "" && !out(text)) return READER_GONE
  // After the lines: a cache that cannot be written is not the hash's failure.
  cache?.close()
  return ExitCode.ok
}

/**
 * The digest of each of `files` (stat'ed: `identities`), hashed as the lean hash hashes
 * files the cache does not answer (`LEAN_LIMITS`, @sluice/native's batches where it loads)
 * and stored in the result cache at `cacheDir` (none: not stored): the files of a first check (checkMain.ts)
 * that the cache did not answer. With each digest, the file's identity key once read
 * (`unchanged`: it is still `identities`' key). Undefined where the full program must hash
 * them (a file too large for this program, BLAKE3 without the addon, a read that failed).
 */
export const digestsOf = async (
  files: ReadonlyArray<string>,
  identities: ReadonlyArray<LeanIdentity>,
  algorithm: HashAlgorithm,
  cacheDir: string | undefined
): Promise<{ readonly digests: ReadonlyArray<string>; readonly unchanged: ReadonlyArray<boolean> } | undefined> => {
  const options: LeanOptions = { algorithms: [algorithm], tag: false, binary: false, recursive: false, cache: cacheDir !== undefined, noWorker: false, files }
  const hashed = await hashPlanned({ options, files, identities, statHere: false, cacheDir, mayAnswer: false })
  if (hashed === undefined) return undefined
  hashed.cache?.close()
  return { digests: hashed.digests.map((found) => found[0]!), unchanged: identities.map((identity, i) => hashed.after[i] === identity.key) }
}

/** A plan's files hashed (those the cache answers looked up), or undefined where the full program must (nothing printed). */
const hashPlanned = async (planned: LeanPlan): Promise<Hashed | undefined> => {
  const { cacheDir, files, mayAnswer, options, statHere } = planned
  // With `statHere`, each file's identity is set once hashed (its stat once open and once read).
  const identities = statHere ? new Array<LeanIdentity>(files.length) : planned.identities as Array<LeanIdentity>
  const { algorithms } = options
  const blake3 = algorithms[0] === "blake3"
  const cache: LeanCache | undefined = cacheDir === undefined
    ? undefined
    : makeLeanDigestCache(cacheDir)
  const digests: Array<Array<string> | undefined> = new Array(files.length)
  const keys: Array<ReadonlyArray<string> | undefined> = new Array(files.length)
  // The level keys the addon made with the stats, once the first is found the same as the cache's own.
  const madeIds = cache !== undefined && !statHere && identities.length > 0 && identities[0]!.ids !== undefined &&
    cache.ids(identities[0]!, algorithms).join() === identities[0]!.ids.join()
  const idsOf = (i: number): ReadonlyArray<string> => (madeIds ? identities[i]!.ids : undefined) ?? cache!.ids(identities[i]!, algorithms)
  const todo: Array<number> = []
  let todoBytes = 0
  for (let i = 0; i < files.length && statHere; i++) todo.push(i)
  if (cache !== undefined && mayAnswer && !statHere) {
    for (let i = 0; i < files.length; i++) keys[i] = idsOf(i)
    const found = cache.lookupAll(files, identities, keys as Array<ReadonlyArray<string>>)
    for (let i = 0; i < files.length; i++) digests[i] = found[i]
  }
  for (let i = 0; i < files.length && !statHere; i++) {
    const identity = identities[i]!
    if (digests[i] !== undefined) continue
    if (identity.size > LEAN_LIMITS.fileBytes && !blake3) return undefined
    todo.push(i)
    todoBytes += identity.size
  }
  if (todoBytes > LEAN_LIMITS.ttyBytes && !blake3 && process.stderr.isTTY) return undefined
  const after: Array<string> = new Array(files.length)
  // With `statHere`, one algorithm and names printed as they are, the addon makes the checksum lines (in `outputs`, a part each).
  const lines = statHere && algorithms.length === 1 && !options.tag && files.every(plainName)
  const outputs: Array<Uint8Array> = []
  let linesMissing = false
  // BLAKE3: a large file mapped and hashed on every core, one at a time; the small ones in
  // batches, as the other algorithms' (`hashTodo`).
  // (With `statHere`, every file goes to the batch: one the addon refuses, over 64 MiB, leaves
  // the hash to the full program.)
  const large = blake3 && !statHere ? todo.filter((i) => identities[i]!.size >= NATIVE_FILE_FROM_BYTES) : []
  const small = blake3 && !statHere ? todo.filter((i) => identities[i]!.size < NATIVE_FILE_FROM_BYTES) : todo
  if (blake3) {
    for (const i of large) {
      let hashed
      try {
        hashed = await hashFileNativeAsync(files[i]!, (stat) => leanIdentity(stat).key)
      } catch {
        // Its message is the full program's.
        return undefined
      }
      if (hashed === undefined) return undefined
      digests[i] = [hashed.digest]
      after[i] = hashed.after ?? ""
    }
  }
  if (small.length > 0) {
    // While files are hashed off this thread (the addon, a worker), their cache keys are
    // made here, and the entries of those hashed are stored (buffered: written by close).
    const keyPart = (part: ReadonlyArray<number>) => {
      if (cache !== undefined && !statHere) for (const i of part) keys[i] ??= idsOf(i)
    }
    const storePart = (part: ReadonlyArray<number>, stored?: Uint8Array, changed?: Uint8Array, output?: Uint8Array) => {
      if (output !== undefined) outputs.push(output)
      else if (lines) linesMissing = true
      if (cache === undefined) return
      for (let k = 0; k < part.length; k++) {
        const i = part[k]!
        if (digests[i] === undefined || stored?.[k] === 1) continue
        // Stat'ed by the addon: the identity it had once open, unless it changed while read (not stored).
        if (statHere) {
          if (changed?.[k] === 1) continue
          identities[i] = new BatchStat("f", after[i]!, undefined)
        }
        const identity = identities[i]!
        cache.store(files[i]!, identity, keys[i] ?? idsOf(i), digests[i]!, identity.size, after[i]!)
      }
    }
    // Where the addon made the level keys, it makes the entries' records too (the settled
    // files read as stat'ed: the others are stored here), and the store appends them.
    // With `statHere`, the addon makes them without an `expect` (`here` below), and they are taken alike.
    const take = (shards: BatchHashed["shards"]) => {
      for (const { count, shard, text } of shards) cache!.storeRecords(shard, text, count)
    }
    const records: NativeRecords | undefined = cache === undefined ? undefined : madeIds ? {
      expect: (part) => part.map((i) => `${identities[i]!.key}\t${identities[i]!.ids!.join(",")}`).join("\n"),
      head: () => cache.recordsHead(),
      take
    } : statHere ? { expect: () => "", head: () => undefined, take } : undefined
    const here: BatchStatHere | undefined = !statHere ? undefined : {
      limit: LEAN_LIMITS.fileBytes,
      // The checksum lines made there too, where they are sha256sum's plain ones.
      ...(lines ? { separator: options.binary ? " *" : "  " } : {}),
      // The level keys from the text `levelKey` itself gives (the cache's own: core's nativeBatch tests pin it).
      ...(cache !== undefined ? { prefixes: algorithms.map((a) => leanLevelKeyPrefix(a)), head: cache.recordsHead() } : { prefixes: [] })
    }
    const failed = await hashTodo(files, small, algorithms, todoBytes, digests, after, cache !== undefined, !options.noWorker, keyPart, storePart, records, here)
    // A call the addon refused: stat'ed here after all (statSync), and run as without it.
    if (failed === "refused") {
      const stats = statFiles(options, files, mayAnswer, undefined)
      return stats === undefined ? undefined : hashPlanned({ ...planned, identities: stats, statHere: false })
    }
    if (failed) return undefined
  }
  // (An addon that made no lines for a part, not expected, leaves the hash to the full program.)
  if (lines && linesMissing) return undefined
  if (lines && outputs.length > 0) return { digests: [], after, outputs, cache }
  if (blake3 && cache !== undefined) {
    for (const i of large) {
      const identity = identities[i]!
      cache.store(files[i]!, identity, keys[i] ?? cache.ids(identity, algorithms), digests[i]!, identity.size, after[i]!)
    }
  }
  return { digests: digests as Array<Array<string>>, after, outputs: undefined, cache }
}

/**
 * Hashes files `todo` into `digests` (and their identities once read into `after`): here,
 * with a lean worker taking batches too when the job is large enough to pay for its
 * start-up. True when a file could not be read (the full program reports it).
 */
const hashTodo = async (
  files: ReadonlyArray<string>,
  todo: ReadonlyArray<number>,
  algorithms: ReadonlyArray<HashAlgorithm>,
  todoBytes: number,
  digests: Array<Array<string> | undefined>,
  after: Array<string>,
  identify: boolean,
  mayStartWorker: boolean,
  /** Work for this thread on files (of `todo`) while they are hashed elsewhere: before their digests come. */
  meanwhile: (part: ReadonlyArray<number>) => void = () => {},
  /** Work for this thread on files (of `todo`) once hashed: every file is in one call, after its `meanwhile`; `stored` says whose records the addon made, `changed` which changed while read. */
  hashed: (part: ReadonlyArray<number>, stored?: Uint8Array, changed?: Uint8Array, output?: Uint8Array) => void = () => {},
  /** With the cache: what the addon needs to make the entries' records, and where they go. */
  records?: NativeRecords,
  /** The files were not stat'ed: the addon stats them (`LeanPlan.statHere`); "refused" where it refused a call. */
  statHere?: BatchStatHere
): Promise<boolean | "refused"> => {
  let done = 0
  let failed = false
  const single = algorithms.length === 1
  /** A batch's results, for the files `order` names by position. */
  const into = (order: ReadonlyArray<number>) => ({ after: keys, at, digests: found }: LeanBatch) => {
    for (let k = 0; k < found.length; k++) {
      const i = order[at + k]!
      if (digests[i] !== undefined) continue
      if (found[k] === "") failed = true
      // Its line made and its records stored by the addon: nothing more here.
      else if (found[k] === "*") digests[i] = MADE
      else {
        digests[i] = single ? [found[k]!] : found[k]!.split(",")
        after[i] = keys[k]!
      }
      done++
    }
  }
  // Where the addon loads (and `-w 0` does not keep the work on this thread): every file in
  // one call, on rayon's threads. A call it refuses falls back to the JavaScript below.
  const batch = mayStartWorker ? nativeBatch() : undefined
  const names = algorithms.map(batchAlgorithm)
  if (batch !== undefined && names.every((name) => name !== undefined)) {
    // In parts, `nativeAhead` of them queued at a time: this thread keys and stores one part
    // while the next are hashed (queued all at once, they were hashed side by side, and the
    // first came back only when most of them did).
    const parts: Array<ReadonlyArray<number>> = []
    for (let at = 0; at < todo.length; at += LEAN_LIMITS.nativePart) parts.push(todo.slice(at, at + LEAN_LIMITS.nativePart))
    const hashing: Array<Promise<BatchHashed | undefined>> = []
    const queue = (k: number) => {
      if (k >= parts.length) return
      const head = records?.head()
      const made = head === undefined ? undefined : { head, expect: records!.expect(parts[k]!) }
      hashing[k] = hashFilesNative(batch, parts[k]!.map((i) => files[i]!), names as Array<string>, made, statHere).catch(() => undefined)
    }
    for (let k = 0; k < LEAN_LIMITS.nativeAhead; k++) queue(k)
    const refused: Array<number> = []
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k]!
      meanwhile(part)
      const result = await hashing[k]!
      if (result === undefined && statHere !== undefined) return "refused"
      queue(k + LEAN_LIMITS.nativeAhead)
      if (result === undefined) refused.push(...part)
      else {
        into(part)({ at: 0, digests: result.digests, after: result.after })
        // A file it could not read: the full program's, which reports it; no more parts.
        if (failed) return failed
        records?.take(result.shards)
        hashed(part, result.stored, result.changed, result.output)
      }
    }
    // A part the addon refused (none is expected) is hashed below, as without it.
    if (refused.length === 0) return failed
    if (statHere !== undefined) return "refused"
    todo = refused
  }
  // node:crypto has no BLAKE3: without the addon's batch, the full program's.
  if (!algorithms.every(leanAlgorithm)) return true
  const paths = todo.map((i) => files[i]!)
  const counter = new Int32Array(new SharedArrayBuffer(4))
  const worker = mayStartWorker && (todo.length >= LEAN_LIMITS.workerFiles || todoBytes >= LEAN_LIMITS.workerBytes) ? startWorker(paths, algorithms, counter, into(todo), identify) : undefined
  if (worker !== undefined) meanwhile(todo)
  hashShared(paths, algorithms, counter, into(todo), identify)
  if (worker !== undefined) {
    // Batches the worker took and has not yet sent: wait for them, unless it stops first.
    if (done < todo.length) await worker.finished(() => done >= todo.length)
    worker.stop()
    // What a worker that died had taken is hashed here.
    const missing = todo.filter((i) => digests[i] === undefined)
    if (missing.length > 0) hashShared(missing.map((i) => files[i]!), algorithms, new Int32Array(new SharedArrayBuffer(4)), into(missing), identify)
  }
  hashed(todo)
  return failed
}

/** How the lean hash has @sluice/native make its cache records (core's nativeBatch.ts, `BatchRecords`). */
interface NativeRecords {
  /** The lines of `BatchRecords.expect` for these files (of `todo`). */
  readonly expect: (part: ReadonlyArray<number>) => string
  /** `BatchRecords.head` now; undefined once the cache failed. */
  readonly head: () => string | undefined
  /** Takes the records made. */
  readonly take: (shards: BatchHashed["shards"]) => void
}

/** The lean worker (hashWorker.ts), given the paths at once: it takes batches from `counter` as soon as it is up. */
const startWorker = (
  paths: ReadonlyArray<string>,
  algorithms: ReadonlyArray<HashAlgorithm>,
  counter: Int32Array,
  take: (batch: LeanBatch) => void,
  identify: boolean
) => {
  const { Worker } = process.getBuiltinModule("node:worker_threads")
  const worker = new Worker(new URL("./hashWorker.js", import.meta.url), { workerData: { paths, algorithms, counter, identify } })
  let check = () => {}
  let ended = false
  worker.on("message", (batch: LeanBatch) => {
    take(batch)
    check()
  })
  const end = () => {
    ended = true
    check()
  }
  worker.on("error", end)
  worker.on("exit", end)
  // Until the main thread waits for it, it must not keep the process alive.
  worker.unref()
  return {
    finished: (complete: () => boolean) =>
      new Promise<void>((resolve) => {
        check = () => {
          if (ended || complete()) resolve()
        }
        worker.ref()
        check()
      }),
    stop: () => {
      worker.removeAllListeners("message")
      void worker.terminate()
    }
  }
}

/** `sluice hash ...` here, or undefined (nothing printed) for the full program. */
export const main = async (argv: ReadonlyArray<string>): Promise<number | undefined> => {
  const planned = plan(argv)
  return planned === undefined ? undefined : run(planned)
}
