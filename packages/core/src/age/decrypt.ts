/**
 * age decryption on the engine (design §5.3): the header from a bounded prefix, the file
 * key unwrapped and its MAC checked on the calling thread (scrypt on a worker), the payload
 * opened by pieces of chunks on the pool. Workers get the payload key only.
 */
import { Cause, Effect, Stream } from "effect"
import type { OutputFailed, SourceError, WorkerError } from "../engine/errors.js"
import { WorkerPool } from "../engine/pool/poolService.js"
import type { PathSink } from "../engine/Sink.js"
import type { Source } from "../engine/Source.js"
import {
  AgeError,
  BadHeaderMac,
  BadIdentity,
  BadPassphrase,
  MalformedHeader,
  NoIdentityMatch,
  type PayloadFailure,
  Truncated,
  UndecryptableFileKey,
  WorkFactorTooLarge
} from "./AgeError.js"
import { type AgeSummary, DEFAULT_CHUNKS_PER_PIECE, type DecryptOptions } from "./AgeOptions.js"
import { AgeRpcs } from "./AgeRpcs.js"
import { blocks, inFlight, piecePolicy, poolKeyKernel, probeSource, sourceBytes, taskChunks } from "./ageEngine.js"
import { ARMOR_DETECTION_BYTES, dearmorStream, isArmored } from "./armor.js"
import { isSource } from "./encrypt.js"
import { HEADER_MAX, NONCE_SIZE, type ParsedHeader, parseHeader, tryParseHeader } from "./header.js"
import { type AgeIdentity, scryptIdentity } from "./identities.js"
import { payloadKey, verifyHeaderMac } from "./keySchedule.js"
import { DEFAULT_MAX_LOG_N, SCRYPT_TYPE } from "./stanzas/scrypt.js"
import type { UnwrapResult } from "./stanzas/result.js"
import { unwrapFileKey } from "./unwrap.js"
import { CHUNK_SIZE, chunkLayout, decryptionPieces, ENCRYPTED_CHUNK_SIZE } from "./stream.js"

export type DecryptError = AgeError | SourceError | WorkerError

const fail = (reason: AgeError["reason"]) => Effect.fail(new AgeError({ reason }))

/** A header's failure thrown by the parser, as a typed failure. */
const parsing = <A>(f: () => A): Effect.Effect<A, AgeError> =>
  Effect.try({ try: f, catch: (e) => e instanceof AgeError ? e : new AgeError({ reason: new MalformedHeader({ detail: "unreadable header" }) }) })

/** An unwrap's outcome as an `AgeError` (stanzas/result.ts is a value; this is where it becomes an error). */
const unwrapError = (result: Exclude<UnwrapResult, { _tag: "FileKey" }>, passphraseFile: boolean): AgeError["reason"] => {
  switch (result._tag) {
    case "NoMatch":
      return passphraseFile ? new BadPassphrase({}) : new NoIdentityMatch({})
    case "Malformed":
      return new MalformedHeader({ detail: `${result.stanza} stanza: ${result.detail}` })
    case "WorkFactorTooLarge":
      return new WorkFactorTooLarge({ logN: result.logN, max: result.max })
    case "Undecryptable":
      return new UndecryptableFileKey({ stanza: result.stanza })
    case "IdentityLocked":
      return new BadIdentity({ file: "identity", line: 0, problem: result.detail })
    case "BadMac":
      return new BadHeaderMac({})
  }
}

/** The payload key of a parsed header under the caller's identities or passphrase; the file key is wiped. */
const unlock = (header: ParsedHeader, options: DecryptOptions) =>
  Effect.gen(function*() {
    const pool = yield* WorkerPool
    const passphraseFile = header.stanzas.length === 1 && header.stanzas[0]!.type === SCRYPT_TYPE
    const identities: Array<AgeIdentity> = [...(options.identities ?? [])]
    let passphrase: Uint8Array | undefined
    if (passphraseFile && options.passphrase !== undefined) {
      const given = options.passphrase
      passphrase = typeof given === "function"
        ? yield* Effect.tryPromise({ try: given, catch: () => new AgeError({ reason: new BadPassphrase({}) }) })
        : given.slice()
      if (passphrase !== undefined) identities.push(scryptIdentity(passphrase, options.maxWorkFactor ?? DEFAULT_MAX_LOG_N))
    }
    const result = yield* Effect.tryPromise({
      try: () =>
        unwrapFileKey(header.stanzas, identities, {
          kernel: poolKeyKernel(pool, options.kernel),
          verifyMac: (fileKey) => verifyHeaderMac(fileKey, header.macInput, header.mac)
        }),
      catch: (cause): DecryptError =>
        (cause as { _tag?: string })._tag === "WorkerError"
          ? cause as WorkerError
          : new AgeError({ reason: new MalformedHeader({ detail: "a stanza could not be unwrapped on this platform" }) })
    }).pipe(Effect.ensuring(Effect.sync(() => passphrase?.fill(0))))
    if (result._tag !== "FileKey") return yield* fail(unwrapError(result, passphraseFile))
    const key = payloadKey(result.fileKey, header.nonce)
    result.fileKey.fill(0)
    return key
  })

