/**
 * age encryption on the engine (design §5.2): the file key, stanzas, header and payload key
 * on the calling thread (scrypt on a worker), the payload by pieces of chunks on the pool.
 * Workers get the payload key only; the file key is wiped once the header is made.
 */
import { Effect, Stream } from "effect"
import type { OutputFailed, SourceError, WorkerError } from "../engine/errors.js"
import { WorkerPool } from "../engine/pool/poolService.js"
import type { PathSink } from "../engine/Sink.js"
import type { Source } from "../engine/Source.js"
import { AgeError, BadRecipient, IncompatibleRecipients } from "./AgeError.js"
import { type AgeSummary, DEFAULT_CHUNKS_PER_PIECE, type EncryptOptions } from "./AgeOptions.js"
import { AgeRpcs } from "./AgeRpcs.js"
import { blocks, inFlight, piecePolicy, poolKeyKernel, probeSource, sourceBytes, taskChunks } from "./ageEngine.js"
import { armorStream } from "./armor.js"
import { encodeHeader, NONCE_SIZE } from "./header.js"
import { FILE_KEY_SIZE, headerMac, payloadKey } from "./keySchedule.js"
import { type AgeRecipient, wrapFileKey } from "./recipients.js"
import type { Stanza } from "./stanza.js"
import { CHUNK_SIZE, chunkCount, ciphertextSize, encryptionPieces, ENCRYPTED_CHUNK_SIZE } from "./stream.js"

export type EncryptError = AgeError | SourceError | WorkerError

/** Test-only: a fixed file key and nonce, and the stanzas made from the file key, for byte-identical outputs. */
export interface EncryptSeam {
  readonly fileKey: Uint8Array
  readonly nonce: Uint8Array
  readonly stanzas?: (fileKey: Uint8Array) => ReadonlyArray<Stanza>
}

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

/** The header (with its MAC) followed by the nonce, and the payload key; the file key is wiped. */
const prepare = (options: EncryptOptions, seam: EncryptSeam | undefined) =>
  Effect.gen(function*() {
    const pool = yield* WorkerPool
    if (options.passphrase !== undefined && (options.recipients?.length ?? 0) > 0) {
      return yield* Effect.fail(new AgeError({ reason: new IncompatibleRecipients({ detail: "a passphrase must be the only recipient of a file" }) }))
    }
    const recipients: ReadonlyArray<AgeRecipient> = options.passphrase !== undefined
      ? [{ kind: "scrypt", passphrase: options.passphrase, logN: options.workFactor ?? 18 }]
      : options.recipients ?? []
    if (options.passphrase !== undefined && options.passphrase.length === 0) {
      return yield* Effect.fail(new AgeError({ reason: new BadRecipient({ index: 0, problem: "the passphrase is empty" }) }))
    }
    const fileKey = seam?.fileKey.slice() ?? random(FILE_KEY_SIZE)
    const nonce = seam?.nonce.slice() ?? random(NONCE_SIZE)
    return yield* Effect.gen(function*() {
      let stanzas: ReadonlyArray<Stanza>
      if (seam?.stanzas !== undefined) stanzas = seam.stanzas(fileKey)
      else {
        const kernel = poolKeyKernel(pool, options.kernel)
        const wrapped = yield* Effect.tryPromise({
          try: () => wrapFileKey(fileKey, recipients, kernel),
          catch: (cause) => cause
        }).pipe(Effect.mapError((cause): EncryptError =>
          // A worker's failure in the scrypt task keeps its type; anything else is a recipient the platform cannot wrap to.
          (cause as { _tag?: string })._tag === "WorkerError"
            ? cause as WorkerError
            : new AgeError({ reason: new BadRecipient({ index: 0, problem: cause instanceof Error ? cause.message : "cannot wrap the file key" }) })
        ))
        if (wrapped._tag === "NoRecipients") return yield* Effect.fail(new AgeError({ reason: new BadRecipient({ index: 0, problem: "no recipients given" }) }))
        if (wrapped._tag === "IncompatibleRecipients") {
          return yield* Effect.fail(new AgeError({ reason: new IncompatibleRecipients({ detail: wrapped.message.replace(/^incompatible recipients: /, "") }) }))
        }
        stanzas = wrapped.stanzas
      }
      const header = encodeHeader(stanzas, (macInput) => headerMac(fileKey, macInput))
      const prefix = new Uint8Array(header.length + NONCE_SIZE)
      prefix.set(header)
      prefix.set(nonce, header.length)
      return { prefix, key: payloadKey(fileKey, nonce) }
    }).pipe(Effect.ensuring(Effect.sync(() => fileKey.fill(0))))
  })

