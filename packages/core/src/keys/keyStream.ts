import { Effect, Stream } from "effect"
import type { OutputFailed, WorkerError } from "../engine/errors.js"
import { JobProgress } from "../engine/job/JobProgress.js"
import { runOrdered } from "../engine/job/runOrdered.js"
import { WorkerPool } from "../engine/pool/WorkerPool.js"
import { type KeygenError } from "./KeyError.js"
import type { KeyFormat } from "./KeyFormat.js"
import { derivePbes2Key, generateKeyBatch } from "./keygen.js"
import { KEY_SHARD_KEYS } from "./keyLines.js"
import type { EncodedKey, GenerateKeysRequest } from "./KeygenRpcs.js"
import type { KeyType } from "./KeyType.js"
import { estimateCpuMillis, KEYGEN_LIMITS, validateKeygen } from "./validateKeygen.js"

/** Many keys of one type, each in every one of `formats`: a job, split into batches. */
export interface KeyStreamRequest {
  readonly type: KeyType
  /** Keys in all, numbered from `start`. */
  readonly count: number
  readonly formats: ReadonlyArray<KeyFormat>
  /**
   * For the encrypted forms only; the caller's bytes, never wiped here. Encrypted PKCS#8's
   * key is derived from it once for the run, on the pool, and only that key (a copy per
   * task) goes to the workers; encrypted OpenSSH keys each derive their own on a worker,
   * which is then sent a copy of the passphrase too (`Pbes2Key.ts` says why).
   */
  readonly passphrase?: Uint8Array | undefined
  readonly comment?: string | undefined
  readonly pbe?: GenerateKeysRequest["pbe"]
  /** Each private form sealed with age to these recipients on the worker (`GenerateKeysRequest.seal`). */
  readonly seal?: GenerateKeysRequest["seal"] | undefined
  /** The index of the first key (a resumed run goes on from the keys it has). Default 0. */
  readonly start?: number | undefined
  /** Keys per task; default from the type and formats, smaller as the job ends (`keyBatchSizes`). */
  readonly batchSize?: number | undefined
  /**
   * `generateKeyBatches` only: each batch as JSON Lines (`keyLines.ts`), made on the
   * worker, with the first `fields` of `formats` written under their names (the rest are
   * there for the fingerprints). A batch then carries `lines` and no `keys`.
   */
  readonly lines?: { readonly fields: number } | undefined
  /**
   * `generateKeyBatches` only: each batch as files and manifest lines (`keyManifestLine`),
   * made on the worker: the first `fields` of `formats` are files named `key-<number padded
   * to width><suffix>`. A batch then carries `files` and no `keys`.
   *
   * With `shardWidth`, the files go in subdirectories of `KEY_SHARD_KEYS` keys
   * (`keyShardName`), and no batch spans two of them. With `stage`, the workers write each
   * batch's files themselves into `stage(first)`, the directory the caller gives for the
   * batch from key `first` (asked again when a batch is made anew: it must give the same);
   * a batch then carries only its manifest lines.
   */
  readonly files?: {
    readonly fields: number
    readonly width: number
    readonly suffixes: ReadonlyArray<string>
    readonly shardWidth?: number | undefined
    readonly stage?: ((first: number) => string) | undefined
  } | undefined
}

/** One key of the job, in input order: `index` counts from the request's `start`. */
export interface GeneratedKey {
  readonly _tag: "GeneratedKey"
  readonly index: number
  readonly outputs: EncodedKey["outputs"]
}

/**
 * A batch of the job's keys as one worker made them, in order: key `i` of `keys` is the
 * job's key `first + i`. A bulk writer takes keys a batch at a time, so its cost per key is
 * a few array reads, not an event, an object and an effect each.
 */
export interface GeneratedKeyBatch {
  readonly _tag: "GeneratedKeyBatch"
  readonly first: number
  /** Keys in the batch. */
  readonly count: number
  /** Empty when the request asked for `lines`. */
  readonly keys: ReadonlyArray<EncodedKey>
  /**
   * With the request's `lines`: the batch's JSON Lines, UTF-8, one buffer that is the
   * caller's (it holds the private forms asked for: the caller's to wipe once nothing
   * holds it any more).
   */
  readonly lines?: Uint8Array | undefined
  /**
   * With the request's `files`: the batch's files, back to back (`data`, the caller's to
   * wipe once written: it holds the private forms), each one's size (`sizes`, key after key,
   * field after field), and its manifest lines (`manifest`, UTF-8).
   */
  readonly files?: { readonly data: Uint8Array; readonly sizes: Uint32Array; readonly manifest: Uint8Array } | undefined
}