/** One task of the payload: its chunks, where its ciphertext comes from, where its plaintext goes. */
interface Job {
  readonly firstChunk: number
  readonly chunks: number
  readonly final: boolean
  readonly inOffset: number
  readonly inLength: number
  readonly input?: Uint8Array
}

const open = (key: Uint8Array, job: Job, source: Source | undefined, sink: PathSink | undefined) =>
  Effect.flatMap(WorkerPool, (pool) =>
    pool.client(AgeRpcs).run(piecePolicy(job.inLength), (client) =>
      client.AgeOpen({
        key: key.slice(),
        ...(job.input === undefined && source !== undefined ? { source } : {}),
        ...(job.input === undefined ? {} : { input: job.input.slice() }),
        inOffset: job.inOffset,
        inLength: job.inLength,
        firstChunk: job.firstChunk,
        chunks: job.chunks,
        final: job.final,
        ...(sink === undefined ? {} : { sink }),
        outOffset: job.firstChunk * CHUNK_SIZE
      })))

/** The jobs of a payload of `size` bytes at `offset` of a source the workers read. */
const sizedJobs = (offset: number, size: number, perPiece: number): Stream.Stream<Job> =>
  // No payload at all is one job of no chunks: Truncated at chunk 0.
  size === 0 ? Stream.make({ firstChunk: 0, chunks: 0, final: true, inOffset: offset, inLength: 0 }) : Stream.fromIterable(decryptionPieces(size, perPiece)).pipe(Stream.map((p) => ({
    firstChunk: p.firstChunk,
    chunks: p.chunks,
    final: p.final,
    inOffset: offset + p.ciphertextOffset,
    inLength: p.ciphertextLength
  })))

/** The jobs of a payload read here as a stream: blocks of whole chunks, the last known by look-ahead. */
const streamJobs = <E, R>(payload: Stream.Stream<Uint8Array, E, R>, perPiece: number): Stream.Stream<Job, E, R> =>
  blocks(payload, perPiece * ENCRYPTED_CHUNK_SIZE).pipe(
    Stream.zipWithIndex,
    Stream.map(([block, i]) => ({
      firstChunk: i * perPiece,
      chunks: Math.ceil(block.bytes.length / ENCRYPTED_CHUNK_SIZE),
      final: block.final,
      inOffset: i * perPiece * ENCRYPTED_CHUNK_SIZE,
      inLength: block.bytes.length,
      input: block.bytes
    }))
  )

/**
 * The start of a stream and the stream from there: bytes are pulled until `enough` says
 * the head is enough, or the stream ends.
 */
const peek = <E, R>(stream: Stream.Stream<Uint8Array, E, R>) =>
  Effect.gen(function*() {
    const pull = yield* Stream.toPull(stream)
    let head = new Uint8Array(0)
    let ended = false
    const more = Effect.gen(function*() {
      const next = yield* pull.pipe(Effect.catchIf(Cause.isDone, () => Effect.succeed(undefined)))
      if (next === undefined) {
        ended = true
        return false
      }
      let added = 0
      for (const c of next) added += c.length
      const grown = new Uint8Array(head.length + added)
      grown.set(head)
      let at = head.length
      for (const c of next) {
        grown.set(c, at)
        at += c.length
      }
      head = grown
      return true
    })
    return {
      head: () => head,
      ended: () => ended,
      more,
      /** The stream from byte `from` of the head on. */
      rest: (from: number): Stream.Stream<Uint8Array, E> =>
        Stream.concat(
          Stream.make(head.subarray(from)).pipe(Stream.filter((b) => b.length > 0)),
          ended ? Stream.empty : Stream.fromPull(Effect.succeed(pull)) as Stream.Stream<Uint8Array, E>
        )
    }
  })

/** A stream of an age file (armored or not) split into its header and its payload's bytes. */
const headerOfStream = <E, R>(input: Stream.Stream<Uint8Array, E, R>) =>
  Effect.gen(function*() {
    const first = yield* peek(input)
    while (!first.ended() && first.head().length < ARMOR_DETECTION_BYTES) yield* first.more
    const bytes = isArmored(first.head()) ? dearmorStream(first.rest(0)) : first.rest(0)
    const reader = yield* peek(bytes)
    for (;;) {
      const header = yield* parsing(() => tryParseHeader(reader.head()))
      if (header !== undefined) return { header, payload: reader.rest(header.headerLength + NONCE_SIZE) }
      if (reader.ended()) {
        const whole = yield* parsing(() => parseHeader(reader.head()))
        return { header: whole, payload: reader.rest(whole.headerLength + NONCE_SIZE) }
      }
      yield* reader.more
    }
  })

