/** Fakes for the store and component tests: a scripted WorkerPool and frames run by hand. */
import {
  type CheckpointRequest,
  Checkpointed,
  Digested,
  hashError,
  healthyPool,
  type HashAlgorithm,
  type HashEvent,
  type HashErrorReason,
  Progress,
  type Source,
  WorkerPool
} from "@sluice/core"
import { digestLength, packList } from "@sluice/core"
import { Deferred, Effect, Layer, ManagedRuntime, Queue, Stream, SubscriptionRef } from "effect"
import { type HashJobsOptions, makeHashJobs } from "./HashJobs.js"

/** A fake digest that names its input, so tests can tell which file and algorithm produced it. */
export const fakeDigest = (algorithm: HashAlgorithm, name: string): string => {
  let h = 0x811c9dc5
  for (const c of `${algorithm}:${name}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0
  return h.toString(16).padStart(8, "0").repeat(digestLength(algorithm) * 2 / 8)
}

/** Hasher states that name their algorithm and position. */
export const fakeStates = (algorithms: ReadonlyArray<HashAlgorithm>, bytes: number): Record<string, Uint8Array> =>
  // Built from this realm's Uint8Array: jsdom's TextEncoder returns Node's, which Schema refuses.
  Object.fromEntries(algorithms.map((a) => [a, Uint8Array.from(`${a}@${bytes}`, (c) => c.charCodeAt(0))]))

/** One `hashSource` call the fake pool received, with handles to script and watch it. */
export interface FakeTask {
  readonly name: string
  readonly algorithms: ReadonlyArray<HashAlgorithm>
  /** What the pipeline asked for: checkpoints every so many bytes, from an earlier one. */
  readonly checkpoint: CheckpointRequest | undefined
  /** Lets the task finish: with digests (fakeDigest per algorithm), or a failure reason. */
  readonly finish: (outcome?: { readonly fail?: HashErrorReason }) => void
  /** Progress the worker reports before finishing. */
  readonly progress: (bytes: number) => void
  /** A checkpoint the worker emits (states named after the algorithms and bytes). */
  readonly checkpointed: (bytes: number) => void
  readonly interrupted: () => boolean
}

const nameOf = (source: Source): string => (source._tag === "BlobSource" ? source.name : "?")

/**
 * A WorkerPool whose tasks run until the test finishes them (or at once with `auto`),
 * reporting progress the way the worker handlers do.
 */
export const makeFakePool = (options: { readonly size?: number; readonly auto?: boolean } = {}) => {
  const tasks: Array<FakeTask> = []
  /** The names of the files of each HashBatch request, in order. */
  const batches: Array<ReadonlyArray<string>> = []
  const hashSource = (source: Source, algorithms: ReadonlyArray<HashAlgorithm>, checkpoint?: CheckpointRequest) => {
    const name = nameOf(source)
    const size = source._tag === "BlobSource" ? source.blob.size : 0
    const digested = new Digested({
      digests: Object.fromEntries(algorithms.map((a) => [a, fakeDigest(a, name)])),
      bytes: size
    })
    if (options.auto === true) return Stream.make<Array<HashEvent>>(new Progress({ bytes: size, total: size }), digested)
    return Stream.callback<HashEvent, ReturnType<typeof hashError>>((queue) =>
      Effect.gen(function*() {
        const done = Deferred.makeUnsafe<HashErrorReason | undefined>()
        let interrupted = false
        tasks.push({
          name,
          algorithms,
          checkpoint,
          finish: (outcome) => Deferred.doneUnsafe(done, Effect.succeed(outcome?.fail)),
          progress: (bytes) => void Queue.offerUnsafe(queue, new Progress({ bytes, total: size })),
          checkpointed: (bytes) =>
            void Queue.offerUnsafe(queue, new Checkpointed({ bytes, states: fakeStates(algorithms, bytes) })),
          interrupted: () => interrupted
        })
        yield* Effect.addFinalizer(() => Effect.sync(() => void (interrupted = true)))
        const failure = yield* Deferred.await(done)
        interrupted = false
        if (failure !== undefined) return yield* Effect.fail(hashError(failure))
        yield* Queue.offer(queue, digested)
        yield* Queue.end(queue)
      })
    )
  }
  // The client a task of the hash operation calls, answered here instead of by a worker.
  const client = {
    HashSource: ({ algorithms, checkpointEvery, resume, source }: {
      readonly source: Source
      readonly algorithms: ReadonlyArray<HashAlgorithm>
      readonly checkpointEvery?: number
      readonly resume?: Checkpointed
    }) => hashSource(source, algorithms, checkpointEvery === undefined ? undefined : { every: checkpointEvery, from: resume }),
    Blake3Subtree: () => Effect.die("not used by these tests"),
    SourceSize: ({ source }: { readonly source: Source }) =>
      Effect.succeed(source._tag === "BlobSource" ? source.blob.size : undefined),
    SourceSizes: ({ sources }: { readonly sources: ReadonlyArray<Source> }) =>
      Effect.succeed(sources.map((s) => (s._tag === "BlobSource" ? s.blob.size : undefined))),
    // Small files picked many at once: every item answered at once (a batch is one task on a worker).
    HashBatch: (payload: {
      readonly sources?: ReadonlyArray<Source>
      readonly algorithms: ReadonlyArray<ReadonlyArray<HashAlgorithm>>
      readonly sets?: ReadonlyArray<number>
    }) => {
      // The compact batch (core's HashRpcs.HashBatch): sources out; every digest in one
      // string, every size in one and no failures back.
      const sources = payload.sources ?? []
      batches.push(sources.map(nameOf))
      const algorithmsOf = (i: number) => payload.algorithms[payload.sets?.[i] ?? 0] ?? []
      return Effect.succeed({
        digests: sources.flatMap((source, i) => algorithmsOf(i).map((a) => fakeDigest(a, nameOf(source)))).join(" "),
        sizes: packList(sources.map((source) => String(source._tag === "BlobSource" ? source.blob.size : 0)), " "),
        failures: []
      })
    }
  }
  const layer = Layer.effect(WorkerPool)(Effect.map(SubscriptionRef.make(healthyPool), (health) => ({
    size: options.size ?? 2,
    kind: "inline" as const,
    health,
    client: () => ({
      run: (_policy: unknown, task: (c: typeof client) => unknown) => task(client),
      stream: (_policy: unknown, task: (c: typeof client) => unknown) => task(client)
    }) as never
  })))
  return { tasks, batches, layer }
}

/** Frames that run when the test says so. */
export const makeFrames = () => {
  const pending: Array<() => void> = []
  return {
    scheduleFrame: (flush: () => void) => void pending.push(flush),
    pending: () => pending.length,
    run: () => {
      for (const flush of pending.splice(0)) flush()
    }
  }
}

/** A store over a fake pool, with manual frames. */
export const makeTestJobs = (
  options: {
    readonly size?: number
    readonly auto?: boolean
    readonly checkpoints?: HashJobsOptions["checkpoints"]
    readonly now?: () => number
    readonly yieldTask?: HashJobsOptions["yieldTask"]
  } = {}
) => {
  const pool = makeFakePool(options)
  const frames = makeFrames()
  const runtime = ManagedRuntime.make(pool.layer)
  const jobs = makeHashJobs({
    runtime,
    scheduleFrame: frames.scheduleFrame,
    textDelayMs: 0,
    // Progress published at the next frame: the window of at most 4 a second runs on the
    // real clock, which a test's frames do not wait for (HashJobs.test.ts tests the window).
    progressEveryMs: 0,
    ...(options.checkpoints === undefined ? {} : { checkpoints: options.checkpoints }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.yieldTask === undefined ? {} : { yieldTask: options.yieldTask })
  })
  return { jobs, frames, pool, runtime }
}

/** Waits for fibers to run: frames are run on every turn until `check` holds. */
export const settle = async (frames: { readonly run: () => void }, check: () => boolean, turns = 200) => {
  for (let i = 0; i < turns; i++) {
    frames.run()
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  frames.run()
  if (!check()) throw new Error("condition not reached")
}

export const file = (name: string, content: string | number = "x") =>
  new File([typeof content === "number" ? new Uint8Array(content) : content], name)
