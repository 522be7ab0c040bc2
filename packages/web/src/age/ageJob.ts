/**
 * One file encrypted or decrypted on the app's Web Worker pool into a `SaveTarget`: the
 * page hands the workers a `File` (a sized, unarmored input is read by the workers
 * themselves, range by range) and passes each sealed or opened piece, in order, to the
 * destination's writer thread (its buffer transferred, not copied), awaiting it when a few
 * are in flight (a slow disk holds the pool back). Only an armored input is
 * read here, as a stream (its base64 must be decoded in order). The destination is closed
 * only when the last chunk authenticated; any failure or a cancel aborts it, so nothing is
 * left. Passphrases and identities are the caller's, wiped by it when the job ends.
 */
import {
  AgeError,
  type AgeIdentity,
  type AgeRecipient,
  BlobSource,
  decrypt,
  encrypt,
  isArmored,
  ReadFailed,
  sourceError,
  webCryptoAgeKeyKernel,
  WorkerPool
} from "@sluice/core/browser"
import { Cause, Data, Effect, Exit, Fiber, Stream } from "effect"
import type { PoolRuntime } from "../keys/keyJob.js"
import type { SaveTarget } from "./saveTarget.js"

export class NoAgeWorkers extends Data.TaggedError("NoAgeWorkers")<{}> {
  override get message() {
    return "Files are encrypted and decrypted only on Web Workers, and this page has none (no module workers, or WebAssembly is refused): nothing was written"
  }
}

export type AgeJobRequest =
  | {
    readonly mode: "encrypt"
    readonly file: File
    /** Recipients, or a passphrase (then alone). */
    readonly recipients?: ReadonlyArray<AgeRecipient>
    /** The recipients' text (what `recipients` was parsed from), for a job run on the job thread. */
    readonly recipientsText?: string
    readonly passphrase?: Uint8Array
    readonly armor: boolean
  }
  | {
    readonly mode: "decrypt"
    readonly file: File
    readonly identities: ReadonlyArray<AgeIdentity>
    /** The identities' text (what `identities` was parsed from), for a job run on the job thread. */
    readonly identitiesText?: string
    readonly passphrase?: Uint8Array
  }

export interface AgeProgress {
  /** Input bytes done, of `total`. */
  readonly done: number
  readonly total: number
  readonly bytesPerSecond: number
}

export type AgeJobOutcome =
  | { readonly _tag: "done"; readonly bytes: number; readonly seconds: number }
  | { readonly _tag: "cancelled" }
  | { readonly _tag: "failed"; readonly message: string; readonly reason?: string }

export interface AgeJob {
  readonly outcome: Promise<AgeJobOutcome>
  readonly cancel: () => void
}

const NOTHING_LEFT = "Nothing was saved."

/** What a person reads for a failure: what happened, in their terms, then that nothing was kept. */
export const failureMessage = (error: unknown, mode: AgeJobRequest["mode"]): { readonly message: string; readonly reason?: string } => {
  if (error instanceof AgeError) {
    const reason = error.reason._tag
    switch (reason) {
      case "BadPassphrase":
        return { reason, message: `Wrong passphrase: this file was encrypted with another one. ${NOTHING_LEFT}` }
      case "NoIdentityMatch":
        return { reason, message: `No matching identity: none of the identities given can open this file. ${NOTHING_LEFT}` }
      case "Tampered":
      case "Truncated":
      case "TrailingData":
      case "EmptyLastChunk":
      case "BadHeaderMac":
        return { reason, message: `The file was tampered with or is damaged: ${error.message}. ${NOTHING_LEFT}` }
      default:
        return { reason, message: `${capital(error.message)}. ${NOTHING_LEFT}` }
    }
  }
  const text = error instanceof Error ? error.message : String(error)
  return { message: `${capital(text)}${mode === "decrypt" ? `. ${NOTHING_LEFT}` : ". Nothing was saved."}` }
}

