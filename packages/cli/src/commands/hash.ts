import {
  formatChecksumLine,
  formatChecksumLineBytes,
  type FormatOptions,
  type HashAlgorithm,
  type HashTask,
  hashTasks,
  RESUMABLE_FROM_BYTES,
  parseAlgorithm,
  pathSourceFromBytes,
  type FileHashed,
  type Source,
  sourceName,
  sourceNameBytes,
  StdinSource,
  type WorkerPool
} from "@sluice/core"
import { Checkpoints, writeAtomically } from "@sluice/core/node"
import { formatBytes as formatSize } from "@sluice/core"
import { Data, Effect, Exit, Stream } from "effect"
import { ExitCode, exitCodeFor, worst } from "../exitCodes.js"
import { makeProgressReporter } from "../progress.js"
import { failureMessage, jsonName, osBytes, quoteName } from "../names.js"
import { lineBytes, outputs, printErr, printOut } from "../runtime.js"

export interface HashCommandOptions {
  readonly algorithm: ReadonlyArray<HashAlgorithm>
  readonly tag: boolean
  readonly json: boolean
  readonly binary: boolean
  /** `-o FILE`: the lines go to FILE, which appears whole or not at all. */
  readonly output?: string | undefined
  /** `--resume`: large files save checkpoints, and a rerun continues from them. */
  readonly resume?: boolean | undefined
}


/** `-a sha256,blake3` or `-a sha256 -a blake3`; unknown names are a usage error. */
export const parseAlgorithms = (values: ReadonlyArray<string>): Array<HashAlgorithm> | { unknown: string } => {
  const result: Array<HashAlgorithm> = []
  for (const value of values.flatMap((v) => v.split(","))) {
    const name = value.trim()
    if (name === "") continue
    const algorithm = parseAlgorithm(name)
    if (algorithm === undefined) return { unknown: name }
    if (!result.includes(algorithm)) result.push(algorithm)
  }
  return result
}

/** Files named by OS strings (names.ts): each opened, and printed, as the bytes it was given as. */
export const toSources = (files: ReadonlyArray<string>): Array<Source> =>
  (files.length === 0 ? ["-"] : files).map((file) => file === "-" ? new StdinSource() : pathSourceFromBytes(osBytes(file)))

/** An input failed, so the output file is not committed: a checksum file missing a file would be a false output. */
class InputFailed extends Data.TaggedError("InputFailed")<{ readonly code: ExitCode }> {}

/**
 * Hashes files in input order and prints coreutils lines (BSD `--tag` lines when asked,
 * or when several algorithms make plain lines ambiguous), or one JSON object per file.
 * With `output`, the lines go to that file instead, written atomically (README, "-o").
 */
export const hashCommand = (
  files: ReadonlyArray<string>,
  options: HashCommandOptions,
  out: (line: string | Uint8Array) => void = printOut,
  err: (line: string) => void = printErr
): Effect.Effect<ExitCode, never, WorkerPool> => {
  const path = options.output
  if (path === undefined) return printHashes(files, options, (line) => Effect.sync(() => out(line)), err)
  let temp: string | undefined
  return writeAtomically(path, (file) =>
    Effect.gen(function*() {
      temp = file.tempPath
      outputs.pending.set(temp, path)
      const code = yield* printHashes(files, options, (line) => file.write(lineBytes(line)), err)
      if (code !== ExitCode.ok) return yield* new InputFailed({ code })
      return code
    })).pipe(
      Effect.onExit((exit) =>
        Effect.sync(() => {
          if (temp !== undefined) outputs.pending.delete(temp)
          if (!Exit.isSuccess(exit)) outputs.notWritten.add(path)
        })
      ),
      Effect.catchTag("InputFailed", ({ code }) =>
        Effect.sync(() => {
          err(`sluice: ${path}: not written: an input failed`)
          return code
        })),
      Effect.catchTag("OutputFailed", (error) =>
        Effect.sync(() => {
          err(`sluice: ${error.message}`)
          return ExitCode.output
        }))
    )
}