/** The header of a sized, unarmored source read by a worker: a prefix grown until it holds the header and nonce. */
const headerOfSource = (source: Source, size: number) =>
  Effect.gen(function*() {
    const pool = yield* WorkerPool
    let length = 64 * 1024
    for (;;) {
      const { prefix } = yield* probeSource(source, length)
      if (isArmored(prefix)) return undefined
      const header = yield* parsing(() => tryParseHeader(prefix))
      if (header !== undefined) return header
      if (prefix.length >= size || length >= HEADER_MAX + NONCE_SIZE) return yield* parsing(() => parseHeader(prefix))
      length = Math.min(length * 4, HEADER_MAX + NONCE_SIZE)
    }
  })

const perPieceOf = (options: DecryptOptions) => {
  const n = options.chunksPerPiece ?? DEFAULT_CHUNKS_PER_PIECE
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`chunksPerPiece must be a positive integer, not ${n}`)
  return n
}

/**
 * The payload's tasks and their results in order, with the payload key made: a sized,
 * unarmored source by ranges the workers read (with `sink`: written there by them); anything
 * else read here.
 */
const payloadResults = <E, R>(input: Source | Stream.Stream<Uint8Array, E, R>, options: DecryptOptions, sink: PathSink | undefined) =>
  Effect.gen(function*() {
    const pool = yield* WorkerPool
    const perPiece = perPieceOf(options)
    let jobs: Stream.Stream<Job, E | DecryptError, R>
    let header: ParsedHeader | undefined
    let source: Source | undefined
    if (isSource(input)) {
      const { size } = yield* probeSource(input, 0)
      if (size !== undefined) {
        header = yield* headerOfSource(input, size)
        if (header !== undefined) {
          const offset = header.headerLength + NONCE_SIZE
          // To a sink, few large tasks the workers go through in steps; returned bytes come by pieces.
          jobs = sizedJobs(offset, size - offset, sink === undefined ? perPiece : taskChunks(chunkLayout(size - offset).chunks, pool, options.chunksPerPiece, perPiece))
          source = input
        }
      }
    }
    if (header === undefined) {
      const bytes = isSource(input) ? sourceBytes(input) : input
      const split = yield* headerOfStream(bytes as Stream.Stream<Uint8Array, E | SourceError, R>)
      header = split.header
      jobs = streamJobs(split.payload, perPiece)
    }
    const key = yield* unlock(header, options)
    yield* Effect.addFinalizer(() => Effect.sync(() => key.fill(0)))
    const prefixLength = header.headerLength + NONCE_SIZE
    return {
      prefixLength,
      results: jobs!.pipe(
        Stream.mapEffect((job) =>
          (job.chunks === 0
            ? Effect.succeed({ released: 0, failure: new Truncated({ chunk: job.firstChunk }) as PayloadFailure, output: undefined })
            : open(key, job, source, sink)).pipe(Effect.map((result) => ({ ...result, inLength: job.inLength }))), { concurrency: inFlight(pool) })
      )
    }
  })

/**
 * The plaintext of the age file `input`, in order, releasing only chunks that
 * authenticated (what Go's age releases); on a bad chunk the stream fails with the
 * `AgeError` naming it after the authenticated ones. Armored input is detected and decoded.
 * A sized, unarmored `Source` is read by the workers; one read here (a pipe, an armored
 * file) needs a `ByteSource` in the environment (Node: `NodeByteSource.layer`), else it
 * fails with a `SourceError` (ENOTSUP); a byte stream needs nothing.
 */
export const decrypt = <E = never, R = never>(
  input: Source | Stream.Stream<Uint8Array, E, R>,
  options: DecryptOptions
): Stream.Stream<Uint8Array, DecryptError | E, WorkerPool | R> =>
  Stream.unwrap(Effect.map(payloadResults(input, options, undefined), (p) => p.results)).pipe(
    Stream.flatMap((result) => {
      const out = result.output !== undefined && result.output.length > 0 ? Stream.make(result.output as Uint8Array) : Stream.empty
      return result.failure === undefined ? out : Stream.concat(out, Stream.fail(new AgeError({ reason: result.failure })))
    })
  ) as Stream.Stream<Uint8Array, DecryptError | E, WorkerPool | R>

/**
 * The plaintext of the age file `input` written into `sink` by the workers at their own
 * offsets (a sized, unarmored file: they read its ranges too; anything else is read here).
 * `sink` must be a file that becomes final only when this succeeds (Node:
 * `decryptToFile`, through `writeAtomically`): a failure may leave partial plaintext in it.
 */
export const decryptToSink = (
  input: Source,
  sink: PathSink,
  options: DecryptOptions
): Effect.Effect<AgeSummary, DecryptError | OutputFailed, WorkerPool> =>
  Effect.scoped(Effect.gen(function*() {
    const { prefixLength, results } = yield* payloadResults<never, never>(input, options, sink)
    let plaintextBytes = 0
    let ciphertextBytes = prefixLength
    yield* results.pipe(Stream.runForEach((result) =>
      result.failure === undefined
        ? Effect.sync(() => {
          plaintextBytes += result.released
          ciphertextBytes += result.inLength
        })
        : Effect.fail(new AgeError({ reason: result.failure })))
    )
    return { plaintextBytes, ciphertextBytes }
  }))
