/**
 * age encryption on the engine (design §5.2): the file key, stanzas, header and payload key
 * on the calling thread (scrypt on a worker), the payload by pieces of chunks on the pool.
 */
import { Effect, Stream } from "effect"
import type { OutputFailed, SourceError, WorkerError } from "../engine/errors.js"
import type { WorkerPool } from "../engine/pool/poolService.js"
import type { PathSink } from "../engine/Sink.js"
import type { Source } from "../engine/Source.js"
import type { AgeError } from "./AgeError.js"
import type { AgeSummary, EncryptOptions } from "./AgeOptions.js"

export type EncryptError = AgeError | SourceError | WorkerError

/**
 * The age file of `input` as a stream of bytes, in order (armored when `options.armor`). A
 * `Source` of known size is read by the workers themselves, each its own range; a stream
 * (or a pipe) is read here in pieces and the pieces sealed on the workers. Memory is
 * bounded by the pool's size, not the input's.
 */
export const encrypt = <E = never, R = never>(
  input: Source | Stream.Stream<Uint8Array, E, R>,
  options: EncryptOptions
): Stream.Stream<Uint8Array, EncryptError | E, WorkerPool | R> => Stream.die(new Error(`encrypt: not implemented ${String(input)} ${String(options)}`))

/**
 * The age file of `input` written into `sink` (a file that exists; `writeAtomically`'s
 * temporary file in Node) by the workers at their own offsets: no payload byte crosses
 * threads. Not armored (armor is a stream: use `encrypt`).
 */
export const encryptToSink = (
  input: Source,
  sink: PathSink,
  options: EncryptOptions
): Effect.Effect<AgeSummary, EncryptError | OutputFailed, WorkerPool> => Effect.die(new Error(`encryptToSink: not implemented ${String(input)} ${String(sink)} ${String(options)}`))