const printHashes = <E>(
  files: ReadonlyArray<string>,
  options: HashCommandOptions,
  out: (line: string | Uint8Array) => Effect.Effect<void, E>,
  err: (line: string) => void
): Effect.Effect<ExitCode, E, WorkerPool> => {
  const style = options.tag || options.algorithm.length > 1 ? "bsd" : "gnu"
  const progress = makeProgressReporter()
  const codes: Array<ExitCode> = []
  const sources = toSources(files)
  // A name that is not UTF-8 is printed as its bytes, as coreutils prints it.
  const line = (source: Source, format: Omit<FormatOptions, "name">) =>
    source._tag === "PathSource" && source.bytes !== undefined
      ? formatChecksumLineBytes({ ...format, name: source.bytes })
      : formatChecksumLine({ ...format, name: sourceName(source) })
  /** The lines of one file, added to `lines`. */
  const print = (event: FileHashed, lines: Array<string | Uint8Array>) => {
    const source = sources[event.index]!
    if (options.json) {
      lines.push(JSON.stringify({ ...jsonName(sourceNameBytes(source)), bytes: event.bytes, ...event.digests, ...(event.cached === true ? { cached: true } : {}) }))
      return
    }
    for (const algorithm of options.algorithm) {
      lines.push(line(source, { algorithm, digestHex: event.digests[algorithm]!, style, binary: options.binary }))
    }
  }
  return Effect.flatMap(planTasks(sources, options, err), ({ done, tasks }) => {
    // Checkpoints of hashed files are dropped once every line is out, not before.
    const finished: Array<Effect.Effect<void>> = []
    // Each array of events the job emits (a batch, a run of cached files) is printed in one write.
    return Stream.runForEachArray(hashTasks(tasks), (events): Effect.Effect<void, E> => {
      const steps: Array<Effect.Effect<void, E>> = []
      let lines: Array<string | Uint8Array> = []
      const flush = () => {
        if (lines.length > 0) steps.push(out(joinLines(lines)))
        lines = []
      }
      for (const event of events) {
        switch (event._tag) {
          case "JobProgress":
            progress.update(event)
            break
          case "FileFailed": {
            progress.clear()
            codes.push(exitCodeFor(event.reason))
            const source = sources[event.index]!
            if (options.json) {
              lines.push(JSON.stringify({ ...jsonName(sourceNameBytes(source)), error: { code: event.reason._tag, message: event.reason.message } }))
            }
            // The error goes out after the lines before it, as it would file by file.
            flush()
            steps.push(Effect.sync(() => err(`sluice: ${failureMessage(source, event.reason)}`)))
            break
          }
          case "FileHashed":
            progress.clear()
            if (done[event.index] !== undefined) finished.push(done[event.index]!)
            print(event, lines)
        }
      }
      flush()
      return steps.length === 0 ? Effect.void : steps.length === 1 ? steps[0]! : Effect.all(steps, { discard: true })
    }).pipe(
      Effect.andThen(Effect.suspend(() => Effect.all(finished, { discard: true }))),
      Effect.ensuring(Effect.sync(() => progress.clear())),
      Effect.map(() => worst(codes))
    )
  })
}

/**
 * Lines as one write, without the last newline (the writer adds it): text stays text; a
 * name that is not UTF-8 makes the whole write bytes.
 */
const joinLines = (lines: ReadonlyArray<string | Uint8Array>): string | Uint8Array => {
  if (lines.length === 1) return lines[0]!
  if (lines.every((line) => typeof line === "string")) return lines.join("\n")
  const parts: Array<Uint8Array> = []
  lines.forEach((line, i) => {
    if (i > 0) parts.push(NEWLINE)
    parts.push(typeof line === "string" ? Buffer.from(line) : line)
  })
  return Buffer.concat(parts)
}

const NEWLINE = Buffer.from("\n")

/**
 * The job's tasks; with `--resume`, each large file resumable, from the checkpoint an
 * earlier run left when the file is unchanged. `done[i]` drops file i's checkpoint.
 */
const planTasks = (
  sources: ReadonlyArray<Source>,
  options: HashCommandOptions,
  err: (line: string) => void
): Effect.Effect<{ tasks: Array<HashTask>; done: Array<Effect.Effect<void> | undefined> }> =>
  Effect.gen(function*() {
    const plain = { algorithms: options.algorithm }
    const tasks: Array<HashTask> = []
    const done: Array<Effect.Effect<void> | undefined> = []
    for (const source of sources) {
      const resumable = options.resume === true && source._tag === "PathSource"
        ? yield* Checkpoints.resumable(source.bytes === undefined ? source.path : Buffer.from(source.bytes), options.algorithm)
        : undefined
      if (resumable === undefined || resumable.size < RESUMABLE_FROM_BYTES) {
        tasks.push({ source, options: plain })
        done.push(undefined)
        continue
      }
      if (resumable.resumedAt > 0) {
        err(`sluice: ${quoteName(sourceNameBytes(source))}: resuming at ${formatBytes(resumable.resumedAt)} of ${formatBytes(resumable.size)}`)
      }
      tasks.push({ source, options: { ...plain, checkpoint: resumable } })
      done.push(resumable.done)
    }
    return { tasks, done }
  })

/** "resuming at 96.0 MiB of 1.25 GiB": never KiB, never TiB. */
const formatBytes = (bytes: number) => formatSize(bytes, { smallest: "MiB", largest: "GiB", decimals: { MiB: 1, GiB: 2 } })