const capital = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`

const PROGRESS_EVERY_MS = 250

/**
 * Chunks per worker task: 64 (4 MiB) rather than the library's 16. Each task's result is a
 * message the page's main thread receives and hands on; a quarter as many messages cut its
 * share of the work (it measured ~2 ms of main-thread CPU per task here), while 2 tasks in
 * flight per worker still keep every worker busy (16 MiB in flight on 2 workers).
 */
export const CHUNKS_PER_PIECE = 64

/** The age file's bytes as workers read them, or (armored) as a stream read here. */
const inputOf = (file: File) =>
  Effect.map(
    Effect.promise(() => file.slice(0, 64).arrayBuffer()),
    (head) =>
      isArmored(new Uint8Array(head))
        ? Stream.fromReadableStream({
          evaluate: () => file.stream() as ReadableStream<Uint8Array>,
          onError: () => sourceError(new ReadFailed({ path: file.name, code: "EIO" }))
        })
        : new BlobSource({ name: file.name, blob: file })
  )

/**
 * `inline`: the pool may run on this thread (the job thread's fallback where a worker
 * cannot start workers of its own); on the page it may not (the work would hold it).
 */
export const startAgeJob = (
  runtime: PoolRuntime,
  request: AgeJobRequest,
  target: Pick<SaveTarget, "write" | "close" | "abort">,
  onProgress: (progress: AgeProgress) => void,
  options: { readonly inline?: boolean } = {}
): AgeJob => {
  const total = request.file.size
  const started = performance.now()
  let done = 0
  let lastProgress = 0
  const output = Effect.gen(function*() {
    const pool = yield* WorkerPool
    if (pool.kind !== "workers" && options.inline !== true) return yield* Effect.fail(new NoAgeWorkers())
    if (request.mode === "encrypt") {
      return encrypt(new BlobSource({ name: request.file.name, blob: request.file }), {
        ...(request.passphrase !== undefined ? { passphrase: request.passphrase } : { recipients: request.recipients ?? [] }),
        armor: request.armor,
        chunksPerPiece: CHUNKS_PER_PIECE,
        kernel: webCryptoAgeKeyKernel
      })
    }
    const input = yield* inputOf(request.file)
    return decrypt(input, {
      identities: request.identities,
      chunksPerPiece: CHUNKS_PER_PIECE,
      kernel: webCryptoAgeKeyKernel,
      ...(request.passphrase !== undefined ? { passphrase: request.passphrase } : {})
    })
  })
  const job = Stream.unwrap(output).pipe(
    Stream.runForEach((chunk) =>
      Effect.promise(async () => {
        // Read before the write: the chunk's buffer is transferred to the writer thread.
        const length = chunk.length
        await target.write(chunk)
        // Ciphertext is about the plaintext's size: either side counts toward the input's.
        done = Math.min(total, done + length)
        const now = performance.now()
        if (now - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = now
          onProgress({ done, total, bytesPerSecond: done / Math.max(0.001, (now - started) / 1000) })
        }
      })
    ),
    Effect.andThen(Effect.promise(() => target.close()))
  )
  const fiber = runtime.runFork(job)
  const outcome = new Promise<AgeJobOutcome>((resolve) => {
    fiber.addObserver((exit) => {
      if (Exit.isSuccess(exit)) {
        onProgress({ done: total, total, bytesPerSecond: total / Math.max(0.001, (performance.now() - started) / 1000) })
        return resolve({ _tag: "done", bytes: total, seconds: (performance.now() - started) / 1000 })
      }
      const interrupted = Cause.hasInterruptsOnly(exit.cause)
      const failure = interrupted ? undefined : failureMessage(Cause.squash(exit.cause), request.mode)
      void target.abort(failure?.message ?? "cancelled").then(() =>
        resolve(failure === undefined ? { _tag: "cancelled" } : { _tag: "failed", ...failure })
      )
    })
  })
  return { outcome, cancel: () => void Effect.runFork(Fiber.interrupt(fiber)) }
}
