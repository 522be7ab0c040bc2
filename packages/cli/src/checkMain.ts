/**
 * `sluice check SUMS...` answered from the check index (core's checkIndex.ts): what bin.ts
 * tries first for a check with the result cache on. It loads core's check entry
 * (`@sluice/core/node/check`: checksum lines and the index, no Effect), reads each checksum
 * file, and stats each listed file: when every file of every checksum file is as the index
 * holds it, it prints what the full check would (the same lines, warnings and exit code)
 * and no file is read; a few small files that changed since (`INLINE_LIMITS`) are read and
 * hashed here, and the index brought up to date. A checksum file with no index yet (its
 * first check since `sluice hash` wrote it, or a list another tool made) is answered from
 * the result cache where it holds the listed files, the others hashed as the lean hash
 * hashes them (`fromResultCache`), and its index written. Anything else resolves to
 * undefined before a byte is printed, and bin.ts runs the full program: an option this does
 * not read (`--stats`, `--resume`, `-w`, `--warn` with a malformed line...), standard input,
 * a name that is not text, a missing or unreadable file (its message is the full check's),
 * more changed files than that in a re-check, a file too large for the lean hash.
 *
 * Where the time goes (10,000 files of 4 KiB, the fastest of 15-21 runs, timestamps in the
 * process): Node's own start-up ~19 ms; bin.js ~1.2; this file (built apart, one file with
 * core's check entry: tsup.config.ts) loaded and SUMS read ~2.8; the index ~1.4; the names
 * ~1.5; a `statSync` a file ~30 (~3 us: ~1.5 the system call, the rest Node's Stats
 * object, of numbers since branch manyhash2: ~13 % fewer instructions a re-check than with
 * BigInts, the index's racy rule making a microsecond enough: checkIndex.ts,
 * `sameIdentity`); the lines ~0.8 and their one write(2) ~0.5. Where @sluice/native is
 * built, the stats are one call of its `sameSpans` on every core, each file named by its
 * span in SUMS, and the `NAME: OK` lines one call of its `linesAt`: no name is made in
 * JavaScript (checkIndex.ts, `plainVerdicts`: ~0.88x the CPU of the same re-check with
 * the names made and packed for `sameMany`, ~5 ms of ~57, and no garbage collection);
 * `SLUICE_NATIVE_BATCH=0` keeps the `statSync`s. A plain checksum file
 * is not parsed: the index says where its names are (parsing 10,000 lines took ~40 ms of a
 * fresh process).
 */
import {
  batchAlgorithm,
  checkIndexPath,
  type ChecksumFileBytesEntry,
  NATIVE_FILE_FROM_BYTES,
  type RecordHashing,
  type RecordsReader,
  defaultCacheDir,
  digestNow,
  entryVerdicts,
  FIELDS,
  hashFileNow,
  type HashAlgorithm,
  identityKeyNow,
  indexedKernel,
  indexEntries,
  leanIdentity,
  type LeanIdentity,
  leanLevelKeyPrefix,
  LEAN_READ_BYTES,
  leanAlgorithm,
  lengthHint,
  lineAlgorithm,
  lineAt,
  linesAt,
  makeLeanDigestCache,
  nameAt,
  namesAt,
  nameSpans,
  nativeBatch,
  parseAlgorithm,
  parseChecksumFileBytes,
  parseChecksumLine,
  plainVerdicts,
  printableName,
  readCheckIndex,
  recordVerdictsNative,
  rewriteCheckIndex,
  settledKey,
  statManyNative,
  updateEntry,
  Verdict,
  type VerdictCode,
  verdictsFromIndex,
  type Vouched,
  writeCheckIndex
} from "@sluice/core/node/check"
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { ExitCode } from "./exitCode.js"
import { LEAN_LIMITS } from "./leanLimits.js"
import { scanArgs } from "./leanArgs.js"
import { writeAllSync } from "./writeAll.js"

