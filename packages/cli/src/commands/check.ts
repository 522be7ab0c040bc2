import {
  type ChecksumFileEntry,
  type HashAlgorithm,
  hashTasks,
  parseChecksumFile,
  PathSource,
  printableName,
  type WorkerPool
} from "@sluice/core"
import { Effect, Stream } from "effect"
import { readFileSync } from "node:fs"
import { ExitCode, worst } from "../exitCodes.js"
import { makeProgressReporter } from "../progress.js"
import { printErr, printOut } from "../runtime.js"

export interface CheckCommandOptions {
  /** The algorithm of plain lines whose length fits several (64 or 128 hex digits). */
  readonly algorithm?: HashAlgorithm | undefined
  readonly quiet: boolean
  readonly status: boolean
  readonly warn: boolean
  readonly strict: boolean
  readonly ignoreMissing: boolean
}

interface Output {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/** Plain 64- and 128-digit lines are SHA-256 and SHA-512 unless `-a` says otherwise, as `sha256sum -c` and `sha512sum -c` read them. */
const algorithmOf = (entry: ChecksumFileEntry & { _tag: "Parsed" }, hint: HashAlgorithm | undefined): HashAlgorithm =>
  entry.algorithm ?? hint ?? (entry.digestHex.length === 128 ? "sha512" : "sha256")

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
    let text: string
    try {
      text = sumFile === "-" ? readFileSync(0, "utf8") : readFileSync(sumFile, "utf8")
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code
      const why = code === "ENOENT" ? "No such file or directory" : code === "EISDIR" ? "Is a directory" : code === "EACCES" ? "Permission denied" : String(code)
      io.err(`sluice: ${sumFile}: ${why}`)
      return Effect.succeed<ExitCode>(ExitCode.input)
    }
    const entries = parseChecksumFile(text, options.algorithm === undefined ? undefined : { algorithm: options.algorithm })
    const parsed = entries.filter((e): e is ChecksumFileEntry & { _tag: "Parsed" } => e._tag === "Parsed")
    const malformed = entries.length - parsed.length
    if (options.warn) {
      for (const entry of entries) {
        if (entry._tag === "Malformed") io.err(`sluice: ${sumFile}: ${entry.lineNumber}: improperly formatted checksum line`)
      }
    }
    if (parsed.length === 0) {
      io.err(`sluice: ${sumFile}: no properly formatted checksum lines found`)
      return Effect.succeed<ExitCode>(ExitCode.input)
    }
    const progress = makeProgressReporter()
    let failed = 0
    let unreadable = 0
    let verified = 0
    const tasks = parsed.map((entry) => ({
      source: new PathSource({ path: entry.name }),
      options: { algorithms: [algorithmOf(entry, options.algorithm)] }
    }))
    return hashTasks(tasks).pipe(
      Stream.runForEach((event) =>
        Effect.sync(() => {
          if (event._tag === "JobProgress") return progress.update(event)
          progress.clear()
          const entry = parsed[event.index]!
          const name = printableName(entry.name)
          if (event._tag === "FileFailed") {
            if (options.ignoreMissing && event.reason._tag === "FileNotFound") return
            unreadable++
            if (!options.status) {
              io.err(`sluice: ${event.reason.message}`)
              io.out(`${name}: FAILED open or read`)
            }
            return
          }
          verified++
          const ok = event.digests[tasks[event.index]!.options.algorithms[0]!] === entry.digestHex.toLowerCase()
          if (!ok) failed++
          if (!options.status && !(ok && options.quiet)) io.out(`${name}: ${ok ? "OK" : "FAILED"}`)
        })
      ),
      Effect.map(() => {
        if (!options.status) {
          if (malformed > 0) io.err(`sluice: WARNING: ${plural(malformed, "line is", "lines are")} improperly formatted`)
          if (unreadable > 0) io.err(`sluice: WARNING: ${plural(unreadable, "listed file", "listed files")} could not be read`)
          if (failed > 0) io.err(`sluice: WARNING: ${plural(failed, "computed checksum", "computed checksums")} did NOT match`)
        }
        // As coreutils: --ignore-missing with every listed file missing verified nothing.
        if (options.ignoreMissing && verified === 0 && unreadable === 0) {
          if (!options.status) io.err(`sluice: ${sumFile}: no file was verified`)
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

export const checkCommand = (
  sumFiles: ReadonlyArray<string>,
  options: CheckCommandOptions,
  io: Output = { out: printOut, err: printErr }
): Effect.Effect<ExitCode, never, WorkerPool> =>
  Effect.map(
    Effect.forEach(sumFiles.length === 0 ? ["-"] : sumFiles, (file) => checkOne(file, options, io)),
    worst
  )
