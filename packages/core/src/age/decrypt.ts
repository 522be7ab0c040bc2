/**
 * age decryption on the engine (design §5.3): the header from a bounded prefix, the file
 * key unwrapped and its MAC checked on the calling thread (scrypt on a worker), the payload
 * opened by pieces of chunks on the pool.
 */
import { Effect, Stream } from "effect"
import type { OutputFailed, SourceError, WorkerError } from "../engine/errors.js"
import type { WorkerPool } from "../engine/pool/poolService.js"
import type { PathSink } from "../engine/Sink.js"
import type { Source } from "../engine/Source.js"
import type { AgeError } from "./AgeError.js"
import type { AgeSummary, DecryptOptions } from "./AgeOptions.js"

export type DecryptError = AgeError | SourceError | WorkerError

/**
 * The plaintext of the age file `input`, in order, releasing only chunks that
 * authenticated (what Go's age releases); on a bad chunk the stream fails with the
 * `AgeError` naming it after the authenticated ones. Armored input is detected and decoded.
 */
export const decrypt = <E = never, R = never>(
  input: Source | Stream.Stream<Uint8Array, E, R>,
  options: DecryptOptions
): Stream.Stream<Uint8Array, DecryptError | E, WorkerPool | R> => Stream.die(new Error(`decrypt: not implemented ${String(input)} ${String(options)}`))

/**
 * The plaintext of the age file `input` (a regular, unarmored file) written into `sink` by
 * the workers at their own offsets. `sink` must be a file that becomes final only when this
 * succeeds (Node: `decryptToFile`, through `writeAtomically`): a failure may leave partial
 * plaintext in `sink`.
 */
export const decryptToSink = (
  input: Source,
  sink: PathSink,
  options: DecryptOptions
): Effect.Effect<AgeSummary, DecryptError | OutputFailed, WorkerPool> => Effect.die(new Error(`decryptToSink: not implemented ${String(input)} ${String(sink)} ${String(options)}`))