/**
 * Batches asked of the pool at once, per worker: while a worker's answer crosses to the
 * calling thread and the next request crosses back, it works on its second batch, so it
 * never waits on the caller; where the pool gives each worker this many tasks at once
 * (`tasksPerWorker`, as `sluice keygen` builds it), else the second waits for a worker
 * here. Memory stays bounded: in flight at most this × the pool's size batches (and as
 * many again waiting in order behind a slow one).
 */
export const BATCHES_PER_WORKER = 2

/** Keys in the largest job a stream takes (the job runner keeps a few numbers per batch). */
export const MAX_KEY_STREAM_COUNT = 100_000_000

/** Milliseconds of (estimated, generous) CPU a batch aims at: tens of ms of real work. */
const BATCH_BUDGET_MILLIS = 768

/**
 * Keys a batch holds at most when each is quick: an estimate of at most `QUICK_KEY_MILLIS`
 * (Ed25519, X25519, P-256, with no KDF per key; tens of µs each in Node, under a ms in
 * noble). The calling thread spends ~1.2 ms on each batch whatever it holds (its RPC, the
 * job runner, progress; measured in `sluice keygen`, 2026-12), and a worker a few ms more: at
 * 1,024 Ed25519 keys a batch, 200,000 keys to JSON lines on 2 workers took 0.43 s of the
 * calling thread's CPU and 0.55 s of V8's helper threads besides the workers' 4.8 s; at
 * 4,096, 0.21 s, 0.37 s and 4.3 s (2026-12-05). The size shrinks towards the job's end
 * (`keyBatchSizes`), so the last batches are small whatever this is.
 */
const QUICK_BATCH_KEYS = 4096
const QUICK_KEY_MILLIS = 6
/** Keys a batch holds at least (where the type allows as many), before the job's last round. */
const LEAST_BATCH_KEYS = 128
/** A batch takes at most 1/(workers × this) of the keys still to make. */
const SHARE_DIVISOR = 2 * BATCHES_PER_WORKER

/**
 * The job's batches, as their sizes in order: tens of milliseconds of work each, so the
 * pool's cost per task is shared (up to 4,096 Ed25519 or P-256 keys, 69 P-384, one RSA
 * key, one bcrypt-encrypted OpenSSH key), and smaller as the job ends, so the workers
 * finish together. A batch takes at most a `SHARE_DIVISOR`th of each worker's share of the
 * keys left (guided self-scheduling), never fewer than `LEAST_BATCH_KEYS` until the last
 * round, which is one equal batch per worker. Before (batches of one size, at most 1,024),
 * a worker still busy with the last whole batch left the other idle for up to a batch's
 * time. With subdirectories of keys (`files.shardWidth`) no batch spans two of them. A
 * `batchSize` fixes the size (the last batch, and a subdirectory's end, may be smaller).
 */
export const keyBatchSizes = (
  request: Pick<KeyStreamRequest, "type" | "formats" | "pbe" | "count" | "start" | "batchSize" | "files" | "seal">,
  concurrency = 1
): Array<number> => {
  const perKey = estimateCpuMillis({
    type: request.type,
    formats: request.formats,
    count: 1,
    ...(request.pbe === undefined ? {} : { pbe: request.pbe }),
    ...(request.seal === undefined ? {} : { seal: request.seal })
  }, { sharedPbes2Key: true })
  const quick = perKey <= QUICK_KEY_MILLIS
  const most = request.batchSize ??
    Math.max(1, Math.min(quick ? QUICK_BATCH_KEYS : 256, KEYGEN_LIMITS.maxCount, quick ? Infinity : Math.floor(BATCH_BUDGET_MILLIS / perKey)))
  const least = Math.min(most, LEAST_BATCH_KEYS)
  const workers = Math.max(1, concurrency)
  const shards = request.files?.shardWidth !== undefined
  const sizes: Array<number> = []
  let first = request.start ?? 0
  /** The size of the last round's batches, once it has begun. */
  let last: number | undefined
  for (let left = request.count; left > 0;) {
    if (last === undefined && left <= workers * least) last = Math.ceil(left / workers)
    let n = request.batchSize !== undefined
      ? most
      : last ?? Math.max(least, Math.min(most, Math.ceil(left / (workers * SHARE_DIVISOR))))
    n = Math.min(n, left)
    if (shards) n = Math.min(n, KEY_SHARD_KEYS - first % KEY_SHARD_KEYS)
    sizes.push(n)
    left -= n
    first += n
  }
  return sizes
}

