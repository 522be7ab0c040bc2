import { Effect, Queue, Stream } from "effect"
import type { HashAlgorithm } from "./HashAlgorithm.js"
import { ReadFailed, SourceError } from "../engine/errors.js"
import { type HashError, hashError, type HashErrorReason, toHashError } from "./HashError.js"
import { Checkpointed, Digested, type HashEvent, Progress } from "./HashEvent.js"
import { PathSource, type Source, sourceName } from "../engine/Source.js"
import { Blake3SubtreeHasher } from "./kernels/blake3Tree.js"
import { HashKernel } from "./kernels/HashKernel.js"
import { type IncrementalHasher, type ResumableHasher, toHex } from "./kernels/IncrementalHasher.js"
import { ByteSource, forEachChunk } from "../engine/ByteSource.js"
import { type HashBatchPayload, HashRpcs, NAME_SEPARATOR, packList, unpackList } from "./HashRpcs.js"

/**
 * A worker reports a source's progress this often, however fast it reads: each report
 * crosses to the calling thread through the RPC stream and the job runner. One every
 * 16 MiB as well (64 for 1 GiB) cost a native BLAKE3 hash of 1 GiB through the CLI ~85 ms
 * of CPU and ~40 ms of its ~0.44 s (10 alternating runs), most of it on the core that
 * copies the next chunks out of the page cache.
 */
export const PROGRESS_EVERY_MS = 100
/** A batch's asynchronously read sources (a browser's Files) have this many reads in flight. */
export const BATCH_READS_IN_FLIGHT = 8

/**
 * The worker's side of the pool: the same handlers run in a worker thread, a Web Worker
 * or inline, over whatever ByteSource and HashKernel the environment provides.
 */
const digested = (algorithms: ReadonlyArray<HashAlgorithm>, hashers: ReadonlyArray<IncrementalHasher>, bytes: number) => {
  const digests: Record<string, string> = {}
  algorithms.forEach((algorithm, i) => {
    digests[algorithm] = toHex(hashers[i]!.digest())
  })
  return { _tag: "Digested" as const, digests, bytes }
}

