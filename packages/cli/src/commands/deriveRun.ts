/**
 * A derivation of `sluice derive` run and its key written: on derive's inline pool (its
 * task taking over the call already started) or on the full pool's worker threads (-w N).
 * Loaded by derive.ts once the secret is read, while node:crypto derives.
 */
import { type DeriveParams, type DeriveProblem, phcString, phcSupported, secretsOf, type StartedDerivation } from "@sluice/core/node/derive"
import {
  derive,
  type DeriveError,
  deriveErrorOf,
  isInvalidParameters,
  layerDeriveStarted,
  loadWriteAtomically,
  type WorkerPool
} from "@sluice/core/node/derive-engine"
import { Effect } from "effect"
import type { EarlyWorker } from "../earlyWorker.js"
import { ExitCode } from "../exitCode.js"
import { outputs, runOnPool } from "../run.js"
import type { DeriveCommandOptions } from "./derive.js"

type Limits = { readonly maxMemoryBytes: number }

/** A refused derivation: its typed error's message; exit 2 for bad parameters, 4 for a kernel's failure. */
const refusal = (err: (line: string) => void) => (error: DeriveError): ExitCode => {
  err(`sluice: ${error.message}`)
  return isInvalidParameters(error.reason) ? ExitCode.usage : ExitCode.internal
}

/** A problem `checkDerive` found before any work, said as derive's typed error says it. */
export const refused = (problem: DeriveProblem, err: (line: string) => void): ExitCode => refusal(err)(deriveErrorOf(problem))

const encode = (key: Uint8Array, encoding: string) => Buffer.from(key.buffer, key.byteOffset, key.length).toString(encoding === "base64" ? "base64" : "hex")

/** The parameters a JSON line names besides the algorithm and the length. */
const parameterFields = (request: DeriveParams): Record<string, number> => {
  switch (request.algorithm) {
    case "scrypt":
      return { logN: request.logN, r: request.r, p: request.p }
    case "argon2id":
      return { memoryKiB: request.memoryKiB, passes: request.passes, parallelism: request.parallelism }
    case "pbkdf2-sha256":
    case "pbkdf2-sha512":
      return { iterations: request.iterations }
    default:
      return {}
  }
}

const deriveAndWrite = (
  request: DeriveParams,
  limits: Limits,
  options: DeriveCommandOptions,
  out: (text: string) => void,
  refused: (error: DeriveError) => ExitCode,
  err: (line: string) => void
): Effect.Effect<ExitCode, never, WorkerPool> =>
  Effect.gen(function*() {
    const derived = yield* derive(request, limits)
    const key = options.encoding === "phc" && phcSupported(request) ? phcString(request, derived) : encode(derived, options.encoding)
    const text = options.json
      ? JSON.stringify({ algorithm: request.algorithm, ...parameterFields(request), length: request.length, encoding: options.encoding, key }) + "\n"
      : options.encoding === "raw" ? undefined : key + "\n"
    const path = options.output
    if (path === undefined) {
      out(text!)
      return ExitCode.ok
    }
    let temp: string | undefined
    // Loaded only to write a file: after the derivation, and never for standard output.
    const writeAtomically = yield* Effect.promise(loadWriteAtomically)
    return yield* writeAtomically(path, (file) => {
      temp = file.tempPath
      outputs.pending.set(temp, path)
      return file.write(text ?? derived)
    }, { mode: 0o600, keepMode: false }).pipe(
      Effect.ensuring(Effect.sync(() => {
        if (temp !== undefined) outputs.pending.delete(temp)
        derived.fill(0)
      })),
      Effect.as(ExitCode.ok),
      Effect.catchTag("OutputFailed", (error) => Effect.sync(() => {
        err(`sluice: ${error.message}`)
        return ExitCode.output
      }))
    )
  }).pipe(
    Effect.ensuring(Effect.sync(() => secretsOf(request).forEach((secret) => secret.fill(0)))),
    Effect.catchTag("DeriveError", (error) => Effect.sync(() => refused(error))),
    Effect.catchTag("WorkerError", (error) => Effect.sync(() => {
      err(`sluice: ${error.message}`)
      return ExitCode.internal
    }))
  )

/** On derive's inline pool, whose task takes over `started`. */
export const deriveInline = (
  request: DeriveParams,
  limits: Limits,
  options: DeriveCommandOptions,
  out: (text: string) => void,
  err: (line: string) => void,
  started: StartedDerivation
): Promise<ExitCode> => runOnPool(deriveAndWrite(request, limits, options, out, refusal(err), err), () => layerDeriveStarted(started))

/** On a worker thread of the full pool (-w N), which loads only for it. */
export const deriveOnWorkers = async (
  request: DeriveParams,
  limits: Limits,
  options: DeriveCommandOptions,
  out: (text: string) => void,
  err: (line: string) => void,
  early: ReadonlyArray<EarlyWorker> | undefined
): Promise<ExitCode> => {
  const { runCommand } = await import("../runtime.js")
  return runCommand(deriveAndWrite(request, limits, options, out, refusal(err), err), { workers: options.workers, cache: false, early })
}