interface LeanOptions {
  readonly algorithm: HashAlgorithm | undefined
  readonly quiet: boolean
  readonly status: boolean
  readonly warn: boolean
  readonly strict: boolean
  readonly ignoreMissing: boolean
  /** `--no-cache`: every file read, nothing looked up or written (no result, no check index). */
  readonly noCache: boolean
  readonly sumFiles: ReadonlyArray<string>
}

const FLAGS = { "--quiet": "quiet", "--status": "status", "--warn": "warn", "--strict": "strict", "--ignore-missing": "ignoreMissing", "--no-cache": "noCache" } as const
const VALUES = { "-a": "algorithm", "--algorithm": "algorithm" } as const

/** The command line (`check ...`), when it is one this program answers for; undefined otherwise. */
export const leanArgs = (argv: ReadonlyArray<string>): LeanOptions | undefined => {
  const args = scanArgs(argv, "check", FLAGS, VALUES)
  if (args === undefined) return undefined
  const name = args.values.algorithm
  const algorithm = name === undefined ? undefined : parseAlgorithm(name)
  // An unknown algorithm is the full program's usage error; standard input is never indexed.
  if ((name !== undefined && algorithm === undefined) || args.operands.length === 0) return undefined
  return { ...args.flags, algorithm, sumFiles: args.operands }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

type Parsed = ChecksumFileBytesEntry & { _tag: "Parsed" }

/** The checksum file's parsed entries, as the full check parses them, and its malformed lines; undefined where it would not index them. */
const parsedEntries = (sums: Uint8Array, options: LeanOptions): { readonly parsed: Array<Parsed>; readonly malformed: number } | undefined => {
  const entries = parseChecksumFileBytes(sums, options.algorithm === undefined ? undefined : { algorithm: options.algorithm })
  const parsed: Array<Parsed> = []
  for (const entry of entries) {
    if (entry._tag !== "Parsed") continue
    if (!(entry as Parsed).text) return undefined
    parsed.push(entry as Parsed)
  }
  return { parsed, malformed: entries.length - parsed.length }
}


/**
 * Files that changed since the index was written are read and hashed here, as the pool
 * hashes a job under 16 MiB on its calling thread (runtime.ts): a re-check where a few
 * files changed needs no worker and no full program. More than this goes to the full check.
 */
export const INLINE_LIMITS = { files: 1_000, bytes: 16 * 1024 * 1024 }

/** A line parsed as the check parses it with `options`' `-a`, or undefined where it does not parse. */
const parsedLine = (line: string, options: LeanOptions) => {
  const parsed = parseChecksumLine(line, options.algorithm === undefined ? undefined : { algorithm: options.algorithm })
  return parsed._tag === "Parsed" ? parsed : undefined
}

/** One checksum file's lines and exit code from its index, or undefined where the index cannot answer. */
const fromIndex = async (sumFile: string, options: LeanOptions, cacheDir: string, cwd: string): Promise<Report | undefined> => {
  // Before the first stat: a file settled by then is settled at its stat.
  const startedMs = Date.now()
  const sumsKeyBefore = identityKeyNow(sumFile)
  let sums: Buffer
  try {
    sums = readFileSync(sumFile)
  } catch {
    return undefined
  }
  // Written for these very bytes: the same parse, so its names are at their offsets when
  // the index says so, and the file is parsed only when it does not.
  // Its identity once read: found as the index has it, the bytes need no hashing.
  const path = checkIndexPath(cacheDir, cwd, sumFile)
  const sumsKeyAfter = identityKeyNow(sumFile)
  const index = readCheckIndex(path, sums, sumsKeyAfter, options.algorithm)
  // No index for these bytes yet (the first check since `sluice hash` wrote them, or since
  // they changed): the result cache may answer every file.
  if (index === undefined) {
    const sumsKey = settledKey(sumsKeyBefore, sumsKeyAfter, startedMs)
    return fromResultCache({ sums, sumsKey, options, cacheDir, path, startedMs })
  }
  // --warn names the checksum file as coreutils quotes it: the full program's.
  if (index.count === 0 || (options.warn && index.malformed > 0)) return undefined
  const parsed = index.plain ? undefined : parsedEntries(sums, options)?.parsed
  // A plain index's names are read from SUMS where needed: none at all where @sluice/native
  // stats the files by their spans and every line is OK.
  const parsedNames = parsed?.map((entry) => entry.name)
  if (parsedNames !== undefined && parsedNames.length !== index.count) return undefined
  const answer = parsedNames === undefined
    ? plainVerdicts(sums, index, INLINE_LIMITS)
    : verdictsFromIndex(index.entries, parsedNames, INLINE_LIMITS)
  if (answer === undefined) return undefined
  const nameOf = (at: number) => (parsedNames ?? answer.names)?.[at] ?? nameAt(sums, index, at)
  const { moved, verdicts } = answer
  for (const { at, key } of moved) {
    // Its digest as the checksum file gives it: from the parse, or its line alone (a plain
    // index: the line ends with the name, which must come out of it the same).
    let entry: { readonly algorithm: HashAlgorithm | undefined; readonly digestHex: string; readonly name: string } | undefined = parsed?.[at]
    if (entry === undefined) {
      const line = parseChecksumLine(lineAt(sums, index, at), options.algorithm === undefined ? undefined : { algorithm: options.algorithm })
      if (line._tag !== "Parsed" || line.name !== nameOf(at)) return undefined
      entry = line
    }
    const digest = digestNow(nameOf(at), lineAlgorithm(entry, options.algorithm))
    if (digest === undefined) return undefined
    const verdict = digest === entry.digestHex.toLowerCase() ? Verdict.ok : Verdict.mismatch
    verdicts[at] = verdict
    updateEntry(index.entries, at, settledKey(key, identityKeyNow(nameOf(at)), startedMs), verdict)
  }
  // SUMS hashed to be vouched for and settled now (the full check had read it fresh from
  // `sluice hash`): the index takes its identity, so the next re-check need not hash it.
  const sumsKey = index.hashedSums ? settledKey(sumsKeyBefore, sumsKeyAfter, startedMs) : undefined
  if (moved.length > 0 || sumsKey !== undefined) {
    try {
      rewriteCheckIndex(path, index, sumsKey)
    } catch {
      // A cache that cannot be written is not the check's failure.
    }
  }
  // A plain index's names print as they are (nameSpans kept only those); every line `<name>: OK`
  // is made by the addon from the names' spans where it can.
  return parsed === undefined
    ? report(verdicts, index.malformed, options, () => answer.names ?? namesAt(sums, index), (name) => name, () => parsedLine(lineAt(sums, index, 0), options), () => linesAt(sums, index, ": OK\n"))
    : report(verdicts, index.malformed, options, () => parsedNames!, printableName, () => parsed[0])
}

/** One checksum file's lines and exit code with `--no-cache`: every file read here (`fromResultCache` without a cache), or undefined. */
const withoutCache = async (sumFile: string, options: LeanOptions): Promise<Report | undefined> => {
  const startedMs = Date.now()
  let sums: Buffer
  try {
    sums = readFileSync(sumFile)
  } catch {
    return undefined
  }
  return fromResultCache({ sums, sumsKey: undefined, options, cacheDir: undefined, path: undefined, startedMs })
}

/** What one checksum file prints, and its exit code. */
interface Report {
  readonly out: ReadonlyArray<string>
  /** Standard output's lines as one buffer, before `out`. */
  readonly lines: Buffer | undefined
  readonly err: ReadonlyArray<string>
  readonly code: number
}

/**
 * The lines, warnings and exit code of a check whose every entry has its verdict, as the
 * full check prints them. `shown` prints a name as coreutils does; `first` gives the first
 * entry's line (for `lengthHint`, when no digest matched); `okLines`, where given, makes
 * every line of a check that found every file OK in one buffer (or undefined).
 */
const report = (
  verdicts: ArrayLike<number>,
  malformed: number,
  options: LeanOptions,
  names: () => ReadonlyArray<string>,
  shown: (name: string) => string,
  first: () => Parameters<typeof lengthHint>[0],
  okLines?: () => Buffer | undefined
): Report => {
  const out: Array<string> = []
  let lines: Buffer | undefined
  const err: Array<string> = []
  let failed = 0
  for (let i = 0; i < verdicts.length; i++) if (verdicts[i] !== Verdict.ok) failed++
  if (options.status || (failed === 0 && options.quiet)) {
    // Nothing on standard output.
  } else if (failed === 0 && okLines !== undefined) {
    lines = okLines()
    if (lines === undefined) out.push(names().join(": OK\n") + ": OK")
  } else {
    const all = names()
    for (let i = 0; i < all.length; i++) {
      const ok = verdicts[i] === Verdict.ok
      if (!(ok && options.quiet)) out.push(`${shown(all[i]!)}: ${ok ? "OK" : "FAILED"}`)
    }
  }
  if (!options.status) {
    if (malformed > 0) err.push(`sluice: WARNING: ${plural(malformed, "line is", "lines are")} improperly formatted`)
    if (failed > 0) err.push(`sluice: WARNING: ${plural(failed, "computed checksum", "computed checksums")} did NOT match`)
    const hint = failed === verdicts.length ? lengthHint(first(), options.algorithm, failed, verdicts.length) : undefined
    if (hint !== undefined) err.push(`sluice: hint: ${hint}`)
  }
  const code = Math.max(failed > 0 ? ExitCode.mismatch : ExitCode.ok, options.strict && malformed > 0 ? ExitCode.input : ExitCode.ok)
  return { out, lines, err, code }
}

/** What a first check (a checksum file without an index yet, or any with `--no-cache`) starts from. */
interface FirstCheck {
  /** The checksum file's bytes, and its identity key where it was settled (`settledKey`). */
  readonly sums: Buffer
  readonly sumsKey: string | undefined
  readonly options: LeanOptions
  /** The result cache's folder; none with `--no-cache`. */
  readonly cacheDir: string | undefined
  /** Where its index goes (`checkIndexPath`), with the cache. */
  readonly path: string | undefined
  /** Before the first stat: a file settled by then is settled at its stat. */
  readonly startedMs: number
}

/**
 * A checksum file the index does not answer (its first check since `sluice hash` wrote it,
 * or since it changed, or a list another tool made): the verdicts from the cache's digests
 * where it has them, the other files hashed here (a few small ones on this thread, as a
 * re-check reads its moved files; more as the lean hash hashes them: hashMain.ts's
 * `digestsOf`, @sluice/native's batches on every core) and cached, printed as the full
 * check prints them, and the index written for the next re-check as the full check writes
 * it. Undefined, having printed and written nothing, for anything else: a malformed line
 * with --warn, a name that is not text, several algorithms or one the index does not key
 * (BLAKE2), a file missing or not regular (its message is the full check's), a file the
 * lean hash leaves to the full program (larger than 64 MiB, BLAKE3 without the addon, many
 * bytes on a terminal, where the full program shows progress).
 *
 * A plain checksum file goes to `fromRecords` first. This path: a first check of 10,000
 * files of 4 KiB after `sluice hash -r` ~0.15-0.2 s here, where the full program took
 * 0.33-0.46 s (its modules, Effect's stream, a statSync and a lookup a file), against
 * `sha256sum -c`'s ~0.28 s of rehashing them all; `fromRecords` ~0.07 s. A list sha256sum
 * made, on an empty cache: ~0.30 s, 1.05x `sha256sum -c` (the full program took 0.66 s).
 */
const fromResultCache = async (first: FirstCheck): Promise<Report | undefined> => {
  const { cacheDir, options, path, startedMs, sums, sumsKey } = first
  const plain = fromRecords(first)
  if (plain !== undefined) return plain
  // A cache without results answers nothing (hashMain.ts's `mayAnswer`): every file is hashed.
  const mayAnswer = cacheDir !== undefined && existsSync(join(cacheDir, "results"))
  const entries = parsedEntries(sums, options)
  if (entries === undefined) return undefined
  const { malformed, parsed } = entries
  // --warn names the checksum file as coreutils quotes it; no line at all is the full program's message.
  if (parsed.length === 0 || (options.warn && malformed > 0)) return undefined
  const algorithm = lineAlgorithm(parsed[0]!, options.algorithm)
  const kernel = indexedKernel(algorithm)
  if (kernel === undefined) return undefined
  for (const entry of parsed) if (lineAlgorithm(entry, options.algorithm) !== algorithm) return undefined
  const names = parsed.map((entry) => entry.name)
  const identities = identitiesOf(names, algorithm)
  if (identities === undefined) return undefined
  const cache = cacheDir === undefined ? undefined : makeLeanDigestCache(cacheDir)
  // The level keys the addon made with the stats, once the first is found the same as the cache's own.
  const madeIds = cache !== undefined && identities[0]!.ids !== undefined && cache.ids(identities[0]!, [algorithm]).join() === identities[0]!.ids.join()
  const idsOf = (identity: LeanIdentity) => (madeIds ? identity.ids : undefined) ?? cache!.ids(identity, [algorithm])
  const verdicts = new Uint8Array(parsed.length)
  const vouched = new Array<Vouched>(parsed.length)
  const judge = (i: number, digest: string, read: boolean) => {
    const verdict: VerdictCode = digest === parsed[i]!.digestHex.toLowerCase() ? Verdict.ok : Verdict.mismatch
    verdicts[i] = verdict
    vouched[i] = { verdict, key: identities[i]!.key, read, name: names[i]! }
  }
  const misses: Array<number> = []
  let missBytes = 0
  const found = mayAnswer ? cache!.lookupAll(names, identities, identities.map(idsOf)) : []
  for (let i = 0; i < parsed.length; i++) {
    const digests = found[i]
    if (digests !== undefined) judge(i, digests[0]!, false)
    else {
      misses.push(i)
      missBytes += identities[i]!.size
    }
  }
  // Files the cache does not answer (changed since the hash, or a list another tool made):
  // a few small ones read and hashed here (as a re-check reads its moved files), more as
  // the lean hash hashes them (hashMain.ts: @sluice/native's batches on every core), and
  // cached, as the full check would.
  if (misses.length > INLINE_LIMITS.files || missBytes > INLINE_LIMITS.bytes || !leanAlgorithm(algorithm)) {
    // As many files as the lean hash takes (it holds each one's stat and digest until done).
    const tty = process.getBuiltinModule("node:tty").isatty(2)
    if (misses.length > LEAN_LIMITS.maxFiles || (tty && misses.length > LEAN_LIMITS.ttyFiles)) return undefined
    const { digestsOf } = await import("./hashMain.js")
    const hashed = await digestsOf(misses.map((i) => names[i]!), misses.map((i) => identities[i]!), algorithm, cacheDir)
    // A file too large for the lean hash, BLAKE3 without the addon, a read that failed: the full check's.
    if (hashed === undefined) return undefined
    // A file found as it was first stat'ed once read needs no stat again for the index (`Vouched.read`).
    for (let k = 0; k < misses.length; k++) judge(misses[k]!, hashed.digests[k]!, !hashed.unchanged[k])
  } else if (misses.length > 0) {
    const scratch = Buffer.allocUnsafe(LEAN_READ_BYTES)
    for (const i of misses) {
      let hashed
      try {
        hashed = hashFileNow(names[i]!, [algorithm], scratch)
      } catch {
        // Its message is the full check's.
        return undefined
      }
      const identity = identities[i]!
      cache?.store(names[i]!, identity, idsOf(identity), hashed.digests, hashed.bytes, hashed.after)
      judge(i, hashed.digests[0]!, true)
    }
  }
  // Entries read more than a day after their last use are written again (pruning keeps
  // what is used), and the cache pruned once a day, as after the lean hash.
  cache?.close()
  try {
    const what = { sums, sumsKey, hint: options.algorithm, kernels: { [algorithm]: kernel }, count: parsed.length, malformed }
    if (path !== undefined) writeCheckIndex(path, what, indexEntries(vouched, startedMs, nameSpans(sums, parsed)))
  } catch {
    // A cache that cannot be written is not the check's failure: the next check runs in full.
  }
  return report(verdicts, malformed, options, () => names, printableName, () => parsed[0])
}

/**
 * `fromResultCache` in one call of @sluice/native (`recordVerdictsNative`), for a plain
 * checksum file (every line `HEX  NAME` or `HEX *NAME`, as `sluice hash` and sha256sum write
 * them) whose every file the cache answers: no line parsed, no stat, key or lookup made in
 * JavaScript, and the check index's entries made there too. Undefined, having printed and
 * written nothing, for anything else: `fromResultCache` then parses and looks up here.
 *
 * Why (10,000 files of 4 KiB, a fresh process, timestamps in it): the JavaScript path spent
 * ~25-30 ms parsing SUMS, ~25-30 on the stats' results, ~25-30 on the lookups and ~25-35 on
 * the index's entries (the names' spans, BigInts of the identities), its loops never
 * leaving V8's interpreter for long in a process this short.
 */
const fromRecords = ({ cacheDir, options, path, startedMs, sums, sumsKey }: FirstCheck): Report | undefined => {
  const addon = nativeBatch()
  if (addon?.recordVerdicts === undefined) return undefined
  // The first line says the algorithm; the addon declines a line whose digest has another length.
  const newline = sums.indexOf(10)
  const first = parsedLine(sums.toString("utf8", 0, newline < 0 ? sums.length : newline), options)
  if (first === undefined) return undefined
  const algorithm = lineAlgorithm(first, options.algorithm)
  const kernel = indexedKernel(algorithm)
  if (kernel === undefined) return undefined
  const cache = cacheDir === undefined ? undefined : makeLeanDigestCache(cacheDir)
  const reader = cache === undefined ? NO_CACHE : cache.recordsReader()
  if (reader === undefined) return undefined
  const hashing = nativeHashing(algorithm, sums)
  // With no cache, no record or index is kept: a file changed within the racy window is read
  // as any other (every file counts as settled), not left to the JavaScript path's fingerprint.
  const settledAt = cache === undefined ? Number.MAX_SAFE_INTEGER : startedMs
  let answer
  try {
    answer = recordVerdictsNative(addon, sums, first.digestHex.length, leanLevelKeyPrefix(algorithm, kernel), reader, settledAt, hashing)
  } catch {
    // A call the addon refused (a Node whose OpenSSL it cannot find).
    return undefined
  }
  if (answer === undefined) return undefined
  // The records of the files read, and those read more than a day after their last use
  // (written again, as `fromResultCache` does), stored.
  if (cache !== undefined) for (const { count, shard, text } of answer.shards) cache.storeRecords(shard, text, count)
  cache?.close()
  const index = { entries: answer.entries, count: answer.entries.length / FIELDS }
  try {
    const what = { sums, sumsKey, hint: options.algorithm, kernels: { [algorithm]: kernel }, count: index.count, malformed: 0 }
    if (path !== undefined) writeCheckIndex(path, what, answer.settled ? answer.entries : undefined)
  } catch {
    // A cache that cannot be written is not the check's failure: the next check runs in full.
  }
  return report(entryVerdicts(answer.entries), 0, options, () => namesAt(sums, index), (name) => name, () => first, () => linesAt(sums, index, ": OK\n"))
}

/**
 * How `fromRecords` has the addon read the files the cache does not answer, as the lean hash
 * would take them (hashMain.ts): each up to `LEAN_LIMITS.fileBytes`, BLAKE3's below
 * `NATIVE_FILE_FROM_BYTES` (a larger one is mapped and hashed on every core: the JavaScript
 * path's `digestsOf`, which then takes the whole list: one such file sends every file
 * there); on a terminal, no more bytes than it reads without the full program's progress,
 * nor more lines than `LEAN_LIMITS.ttyFiles` (every line counted, not only the files the
 * cache lacks: such a list goes to the JavaScript path, which counts those). None for an
 * algorithm the addon's batches do not compute.
 */
const nativeHashing = (algorithm: HashAlgorithm, sums: Buffer): RecordHashing | undefined => {
  const name = batchAlgorithm(algorithm)
  if (name === undefined) return undefined
  const tty = process.getBuiltinModule("node:tty").isatty(2)
  if (tty) {
    let lines = 0
    for (let at = sums.indexOf(10); at >= 0 && lines <= LEAN_LIMITS.ttyFiles; at = sums.indexOf(10, at + 1)) lines++
    if (lines > LEAN_LIMITS.ttyFiles) return undefined
  }
  return algorithm === "blake3"
    ? { algorithm: name, fileLimit: NATIVE_FILE_FROM_BYTES - 1, totalLimit: Infinity }
    : { algorithm: name, fileLimit: LEAN_LIMITS.fileBytes, totalLimit: tty ? LEAN_LIMITS.ttyBytes : Infinity }
}

/** The records `recordVerdictsNative` reads with `--no-cache`: none (every file is read, and the records it makes are dropped). */
const NO_CACHE: RecordsReader = { tag: "-", t36: "0", touchBefore: 0, read: () => new Uint8Array(0) }

/**
 * Each listed file's identity (with its level key for `algorithm`, where @sluice/native
 * stats them: one call on every core), or undefined when one is missing or not a regular file.
 */
const identitiesOf = (names: ReadonlyArray<string>, algorithm: HashAlgorithm): Array<LeanIdentity> | undefined => {
  const batch = nativeBatch()
  let stats
  try {
    stats = batch === undefined ? undefined : statManyNative(batch, names, [leanLevelKeyPrefix(algorithm)])
  } catch {
    // A call the addon refused (a Node whose OpenSSL it cannot find): stat'ed here.
  }
  const identities: Array<LeanIdentity> = []
  for (let i = 0; i < names.length; i++) {
    if (stats !== undefined) {
      const stat = stats[i]
      if (stat === undefined || stat.kind !== "f") return undefined
      identities.push(stat)
      continue
    }
    let stat
    try {
      stat = statSync(names[i]!, { bigint: true, throwIfNoEntry: false })
    } catch {
      return undefined
    }
    if (stat === undefined || !stat.isFile()) return undefined
    identities.push(leanIdentity(stat))
  }
  return identities
}

export { writeAllSync }

/** The exit code of a program whose reader went away, as SIGPIPE ends coreutils (bin.ts's too). */
const READER_GONE = 141

/**
 * Runs `sluice check ...` (`argv` without node and script) from the check index and
 * returns its exit code, or undefined, having printed nothing, when the full program must
 * run it. `out` and `err` write text as it is, and say false when their reader went away.
 */
export const main = async (
  argv: ReadonlyArray<string>,
  out: (text: string | Uint8Array) => boolean = (text) => writeAllSync(1, text),
  err: (text: string) => boolean = (text) => writeAllSync(2, text)
): Promise<number | undefined> => {
  const options = leanArgs(argv)
  if (options === undefined) return undefined
  const cacheDir = defaultCacheDir()
  const cwd = process.cwd()
  const answers = []
  for (const sumFile of options.sumFiles) {
    const answer = options.noCache ? await withoutCache(sumFile, options) : await fromIndex(sumFile, options, cacheDir, cwd)
    if (answer === undefined) return undefined
    answers.push(answer)
  }
  let code: number = ExitCode.ok
  for (const answer of answers) {
    if (answer.lines !== undefined && answer.lines.length > 0 && !out(answer.lines)) return READER_GONE
    if (answer.out.length > 0 && !out(answer.out.join("\n") + "\n")) return READER_GONE
    if (answer.err.length > 0) err(answer.err.join("\n") + "\n")
    code = Math.max(code, answer.code)
  }
  return code
}
