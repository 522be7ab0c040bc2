import {
  formatChecksumLine,
  type HashAlgorithm,
  hashFiles,
  parseAlgorithm,
  PathSource,
  type Source,
  StdinSource,
  type WorkerPool
} from "@sluice/core"
import { Effect, Stream } from "effect"
import { ExitCode, exitCodeFor, worst } from "../exitCodes.js"
import { makeProgressReporter } from "../progress.js"

export interface HashCommandOptions {
  readonly algorithm: ReadonlyArray<HashAlgorithm>
  readonly tag: boolean
  readonly json: boolean
  readonly binary: boolean
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

export const toSources = (files: ReadonlyArray<string>): Array<Source> =>
  (files.length === 0 ? ["-"] : files).map((file) => file === "-" ? new StdinSource() : new PathSource({ path: file }))

/**
 * Hashes files in input order and prints coreutils lines (BSD `--tag` lines when asked,
 * or when several algorithms make plain lines ambiguous), or one JSON object per file.
 */
export const hashCommand = (
  files: ReadonlyArray<string>,
  options: HashCommandOptions,
  out: (line: string) => void = (line) => process.stdout.write(line + "\n"),
  err: (line: string) => void = (line) => process.stderr.write(line + "\n")
): Effect.Effect<ExitCode, never, WorkerPool> => {
  const style = options.tag || options.algorithm.length > 1 ? "bsd" : "gnu"
  const progress = makeProgressReporter()
  const codes: Array<ExitCode> = []
  return hashFiles(toSources(files), { algorithms: options.algorithm }).pipe(
    Stream.runForEach((event) =>
      Effect.sync(() => {
        switch (event._tag) {
          case "JobProgress":
            return progress.update(event)
          case "FileFailed":
            progress.clear()
            codes.push(exitCodeFor(event.reason))
            if (options.json) out(JSON.stringify({ file: event.name, error: { code: event.reason._tag, message: event.reason.message } }))
            err(`sluice: ${event.reason.message}`)
            return
          case "FileHashed":
            progress.clear()
            if (options.json) {
              out(JSON.stringify({ file: event.name, bytes: event.bytes, ...event.digests }))
              return
            }
            for (const algorithm of options.algorithm) {
              out(formatChecksumLine({
                algorithm,
                digestHex: event.digests[algorithm]!,
                name: event.name,
                style,
                binary: options.binary
              }))
            }
        }
      })
    ),
    Effect.ensuring(Effect.sync(() => progress.clear())),
    Effect.map(() => worst(codes))
  )
}