/** One task's description: its chunks and where its input comes from. */
interface Job {
  readonly firstChunk: number
  readonly chunks: number
  readonly final: boolean
  readonly inOffset: number
  readonly inLength: number
  readonly input?: Uint8Array
}

/** The jobs of a source of `size` bytes read by the workers, or of a stream read here. */
const sizedJobs = (size: number, perPiece: number): Stream.Stream<Job> =>
  Stream.fromIterable(encryptionPieces(size, perPiece)).pipe(Stream.map((p) => ({
    firstChunk: p.firstChunk,
    chunks: p.chunks,
    final: p.final,
    inOffset: p.plaintextOffset,
    inLength: p.plaintextLength
  })))

const streamJobs = <E, R>(stream: Stream.Stream<Uint8Array, E, R>, perPiece: number): Stream.Stream<Job, E, R> =>
  blocks(stream, perPiece * CHUNK_SIZE).pipe(
    Stream.zipWithIndex,
    Stream.map(([block, i]) => ({
      firstChunk: i * perPiece,
      chunks: Math.max(1, Math.ceil(block.bytes.length / CHUNK_SIZE)),
      final: block.final,
      inOffset: i * perPiece * CHUNK_SIZE,
      inLength: block.bytes.length,
      input: block.bytes
    }))
  )

/** The jobs of `input`: a sized source by ranges the workers read, anything else by blocks read here. */
const jobsOf = <E, R>(input: Source | Stream.Stream<Uint8Array, E, R>, perPiece: number, sizedPerPiece: (size: number) => number = () => perPiece) =>
  Effect.gen(function*() {
    if (!isSource(input)) return { size: undefined, jobs: streamJobs(input, perPiece) }
    const { size } = yield* probeSource(input, 0)
    return size === undefined
      ? { size, jobs: streamJobs(sourceBytes(input), perPiece) as Stream.Stream<Job, E | SourceError, R> }
      : { size, jobs: sizedJobs(size, sizedPerPiece(size)) as Stream.Stream<Job, E | SourceError, R> }
  })

/** Whether `input` is a `Source` handle rather than a stream of bytes. */
export const isSource = (input: unknown): input is Source =>
  typeof input === "object" && input !== null && "_tag" in input &&
  ["PathSource", "StdinSource", "BlobSource"].includes((input as { _tag: string })._tag)

const perPieceOf = (options: { readonly chunksPerPiece?: number | undefined }) => {
  const n = options.chunksPerPiece ?? DEFAULT_CHUNKS_PER_PIECE
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`chunksPerPiece must be a positive integer, not ${n}`)
  return n
}

/** One job sealed on the pool: into `sink` at its offset, or returned. */
const seal = (key: Uint8Array, job: Job, source: Source | undefined, sink: PathSink | undefined, prefix: Uint8Array, first: boolean) =>
  Effect.flatMap(WorkerPool, (pool) =>
    pool.client(AgeRpcs).run(piecePolicy(job.inLength), (client) =>
      client.AgeSeal({
        key: key.slice(),
        ...(job.input === undefined && source !== undefined ? { source } : {}),
        ...(job.input === undefined ? {} : { input: job.input.slice() }),
        inOffset: job.inOffset,
        inLength: job.inLength,
        firstChunk: job.firstChunk,
        chunks: job.chunks,
        final: job.final,
        ...(sink === undefined ? {} : { sink }),
        ...(sink !== undefined && first ? { header: prefix } : {}),
        outOffset: prefix.length + job.firstChunk * ENCRYPTED_CHUNK_SIZE
      })).pipe(
      // The plaintext block read here is wiped once its task is done (each attempt was sent a copy).
      Effect.ensuring(Effect.sync(() => job.input?.fill(0)))
    ))

