import {
  type ChecksumFileBytesEntry,
  type ContentIdentity,
  type HashAlgorithm,
  hashTasks,
  lengthHint,
  lineAlgorithm,
  parseChecksumFileBytes,
  pathSourceFromBytes,
  pathSourceFromText,
  printableName,
  printableNameBytes,
  ResultCache,
  type WorkerPool
} from "@sluice/core"
import { Effect, Option, Schema, Stream } from "effect"
import { CheckIndex, CheckpointPolicy, Checkpoints, defaultCacheDir } from "@sluice/core/node"
import { readFileSync } from "node:fs"
import { ExitCode, worst } from "../exitCodes.js"
import { makeProgressReporter } from "../progress.js"
import { failureMessage, fsName, hasEscapedBytes, osBytes, quoteName } from "../names.js"
import { printErr, printOut } from "../runtime.js"

export interface CheckCommandOptions {
  /** The algorithm of plain lines whose length fits several (64 or 128 hex digits). */
  readonly algorithm?: HashAlgorithm | undefined
  readonly quiet: boolean
  readonly status: boolean
  readonly warn: boolean
  readonly strict: boolean
  readonly ignoreMissing: boolean
  /** `--resume`: save how far the check got, and go on from there when run again. */
  readonly resume?: boolean | undefined
}