/** A batch's `files` layout, from key `first`. */
const filesOf = (files: NonNullable<KeyStreamRequest["files"]>, first: number): NonNullable<GenerateKeysRequest["files"]> => ({
  first,
  fields: files.fields,
  width: files.width,
  suffixes: files.suffixes,
  ...(files.shardWidth === undefined ? {} : { shardWidth: files.shardWidth }),
  ...(files.stage === undefined ? {} : { dir: files.stage(first) })
})

/** A batch's keys, or why it failed after its attempts. */
type BatchOutcome =
  | {
    readonly index: number
    readonly count: number
    readonly keys: ReadonlyArray<EncodedKey>
    readonly lines?: Uint8Array | undefined
    readonly files?: GeneratedKeyBatch["files"]
    readonly error?: undefined
  }
  | { readonly index: number; readonly keys?: undefined; readonly error: KeygenError | WorkerError | OutputFailed }

/** A failed batch is asked for again this many times (other keys: nothing of it was seen). */
const BATCH_ATTEMPTS = 3

/**
 * Generates `count` keys on the pool as a stream, in order, with `JobProgress` events
 * between them (`bytes` and `total` count keys, `bytesPerSecond` is keys per second, and
 * `files` counts batches). The request is checked before any work (the stream fails with
 * a `KeygenError`). The job runs as `runOrdered` over batches, `BATCHES_PER_WORKER` ×
 * `pool.size` at once, so at most a few batches of keys are in memory whatever the count
 * (a few MiB: 4,096 Ed25519 keys are ~5 MiB in all their forms); a batch whose worker failed
 * is generated anew (a new batch, not a retry of the same keys: none of the failed one was
 * seen), and after three failures the stream fails with the last error.
 */
export const generateKeyStream = (
  request: KeyStreamRequest
): Stream.Stream<GeneratedKey | JobProgress, KeygenError | WorkerError | OutputFailed, WorkerPool> =>
  generateKeyBatches({ ...request, lines: undefined, files: undefined }).pipe(
    Stream.map((event): ReadonlyArray<GeneratedKey | JobProgress> =>
      event instanceof JobProgress
        ? [event]
        : event.keys.map((key, i): GeneratedKey => ({ _tag: "GeneratedKey", index: event.first + i, outputs: key.outputs }))
    ),
    Stream.flattenIterable
  )

/**
 * `generateKeyStream` a batch at a time: each batch's keys in one event, in order, with the
 * same `JobProgress` events between them. `BATCHES_PER_WORKER` batches per worker are
 * asked for at once, so the workers never wait for the caller to take a batch.
 */