/** Encrypts with a test seam (a fixed file key and nonce); not part of the public API. */
export const encryptWith = <E = never, R = never>(
  input: Source | Stream.Stream<Uint8Array, E, R>,
  options: EncryptOptions,
  seam: EncryptSeam | undefined
): Stream.Stream<Uint8Array, EncryptError | E, WorkerPool | R> => {
  const out = Stream.unwrap(Effect.gen(function*() {
    const perPiece = perPieceOf(options)
    const pool = yield* WorkerPool
    const { key, prefix } = yield* prepare(options, seam)
    const { jobs } = yield* jobsOf(input, perPiece)
    const source = isSource(input) ? input : undefined
    const payload = jobs.pipe(
      Stream.mapEffect((job) => seal(key, job, source, undefined, prefix, false), { concurrency: inFlight(pool) }),
      Stream.map((r) => r.output!)
    )
    return Stream.concat(Stream.make(prefix as Uint8Array), payload).pipe(Stream.ensuring(Effect.sync(() => key.fill(0))))
  }))
  return (options.armor === true ? armorStream(out) : out) as Stream.Stream<Uint8Array, EncryptError | E, WorkerPool | R>
}

/**
 * The age file of `input` as a stream of bytes, in order (armored when `options.armor`). A
 * `Source` of known size is read by the workers themselves, each its own range; a stream
 * (or a pipe, read through the environment's `ByteSource`: Node's `NodeByteSource.layer`;
 * without one it fails with a `SourceError`, ENOTSUP) is read here in pieces and the
 * pieces sealed on the workers. At most two pieces per worker are in flight: memory is
 * bounded by the pool's size, not the input's.
 */
export const encrypt = <E = never, R = never>(
  input: Source | Stream.Stream<Uint8Array, E, R>,
  options: EncryptOptions
): Stream.Stream<Uint8Array, EncryptError | E, WorkerPool | R> => encryptWith(input, options, undefined)

/** `encryptToSink` with a test seam; not part of the public API. */
export const encryptToSinkWith = (
  input: Source,
  sink: PathSink,
  options: EncryptOptions,
  seam: EncryptSeam | undefined
): Effect.Effect<AgeSummary, EncryptError | OutputFailed, WorkerPool> =>
  Effect.gen(function*() {
    if (options.armor === true) return yield* Effect.die(new RangeError("armor is a stream: use encrypt() for armored output"))
    const perPiece = perPieceOf(options)
    const pool = yield* WorkerPool
    const { key, prefix } = yield* prepare(options, seam)
    return yield* Effect.gen(function*() {
      const { jobs } = yield* jobsOf<never, never>(input, perPiece, (size) => taskChunks(chunkCount(size), pool, options.chunksPerPiece, perPiece))
      let plaintextBytes = 0
      let ciphertextBytes = prefix.length
      let first = true
      yield* jobs.pipe(
        Stream.mapEffect((job) => {
          const isFirst = first
          first = false
          plaintextBytes += job.inLength
          return seal(key, job, input, sink, prefix, isFirst)
        }, { concurrency: inFlight(pool) }),
        Stream.runForEach((r) => Effect.sync(() => {
          ciphertextBytes += r.bytes
        }))
      )
      if (ciphertextBytes !== prefix.length + ciphertextSize(plaintextBytes)) return yield* Effect.die(new Error("age: pieces and sizes disagree"))
      return { plaintextBytes, ciphertextBytes }
    }).pipe(Effect.ensuring(Effect.sync(() => key.fill(0))))
  })

/**
 * The age file of `input` written into `sink` (a file that exists; `writeAtomically`'s
 * temporary file in Node) by the workers at their own offsets: no payload byte of a sized
 * source crosses threads. Not armored (armor is a stream: use `encrypt`).
 */
export const encryptToSink = (
  input: Source,
  sink: PathSink,
  options: EncryptOptions
): Effect.Effect<AgeSummary, EncryptError | OutputFailed, WorkerPool> => encryptToSinkWith(input, sink, options, undefined)