interface Output {
  readonly out: (line: string | Uint8Array) => void
  readonly err: (line: string | Uint8Array) => void
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/**
 * Verifies one checksum file as `sha256sum -c` does: one `OK`/`FAILED` line per entry in
 * file order, warnings on stderr, and an exit code that says what went wrong.
 */
const checkOne = (
  sumFile: string,
  options: CheckCommandOptions,
  io: Output
): Effect.Effect<ExitCode, never, WorkerPool> =>
  Effect.suspend(() => {
    // The checksum file is bytes, and so are the names in it: they are opened and printed as they are.
    const shown = quoteName(osBytes(sumFile))
    let bytes: Buffer
    // Its identity before and after it is read: a check index may vouch for its bytes by it.
    const readAt = Date.now()
    const keyBefore = sumFile === "-" ? undefined : CheckIndex.identityKeyNow(fsName(sumFile))
    try {
      bytes = sumFile === "-" ? readFileSync(0) : readFileSync(fsName(sumFile))
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code
      const why = code === "ENOENT" ? "No such file or directory" : code === "EISDIR" ? "Is a directory" : code === "EACCES" ? "Permission denied" : String(code)
      io.err(`sluice: ${shown}: ${why}`)
      return Effect.succeed<ExitCode>(ExitCode.input)
    }
    const sumsKey = keyBefore === undefined ? undefined : CheckIndex.settledKey(keyBefore, CheckIndex.identityKeyNow(fsName(sumFile)), readAt)
    const entries = parseChecksumFileBytes(bytes, options.algorithm === undefined ? undefined : { algorithm: options.algorithm })
    const parsed = entries.filter((e): e is ChecksumFileBytesEntry & { _tag: "Parsed" } => e._tag === "Parsed")
    const malformed = entries.length - parsed.length
    if (options.warn) {
      for (const entry of entries) {
        if (entry._tag === "Malformed") io.err(`sluice: ${shown}: ${entry.lineNumber}: improperly formatted checksum line`)
      }
    }
    if (parsed.length === 0) {
      io.err(`sluice: ${shown}: no properly formatted checksum lines found`)
      return Effect.succeed<ExitCode>(ExitCode.input)
    }
    const progress = makeProgressReporter()
    return Effect.flatMap(Effect.zip(openJournal(sumFile, options), Effect.serviceOption(ResultCache.ResultCache)), ([journal, cache]) => {
      const index = Option.isSome(cache) && journal === undefined ? openIndex(sumFile, bytes, sumsKey, parsed, malformed, options) : undefined
      const tally: Tally = journal?.previous ?? { done: 0, failed: 0, unreadable: 0, verified: 0, lines: [] }
      // A resumed check says again what the killed one said, then goes on after it.
      for (const [stream, line, hex] of tally.lines) io[stream](hex === undefined ? line : Buffer.from(hex, "hex"))
      let savedAt = Date.now()
      // One options object per algorithm, shared by its entries: not one per line.
      const optionsOf = new Map<HashAlgorithm, { readonly algorithms: ReadonlyArray<HashAlgorithm> }>()
      const tasks = parsed.slice(tally.done).map((entry) => {
        const algorithm = lineAlgorithm(entry, options.algorithm)
        let shared = optionsOf.get(algorithm)
        if (shared === undefined) optionsOf.set(algorithm, shared = { algorithms: [algorithm] })
        return { source: entry.text ? pathSourceFromText(entry.name) : pathSourceFromBytes(entry.nameBytes), options: shared }
      })
      // Each array of results (a batch, a run the cache answered) is judged in a plain loop
      // and printed in one write per stream: no Effect per file.
      return Stream.runForEachArray(hashTasks(tasks, { pipeline: "check", ...(index === undefined ? {} : { onIdentities: index.identified }) }), (events) => {
        const out: Array<string | Uint8Array> = []
        const sayNow = (stream: "out" | "err", line: string | Uint8Array) => {
          // A line on stderr goes out after the stdout lines before it, as it would line by line.
          if (stream === "err") {
            flushLines(out, io.out)
            io.err(line)
          } else out.push(line)
          // Only a resumable check keeps what it printed (its journal says it again after a kill).
          if (journal !== undefined) tally.lines.push(typeof line === "string" ? [stream, line] : [stream, "", Buffer.from(line).toString("hex")])
        }
        for (const event of events) {
          if (event._tag === "JobProgress") {
            progress.update(event)
            continue
          }
          progress.clear()
          const entry = parsed[tally.done]!
          const task = tasks[event.index]!
          const at = tally.done
          // The name as coreutils prints it, then the verdict: as bytes when the name is not UTF-8.
          const notText = task.source.bytes !== undefined
          const result = (verdict: string) => notText
            ? Buffer.concat([printableNameBytes(entry.nameBytes), Buffer.from(`: ${verdict}`)])
            : `${printableName(entry.name)}: ${verdict}`
          tally.done++
          if (event._tag === "FileFailed") {
            if (!(options.ignoreMissing && event.reason._tag === "FileNotFound")) {
              tally.unreadable++
              if (!options.status) {
                sayNow("err", `sluice: ${failureMessage(task.source, event.reason)}`)
                sayNow("out", result("FAILED open or read"))
              }
            }
          } else {
            tally.verified++
            const ok = event.digests[task.options.algorithms[0]!] === entry.digestHex.toLowerCase()
            index?.settle(at, event.index, ok, event.cached === true)
            if (!ok) tally.failed++
            if (!options.status && !(ok && options.quiet)) sayNow("out", result(ok ? "OK" : "FAILED"))
          }
        }
        flushLines(out, io.out)
        if (journal === undefined || Date.now() - savedAt < JOURNAL_EVERY_MS) return Effect.void
        savedAt = Date.now()
        return journal.save(tally)
      }).pipe(
        Effect.andThen(journal?.done ?? Effect.void),
        Effect.map(() => {
          index?.write()
          const { failed, unreadable, verified } = tally
          if (!options.status) {
            if (malformed > 0) io.err(`sluice: WARNING: ${plural(malformed, "line is", "lines are")} improperly formatted`)
            if (unreadable > 0) io.err(`sluice: WARNING: ${plural(unreadable, "listed file", "listed files")} could not be read`)
            if (failed > 0) io.err(`sluice: WARNING: ${plural(failed, "computed checksum", "computed checksums")} did NOT match`)
            const hint = lengthHint(parsed[0], options.algorithm, failed, verified)
            if (hint !== undefined) io.err(`sluice: hint: ${hint}`)
          }
          // As coreutils: --ignore-missing with every listed file missing verified nothing.
          if (options.ignoreMissing && verified === 0 && unreadable === 0) {
            if (!options.status) io.err(`sluice: ${shown}: no file was verified`)
            return ExitCode.input
          }
          return worst([
            failed > 0 ? ExitCode.mismatch : ExitCode.ok,
            unreadable > 0 ? ExitCode.input : ExitCode.ok,
            options.strict && malformed > 0 ? ExitCode.input : ExitCode.ok
          ])
        }),
        Effect.ensuring(Effect.sync(() => progress.clear()))
      )
      })
  })

/**
 * Writes `lines` (and empties it) in one call: text joined as text, or bytes when a name
 * that is not UTF-8 is among them. The writer adds the last newline.
 */
const flushLines = (lines: Array<string | Uint8Array>, write: (line: string | Uint8Array) => void) => {
  if (lines.length === 0) return
  if (lines.length === 1) write(lines[0]!)
  else if (lines.every((line) => typeof line === "string")) write(lines.join("\n"))
  else {
    const parts: Array<Uint8Array> = []
    lines.forEach((line, i) => {
      if (i > 0) parts.push(NEWLINE)
      parts.push(typeof line === "string" ? Buffer.from(line) : line)
    })
    write(Buffer.concat(parts))
  }
  lines.length = 0
}

const NEWLINE = Buffer.from("\n")

/** How often `check --resume` saves how far it got: a kill loses at most this much work. */
export const JOURNAL_EVERY_MS = 250

/**
 * How far a check got: entries settled (in file order), their counts, and the lines they
 * printed (a line that is not text, for a name that is not UTF-8, as "" and its bytes in hex).
 */
interface Tally {
  done: number
  failed: number
  unreadable: number
  verified: number
  readonly lines: Array<["out" | "err", string] | ["out" | "err", string, string]>
}

/** The check's checkpoint: counts and the lines already printed, never a byte of a checked file. */
const CheckTally = CheckpointPolicy.kind({
  name: "check",
  version: 1,
  schema: Schema.Struct({
    done: Schema.Number,
    failed: Schema.Number,
    unreadable: Schema.Number,
    verified: Schema.Number,
    // A line whose name is not UTF-8 carries its bytes too (see names.ts).
    lines: Schema.Array(Schema.Union([
      Schema.Tuple([Schema.Literals(["out", "err"]), Schema.String]),
      Schema.Tuple([Schema.Literals(["out", "err"]), Schema.String, Schema.String])
    ]))
  }),
  holds: ["offset", "count", "printedOutput"]
})

/**
 * The check index of this checksum file (core's checkIndex.ts), when the result cache is
 * on: `write` keeps the verdicts of a check whose every file was settled before it began
 * and, if it was read, unchanged until it was hashed (from the identities the job took,
 * and a stat again of each file read), so the next `check` of this file from here
 * answers from it (checkMain.ts); else it removes a stale index. Names that are not text,
 * standard input and algorithms whose kernel the lean program cannot name are left to the
 * full check every time.
 */
const openIndex = (
  sumFile: string,
  sums: Uint8Array,
  sumsKey: string | undefined,
  parsed: ReadonlyArray<ChecksumFileBytesEntry & { _tag: "Parsed" }>,
  malformed: number,
  options: CheckCommandOptions
) => {
  if (sumFile === "-" || hasEscapedBytes(sumFile)) return undefined
  const kernels: Record<string, string> = {}
  for (const entry of parsed) {
    const algorithm = lineAlgorithm(entry, options.algorithm)
    const kernel = CheckIndex.indexedKernel(algorithm)
    if (kernel === undefined || !entry.text) return undefined
    kernels[algorithm] = kernel
  }
  const what = { sums, sumsKey, hint: options.algorithm, kernels, count: parsed.length, malformed }
  const path = CheckIndex.checkIndexPath(defaultCacheDir(), process.cwd(), sumFile)
  // Before the job's first stat: a file settled by then is settled at that stat.
  const startedMs = Date.now()
  let identities: ReadonlyArray<ContentIdentity | undefined> = []
  const vouched = new Array<CheckIndex.Vouched | undefined>(parsed.length).fill(undefined)
  return {
    identified: (all: ReadonlyArray<ContentIdentity | undefined>) => {
      identities = all
    },
    /** Entry `at` (task `task`) was found to match or not, read now or answered by the cache. */
    settle: (at: number, task: number, ok: boolean, cached: boolean) => {
      vouched[at] = {
        verdict: ok ? CheckIndex.Verdict.ok : CheckIndex.Verdict.mismatch,
        key: identities[task]?.key,
        read: !cached,
        name: parsed[at]!.name
      }
    },
    write: () => {
      try {
        const all = vouched.every((v) => v !== undefined)
        const entries = all ? CheckIndex.indexEntries(vouched as Array<CheckIndex.Vouched>, startedMs, CheckIndex.nameSpans(sums, parsed)) : undefined
        CheckIndex.writeCheckIndex(path, what, entries)
      } catch {
        // A cache that cannot be written is not the check's failure: the next check runs in full.
      }
    }
  }
}

/**
 * With `--resume`, the checkpoint of checking this checksum file with these options (one
 * that changed since is not used); the entries are re-read from it, never from the journal.
 */
const openJournal = (sumFile: string, options: CheckCommandOptions) =>
  Effect.gen(function*() {
    if (options.resume !== true || sumFile === "-") return undefined
    const sums = yield* Checkpoints.fileInput(fsName(sumFile))
    if (sums === undefined) return undefined
    // What changes the output; not how many workers ran it.
    const { algorithm, ignoreMissing, quiet, status, strict, warn } = options
    const flags = { algorithm, ignoreMissing, quiet, status, strict, warn }
    const checkpoint = yield* Checkpoints.openCheckpoint({ kind: "check", path: sums.path, flags }, sums, CheckTally)
    const previous = checkpoint.previous
    return {
      previous: previous === undefined
        ? undefined
        : { ...previous, lines: previous.lines.map((entry) => [...entry] as Tally["lines"][number]) } satisfies Tally,
      save: (tally: Tally) => checkpoint.save(tally),
      done: checkpoint.forget
    }
  })

export const checkCommand = (
  sumFiles: ReadonlyArray<string>,
  options: CheckCommandOptions,
  io: Output = { out: printOut, err: printErr }
): Effect.Effect<ExitCode, never, WorkerPool> =>
  Effect.map(
    Effect.forEach(sumFiles.length === 0 ? ["-"] : sumFiles, (file) => checkOne(file, options, io)),
    worst
  )