export const generateKeyBatches = (
  request: KeyStreamRequest
): Stream.Stream<GeneratedKeyBatch | JobProgress, KeygenError | WorkerError | OutputFailed, WorkerPool> =>
  Stream.unwrap(Effect.gen(function*() {
    const pool = yield* WorkerPool
    const start = request.start ?? 0
    const count = request.count
    const asked = (n: number, first = 0): GenerateKeysRequest => ({
      type: request.type,
      count: n,
      formats: request.formats,
      ...(request.lines === undefined ? {} : { lines: { first, fields: request.lines.fields } }),
      ...(request.files === undefined ? {} : { files: filesOf(request.files, first) }),
      ...(request.passphrase === undefined ? {} : { passphrase: request.passphrase }),
      ...(request.comment === undefined ? {} : { comment: request.comment }),
      ...(request.pbe === undefined ? {} : { pbe: request.pbe }),
      ...(request.seal === undefined ? {} : { seal: request.seal })
    })
    // Type, formats and passphrase, on this thread, before a worker is asked for anything.
    yield* validateKeygen(asked(1))
    if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(count) || count < 0 || count > MAX_KEY_STREAM_COUNT) {
      return yield* Effect.die(new RangeError(`generateKeyStream: count and start must be whole numbers (count up to ${MAX_KEY_STREAM_COUNT})`))
    }
    if (count === 0) return Stream.empty
    const concurrency = Math.max(1, pool.size)
    const size = request.batchSize
    if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > KEYGEN_LIMITS.maxCount)) {
      return yield* Effect.die(new RangeError(`generateKeyStream: batchSize must be from 1 to ${KEYGEN_LIMITS.maxCount}`))
    }
    // Encrypted PKCS#8: the key derived once for the whole run (one salt), on the pool, and
    // wiped when the stream ends however it ends (`Stream.ensuring` below: a scope here would
    // close at the first pull). The passphrase itself goes to workers only for encrypted
    // OpenSSH, whose keys cannot share a derivation.
    const pkcs8 = request.formats.some((f) => f === "pkcs8-encrypted-pem" || f === "pkcs8-encrypted-der")
    const openssh = request.formats.includes("openssh-private-encrypted")
    const pbes2Key = pkcs8 && request.passphrase !== undefined
      ? yield* derivePbes2Key(request.passphrase, request.pbe, request.type)
      : undefined
    const wipeKey = Effect.sync(() => pbes2Key?.key.fill(0))
    const check = (n: number, first: number): GenerateKeysRequest => {
      if (pbes2Key === undefined) return asked(n, first)
      const { passphrase: _, ...rest } = asked(n, first)
      return { ...rest, pbes2Key, ...(openssh && request.passphrase !== undefined ? { passphrase: request.passphrase } : {}) }
    }
    const sizes = keyBatchSizes(request, concurrency)
    const batches = sizes.length
    // Batch b's first key: the sizes before it, added up.
    const firsts = new Array<number>(batches)
    for (let b = 0, first = start; b < batches; first += sizes[b]!, b++) firsts[b] = first
    const keysIn = (batch: number) => sizes[batch]!
    const one = (batch: number): Effect.Effect<BatchOutcome> =>
      generateKeyBatch(check(keysIn(batch), firsts[batch]!)).pipe(
        Effect.retry({ times: BATCH_ATTEMPTS - 1, while: (error) => error._tag === "WorkerError" }),
        Effect.map(({ keys, lines, files }): BatchOutcome => ({
          index: batch,
          count: keysIn(batch),
          keys,
          lines,
          files: files === undefined
            ? undefined
            : { data: files.data, sizes: new Uint32Array(files.sizes.buffer, files.sizes.byteOffset, files.sizes.length / 4), manifest: files.manifest }
        })),
        Effect.catch((error) => Effect.succeed<BatchOutcome>({ index: batch, error })),
        Effect.provideService(WorkerPool, pool)
      )
    const job = runOrdered<BatchOutcome>({
      pipeline: "keygen",
      items: batches,
      concurrency: concurrency * BATCHES_PER_WORKER,
      sizes,
      one,
      kind: (outcome) => outcome.error === undefined ? "done" : "failed",
      size: (outcome) => outcome.error === undefined ? outcome.count : 0,
      labels: { done: "generated", phase: "keygen" }
    })
    return job.pipe(
      Stream.mapEffect((event): Effect.Effect<GeneratedKeyBatch | JobProgress, KeygenError | WorkerError | OutputFailed> => {
        // The job's total is known from the start: every batch's count is.
        if (event instanceof JobProgress) return Effect.succeed(event.total === count ? event : new JobProgress({ ...event, total: count }))
        const outcome = event
        if (outcome.error !== undefined) return Effect.fail(outcome.error)
        return Effect.succeed({
          _tag: "GeneratedKeyBatch",
          first: firsts[outcome.index]!,
          count: outcome.count,
          keys: outcome.keys,
          lines: outcome.lines,
          files: outcome.files
        })
      }),
      Stream.ensuring(wipeKey)
    )
  }))