/** The hash operation's handlers: what a worker (or the calling thread) runs for `HashRpcs`. */
export const HashHandlersLive = HashRpcs.toLayer(Effect.gen(function*() {
  const sources = yield* ByteSource
  const kernel = yield* HashKernel
  /** One read of the source feeds every algorithm; `onProgress` hears of each chunk. */
  const hashWhole = (
    source: Source,
    algorithms: ReadonlyArray<HashAlgorithm>,
    onProgress: (bytes: number, total: number | undefined) => void = () => {}
  ) =>
    Effect.scoped(Effect.gen(function*() {
      const hashers = yield* Effect.forEach(algorithms, (algorithm) => kernel.make(algorithm))
      const reader = yield* sources.open(source)
      let bytes = 0
      yield* forEachChunk(reader, (chunk) => {
        for (const hasher of hashers) hasher.update(chunk)
        bytes += chunk.length
        onProgress(bytes, reader.size)
      })
      return digested(algorithms, hashers, bytes)
    }).pipe(Effect.mapError(toHashError)))

  /**
   * A large BLAKE3 file by its path: the kernel's own file hash where it has one (the file
   * mapped and hashed on every core), or, where it declines the file, `hashWhole`.
   */
  const hashFileWhole = (
    source: Source,
    algorithms: ReadonlyArray<HashAlgorithm>,
    onProgress: (bytes: number, total: number | undefined) => void
  ) => {
    const hashFile = kernel.hashFile
    if (hashFile === undefined || source._tag !== "PathSource" || algorithms.length !== 1 || algorithms[0] !== "blake3") {
      return hashWhole(source, algorithms, onProgress)
    }
    return hashFile(source, onProgress).pipe(
      Effect.mapError(toHashError),
      Effect.flatMap((hashed) =>
        hashed === undefined
          ? hashWhole(source, algorithms, onProgress)
          : Effect.succeed({ _tag: "Digested" as const, digests: { blake3: toHex(hashed.digest) }, bytes: hashed.bytes })
      )
    )
  }

  /**
   * `hashWhole` with hashers that save their state every `every` bytes, starting from
   * `from` when it is given and can be restored (a state from another version of a kernel
   * cannot: then from the beginning). A pipe cannot be resumed, only read from its start.
   */
  const hashResumable = (
    source: Source,
    algorithms: ReadonlyArray<HashAlgorithm>,
    every: number,
    from: Checkpointed | undefined,
    onProgress: (bytes: number, total: number | undefined) => void,
    onCheckpoint: (checkpoint: Checkpointed) => void
  ) =>
    Effect.scoped(Effect.gen(function*() {
      const reader = yield* sources.open(source)
      const fresh = Effect.forEach(algorithms, (algorithm) => kernel.makeResumable(algorithm))
      const restored: Effect.Effect<ReadonlyArray<ResumableHasher>, unknown> =
        from === undefined || reader.size === undefined || from.bytes > reader.size
          ? Effect.fail("nothing to restore")
          : Effect.forEach(algorithms, (algorithm) => kernel.makeResumable(algorithm, from.states[algorithm]))
      const [hashers, start] = yield* restored.pipe(
        // Every state must stand where the checkpoint says, or none is used.
        Effect.filterOrFail((hashers) => hashers.every((h) => h.bytesHashed === from!.bytes), () => "out of step"),
        Effect.map((hashers) => [hashers, from!.bytes] as const),
        Effect.catch(() => Effect.map(fresh, (hashers) => [hashers, 0] as const)),
        Effect.orDie
      )
      let bytes = start
      let saved = start
      yield* forEachChunk(reader, (chunk) => {
        for (const hasher of hashers) hasher.update(chunk)
        bytes += chunk.length
        onProgress(bytes, reader.size)
        if (bytes - saved < every) return
        saved = bytes
        const states: Record<string, Uint8Array> = {}
        algorithms.forEach((algorithm, i) => {
          states[algorithm] = hashers[i]!.save()
        })
        onCheckpoint(new Checkpointed({ bytes, states }))
      }, { offset: start })
      return digested(algorithms, hashers, bytes)
    }).pipe(Effect.mapError(toHashError)))

  /**
   * A batch of small sources. Where the platform reads a file with blocking calls and makes
   * hashers without an Effect (a Node worker), each file is a plain loop: open, read, hash,
   * close; elsewhere (a browser, a `Blob`) each source goes through `hashWhole`.
   */
  const hashBatch = ({ algorithms, paths: packed, raw, sets, sources: list, stamp }: HashBatchPayload) =>
    Effect.gen(function*() {
      const paths = packed === undefined ? undefined : unpackList(packed, NAME_SEPARATOR)
      const count = paths?.length ?? list?.length ?? 0
      const rawAt = new Map<number, Uint8Array>()
      for (const { at, bytes } of raw ?? []) rawAt.set(at, bytes)
      // Each item's digests, in its set's order; joined in item order at the end.
      const itemDigests = new Array<ReadonlyArray<string> | undefined>(count)
      const sizes = new Array<number>(count).fill(-1)
      const failures: Array<{ at: number; reason: HashErrorReason }> = []
      const stamps: Array<string> | undefined = stamp === true ? new Array<string>(count).fill("") : undefined
      const readPathSync = sources.readPathSync
      const makeSync = kernel.makeSync
      const digestHexSync = kernel.digestHexSync
      const others: Array<number> = []
      for (let at = 0; at < count; at++) {
        const wanted = algorithms[sets?.[at] ?? 0] ?? []
        const path = paths?.[at]
        if (path !== undefined && readPathSync !== undefined && makeSync !== undefined) {
          try {
            // A file read in one chunk (a small one) is hashed in one call where the kernel
            // has one; otherwise by hashers, made with the first chunk that needs them.
            let hashers: Array<IncrementalHasher> | undefined
            let hex: Array<string> | undefined
            const read = readPathSync(path, rawAt.get(at), (chunk, last) => {
              if (last && hashers === undefined && digestHexSync !== undefined) {
                const once = wanted.map((algorithm) => digestHexSync(algorithm, chunk))
                if (once.every((digest) => digest !== undefined)) {
                  hex = once as Array<string>
                  return
                }
              }
              hashers ??= wanted.map(makeSync)
              for (const hasher of hashers) hasher.update(chunk)
            }, stamps !== undefined)
            sizes[at] = read.bytes
            if (stamps !== undefined && read.stamp !== undefined) stamps[at] = read.stamp
            itemDigests[at] = hex ?? (hashers ?? wanted.map(makeSync)).map((hasher) => toHex(hasher.digest()))
          } catch (error) {
            // A source's failure is the item's; anything else is a defect of this worker.
            if (!(error instanceof SourceError)) throw error
            failures.push({ at, reason: error.reason })
          }
          continue
        }
        others.push(at)
      }
      const sourceAt = (at: number): Source => {
        const path = paths?.[at]
        return path === undefined ? list![at]! : new PathSource(rawAt.has(at) ? { path, bytes: rawAt.get(at)! } : { path })
      }
      // Sources read asynchronously (a browser's Files): joined into a few reads where the
      // platform can (`readJoined`), each source hashed whole as its bytes come.
      const joined = others.length > 1
        ? sources.readJoined?.(others.map(sourceAt), (i, bytes) => {
          const at = others[i]!
          const wanted = algorithms[sets?.[at] ?? 0] ?? []
          return Effect.map(
            Effect.forEach(wanted, (algorithm) =>
              kernel.digestWhole?.(algorithm, bytes) ?? Effect.map(kernel.make(algorithm), (hasher) => {
                hasher.update(bytes)
                return hasher.digest()
              })),
            (digests) => {
              sizes[at] = bytes.length
              itemDigests[at] = digests.map(toHex)
            }
          )
        })
        : undefined
      const rest = joined === undefined ? others : (yield* joined).map((i) => others[i]!)
      // The rest one by one: several reads in flight, since each is a round trip to the
      // browser that would otherwise leave the thread idle.
      yield* Effect.forEach(rest, (at) => {
        const wanted = algorithms[sets?.[at] ?? 0] ?? []
        const source = sourceAt(at)
        return Effect.result(hashWhole(source, wanted)).pipe(Effect.map((outcome) => {
          if (outcome._tag === "Failure") {
            failures.push({ at, reason: outcome.failure.reason })
            return
          }
          sizes[at] = outcome.success.bytes
          itemDigests[at] = wanted.map((algorithm) => outcome.success.digests[algorithm]!)
        }))
      }, { concurrency: BATCH_READS_IN_FLIGHT, discard: true })
      failures.sort((a, b) => a.at - b.at)
      const digests: Array<string> = []
      for (const item of itemDigests) if (item !== undefined) digests.push(...item)
      return {
        digests: digests.join(" "),
        sizes: packList(sizes.map(String), " "),
        failures,
        ...(stamps === undefined ? {} : { stamps: packList(stamps, " ") })
      }
    })

  return HashRpcs.of({
    HashSource: ({ algorithms, checkpointEvery, resume, source }) =>
      Stream.callback<HashEvent, HashError>((queue) => {
        let reportedAt = Date.now()
        const onProgress = (bytes: number, total: number | undefined) => {
          const now = Date.now()
          if (now - reportedAt < PROGRESS_EVERY_MS) return
          reportedAt = now
          Queue.offerUnsafe(queue, new Progress({ bytes, ...(total === undefined ? {} : { total }) }))
        }
        // A kernel that cannot save an algorithm's state (pure JS) hashes without checkpoints.
        const resumable = checkpointEvery !== undefined && algorithms.every((algorithm) => kernel.resumable(algorithm))
        const hashed = !resumable
          ? hashFileWhole(source, algorithms, onProgress)
          : hashResumable(source, algorithms, checkpointEvery, resume, onProgress, (checkpoint) => {
            Queue.offerUnsafe(queue, checkpoint)
          })
        return hashed.pipe(
          Effect.flatMap(({ bytes, digests }) => Queue.offer(queue, new Digested({ digests, bytes }))),
          Effect.andThen(Queue.end(queue))
        )
      }),
    Blake3Subtree: ({ length, offset, source, startChunk }) =>
      Effect.scoped(Effect.gen(function*() {
        const reader = yield* sources.open(source)
        const hasher = new Blake3SubtreeHasher(startChunk)
        let read = 0
        yield* forEachChunk(reader, (chunk) => {
          hasher.update(chunk)
          read += chunk.length
        }, { offset, length })
        // A file that shrank since it was split would give a digest of something else.
        if (read !== length) {
          return yield* Effect.fail(hashError(new ReadFailed({ path: sourceName(source), code: "ECHANGED" })))
        }
        return { cv: new Uint8Array(hasher.chainingValue()) }
      }).pipe(Effect.mapError(toHashError))),
    SourceSize: ({ source }) =>
      Effect.scoped(Effect.map(sources.open(source), (reader) => reader.size)).pipe(Effect.mapError(toHashError)),
    SourceSizes: ({ paths: packed, raw, sources: list }) => {
      const paths = packed === undefined ? undefined : unpackList(packed, NAME_SEPARATOR)
      const rawAt = new Map<number, Uint8Array>()
      for (const { at, bytes } of raw ?? []) rawAt.set(at, bytes)
      // A stat a file where the thread may block; otherwise each source is opened.
      const sizePathSync = sources.sizePathSync
      if (paths !== undefined && sizePathSync !== undefined) return Effect.sync(() => paths.map((path, at) => sizePathSync(path, rawAt.get(at))))
      const all: ReadonlyArray<Source> = list ?? (paths ?? []).map((path, at) => new PathSource(rawAt.has(at) ? { path, bytes: rawAt.get(at)! } : { path }))
      return Effect.forEach(all, (source) =>
        Effect.scoped(sources.open(source)).pipe(
          Effect.map((reader) => reader.size),
          Effect.orElseSucceed(() => undefined)
        ))
    },
    HashBatch: (payload) => hashBatch(payload)
  })
}))
