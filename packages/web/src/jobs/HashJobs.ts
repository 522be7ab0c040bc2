import {
  BlobSource,
  DEFAULT_PARALLEL_THRESHOLD,
  type Digests,
  type FileFailed,
  type FileHashed,
  hashFiles,
  type HashAlgorithm,
  SMALL_SOURCE_BYTES,
  type JobProgress,
  ResultCache,
  WorkerPool
} from "@sluice/core"
import { Cause, Context, Effect, Exit, Fiber, type ManagedRuntime, Semaphore, Stream } from "effect"
import type { Checkpoints, JobCheckpoint } from "../resume/Checkpoints.js"
import { type JobActivity, makeActivityLedger } from "./activity.js"
import { describeFailure, type Failure, unexpectedFailure } from "./failure.js"

export type RowStatus = "queued" | "hashing" | "done" | "failed" | "cancelled"

/** One file as the UI shows it. Rows are immutable; a row that did not change keeps its identity. */
export interface HashRow {
  readonly id: number
  /** The path the user sees: relative to the dropped or picked folder, or the file name. */
  readonly name: string
  readonly size: number
  readonly algorithms: ReadonlyArray<HashAlgorithm>
  readonly status: RowStatus
  /** Bytes hashed so far. */
  readonly bytes: number
  /** Measured from the moment this file got a worker; 0 before anything is known. */
  readonly bytesPerSecond: number
  readonly etaSeconds: number | undefined
  readonly digests: Digests
  readonly failure: Failure | undefined
  /** Set once the row can be hashed again (it still holds its file). */
  readonly retryable: boolean
  /** Where this run started, when it went on from a checkpoint of an earlier one. */
  readonly resumedAt: number | undefined
  /** Done without reading the file: the result cache had its digests, and it had not changed since. */
  readonly cached: boolean
}

export interface TextDigest {
  /** The text `digests` belong to; while a newer text is hashing it still shows the previous one. */
  readonly text: string
  readonly status: "idle" | "hashing" | "done" | "failed"
  readonly digests: Digests
  readonly failure: Failure | undefined
}

export interface HashJobsSnapshot {
  readonly rows: ReadonlyArray<HashRow>
  readonly text: TextDigest
}

/** A file to hash, under the name the user knows it by. */
export interface PickedFile {
  readonly path: string
  readonly file: Blob
}

/** What the store needs from the app's ManagedRuntime. */
export type JobRuntime = Pick<ManagedRuntime.ManagedRuntime<WorkerPool, unknown>, "runFork">

export interface HashJobsOptions {
  readonly runtime: JobRuntime
  /** Runs `flush` before the next paint; the store publishes at most once per call. */
  readonly scheduleFrame: (flush: () => void) => void
  readonly now?: () => number
  /** Typing pauses this long before the text is hashed. */
  readonly textDelayMs?: number
  /** Makes large files resumable across reloads; without it every file hashes from its start. */
  readonly checkpoints?: Pick<Checkpoints, "open">
  /**
   * Asked as each file starts: false runs it without the runtime's result cache (nothing
   * read from it, nothing stored). Without it, files use the cache when the runtime has one.
   */
  readonly useCache?: () => boolean
  /** Runs `task` in a later task of the event loop (picks of many files are listed slice by slice); defaults to a MessageChannel. */
  readonly yieldTask?: (task: () => void) => void
  /** Progress alone (bytes, rate, time left) is published at most this often; anything else at the next frame. */
  readonly progressEveryMs?: number
}

/**
 * Progress alone is published at most this often (4 a second): each publication is a
 * render, style, layout and paint of the rows that moved, on a main thread and frame
 * threads that take turns with the hashing workers for the same cores. A worker reports
 * every 100 ms per file, so two files at once asked for up to 20 frames a second.
 */
export const PROGRESS_EVERY_MS = 250

export interface HashJobs {
  readonly subscribe: (listener: () => void) => () => void
  readonly getSnapshot: () => HashJobsSnapshot
  readonly addFiles: (files: ReadonlyArray<PickedFile>, algorithms: ReadonlyArray<HashAlgorithm>) => void
  /** A row for something that could not even be listed (an unreadable folder). */
  readonly addUnreadable: (path: string, failure: Failure) => void
  readonly cancel: (id: number) => void
  readonly cancelAll: () => void
  /** Hashes a row's file again, with other algorithms if given. */
  readonly retry: (id: number, algorithms?: ReadonlyArray<HashAlgorithm>) => void
  readonly remove: (id: number) => void
  readonly clearFinished: () => void
  readonly hashText: (text: string, algorithms: ReadonlyArray<HashAlgorithm>) => void
  /** Bytes read and worker time so far, files in progress included (the Performance page's live figures). */
  readonly activity: () => JobActivity
  /** A file is waiting to hash or hashing (from the moment it is added: before its first task starts). */
  readonly busy: () => boolean
  readonly dispose: () => void
}

interface RowState {
  readonly id: number
  readonly name: string
  readonly size: number
  readonly blob: Blob | undefined
  algorithms: ReadonlyArray<HashAlgorithm>
  status: RowStatus
  bytes: number
  /** The checkpoint this run was offered, until its first progress tells whether it was used. */
  offeredFrom: number | undefined
  resumedAt: number | undefined
  cached: boolean
  /** The latest run; a retry starts another while the last one may still be winding down. */
  run: RunState
  startedAt: number | undefined
  endedAt: number | undefined
  digests: Digests
  failure: Failure | undefined
  fiber: Fiber.Fiber<unknown, unknown> | undefined
  /** The group this row's file is hashed in, when it is small and came with others. */
  group: Group | undefined
}

/**
 * Small files picked together are hashed as one `hashFiles` job (the engine sends them to
 * the workers in batches): one fiber, one permit and one stream of events for up to
 * `GROUP_FILES` files, where a fiber per file cost a round trip and a frame of bookkeeping
 * each. A row of a group is cancelled on its own (its result is dropped); the group's
 * fiber stops once none of its rows is wanted.
 */
interface Group {
  readonly id: number
  readonly rows: ReadonlyArray<RowState>
  fiber: Fiber.Fiber<unknown, unknown> | undefined
}

/** Files at most this large are hashed in groups (the engine's own limit for batching). */
export const GROUP_FILE_BYTES = SMALL_SOURCE_BYTES
/** Files in one group: the engine's largest batch, so a group is one task on one worker. */
export const GROUP_FILES = 128
/** Picks of fewer files hash each on its own (its own progress and worker task); from this many on, small ones in groups. */
export const GROUP_FROM_FILES = 16

/** Main-thread time one slice of a pick may take before the rest waits for a later task. */
export const ADD_SLICE_MS = 8

interface Adding {
  stopped: boolean
}

/** A later task, through a MessageChannel: `setTimeout(0)` is clamped to 4 ms once nested. */
const nextTask = (task: () => void): void => {
  if (typeof MessageChannel === "undefined") {
    setTimeout(task, 0)
    return
  }
  const channel = new MessageChannel()
  channel.port1.onmessage = () => {
    channel.port1.close()
    task()
  }
  channel.port2.postMessage(undefined)
}

interface RunState {
  /** Completed, or cancelled by the person (not by the page going away): its checkpoint goes. */
  forgetCheckpoint: boolean
}

const isActive = (status: RowStatus): boolean => status === "queued" || status === "hashing"

const EMPTY_TEXT: TextDigest = { text: "", status: "idle", digests: {}, failure: undefined }

const blobSource = (name: string, blob: Blob): BlobSource => new BlobSource({ name, blob })

/** `effect` as if the runtime had no result cache. */
const withoutCache = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.updateContext(effect, (context: Context.Context<R>) => Context.omit(ResultCache.ResultCache)(context) as Context.Context<R>)

const defectMessage = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

/**
 * The web app's job logic: one `hashFiles` stream per file, each in its own fiber so that
 * one file can be cancelled, at most `pool.size` at a time so that a waiting file reads
 * as queued and its rate is measured from when it starts. Events mutate private state;
 * subscribers see a new snapshot at most once per frame.
 */
export const makeHashJobs = (options: HashJobsOptions): HashJobs => {
  const { runtime, scheduleFrame } = options
  const now = options.now ?? (() => performance.now())
  const textDelayMs = options.textDelayMs ?? 120

  const states = new Map<number, RowState>()
  let order: Array<number> = []
  const published = new Map<number, HashRow>()
  const dirty = new Set<number>()
  let nextId = 1
  let nextGroupId = 1
  /** Picks still being listed, slice by slice; cancelling all or leaving stops them. */
  const pending = new Set<Adding>()
  const yieldTask = options.yieldTask ?? nextTask
  const stopAdding = () => {
    for (const adding of pending) adding.stopped = true
    pending.clear()
  }
  let permits: Semaphore.Semaphore | undefined

  const ledger = makeActivityLedger()

  let textState: TextDigest = EMPTY_TEXT
  let textFiber: Fiber.Fiber<unknown, unknown> | undefined

  let snapshot: HashJobsSnapshot = { rows: [], text: EMPTY_TEXT }
  const listeners = new Set<() => void>()
  let scheduled = false
  let orderChanged = false
  let textChanged = false

  const toRow = (state: RowState, at: number): HashRow => {
    const end = state.endedAt ?? at
    const seconds = state.startedAt === undefined ? 0 : (end - state.startedAt) / 1000
    const hashed = state.cached ? 0 : state.bytes - (state.resumedAt ?? 0)
    const bytesPerSecond = seconds > 0 && hashed > 0 ? hashed / seconds : 0
    const remaining = state.size - state.bytes
    return {
      id: state.id,
      name: state.name,
      size: state.size,
      algorithms: state.algorithms,
      status: state.status,
      bytes: state.bytes,
      bytesPerSecond,
      etaSeconds: state.status === "hashing" && bytesPerSecond > 0 ? remaining / bytesPerSecond : undefined,
      digests: state.digests,
      failure: state.failure,
      retryable: state.blob !== undefined && (state.status === "failed" || state.status === "cancelled"),
      resumedAt: state.resumedAt,
      cached: state.cached
    }
  }

  const flush = () => {
    scheduled = false
    if (dirty.size === 0 && !orderChanged && !textChanged) return
    const at = now()
    for (const id of dirty) {
      const state = states.get(id)
      if (state !== undefined) published.set(id, toRow(state, at))
    }
    dirty.clear()
    orderChanged = false
    textChanged = false
    snapshot = { rows: order.map((id) => published.get(id)!), text: textState }
    for (const listener of listeners) listener()
  }

  const schedule = () => {
    if (scheduled) return
    scheduled = true
    scheduleFrame(flush)
  }

  // Progress alone: published at once if nothing was for `progressEveryMs`, otherwise
  // when that window ends (the next change of status publishes it sooner).
  const progressEveryMs = options.progressEveryMs ?? PROGRESS_EVERY_MS
  let progressWindow: ReturnType<typeof setTimeout> | undefined
  let progressWaiting = false
  const openProgressWindow = () => {
    progressWindow = setTimeout(() => {
      progressWindow = undefined
      if (!progressWaiting) return
      progressWaiting = false
      schedule()
      openProgressWindow()
    }, progressEveryMs)
  }

  const touch = (state: RowState, progressOnly = false) => {
    dirty.add(state.id)
    if (!progressOnly || progressEveryMs <= 0) {
      schedule()
      return
    }
    if (progressWindow !== undefined) {
      progressWaiting = !scheduled
      return
    }
    schedule()
    openProgressWindow()
  }

  const onEvent = (state: RowState, event: FileHashed | FileFailed | JobProgress) => {
    if (state.status !== "hashing") return
    switch (event._tag) {
      case "JobProgress":
        // A checkpoint that does not fit is ignored by the worker: then progress starts near 0.
        if (state.offeredFrom !== undefined) {
          if (event.bytes >= state.offeredFrom) state.resumedAt = state.offeredFrom
          state.offeredFrom = undefined
        }
        state.bytes = event.bytes
        // A cache answer arrives as progress to the full size, then FileHashed says it was cached.
        if (event.bytes < state.size) ledger.read(state.id, event.bytes - (state.resumedAt ?? 0))
        touch(state, true)
        return
      case "FileHashed":
        state.run.forgetCheckpoint = true
        state.status = "done"
        state.bytes = event.bytes
        state.digests = event.digests as Digests
        state.cached = event.cached === true
        state.endedAt = now()
        if (!state.cached) ledger.read(state.id, event.bytes - (state.resumedAt ?? 0))
        ledger.stop(state.id, state.endedAt)
        break
      case "FileFailed":
        state.status = "failed"
        state.failure = describeFailure(event.reason)
        state.endedAt = now()
        ledger.stop(state.id, state.endedAt)
        break
    }
    touch(state)
  }

  const onExit = (state: RowState, fiber: Fiber.Fiber<unknown, unknown>, exit: Exit.Exit<unknown, unknown>) => {
    if (state.fiber !== fiber) return
    state.fiber = undefined
    if (!isActive(state.status)) return
    state.endedAt = now()
    ledger.stop(state.id, state.endedAt)
    if (Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) {
      state.status = "cancelled"
    } else {
      state.status = "failed"
      state.failure = unexpectedFailure(
        Exit.isFailure(exit) ? defectMessage(exit.cause) : "the hashing stream ended without a result"
      )
    }
    touch(state)
  }

  const groupExit = (group: Group, fiber: Fiber.Fiber<unknown, unknown>, exit: Exit.Exit<unknown, unknown>) => {
    ledger.stop(-group.id, now())
    if (group.fiber !== fiber) return
    group.fiber = undefined
    for (const state of group.rows) {
      if (state.group !== group || !isActive(state.status)) continue
      state.group = undefined
      state.endedAt = now()
      if (Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) {
        state.status = "cancelled"
      } else {
        state.status = "failed"
        state.failure = unexpectedFailure(
          Exit.isFailure(exit) ? defectMessage(exit.cause) : "the hashing stream ended without a result"
        )
      }
      touch(state)
    }
  }

  /** Hashes small files as one job: rows say Hashing when it gets a permit, Done as each file's digests come. */
  const startGroup = (rows: ReadonlyArray<RowState>, algorithms: ReadonlyArray<HashAlgorithm>) => {
    const group: Group = { id: nextGroupId++, rows, fiber: undefined }
    for (const state of rows) {
      state.group = group
      state.run = { forgetCheckpoint: false }
    }
    const job = Effect.gen(function*() {
      const pool = yield* WorkerPool
      permits ??= Semaphore.makeUnsafe(Math.max(1, pool.size))
      yield* permits.withPermit(Effect.suspend(() => {
        const live = rows.filter((state) => state.group === group && state.status === "queued" && state.blob !== undefined)
        if (live.length === 0) return Effect.void
        const at = now()
        for (const state of live) {
          state.status = "hashing"
          state.startedAt = at
          touch(state)
        }
        ledger.start(-group.id, at, 1)
        let read = 0
        return hashFiles(live.map((state) => blobSource(state.name, state.blob!)), { algorithms }).pipe(
          Stream.runForEach((event) =>
            Effect.sync(() => {
              if (event._tag === "JobProgress") return
              const state = live[event.index]
              if (state === undefined || state.group !== group) return
              if (event._tag === "FileHashed" && event.cached !== true) {
                read += event.bytes
                ledger.read(-group.id, read)
              }
              onEvent(state, event)
            })
          )
        )
      }))
    })
    const fiber: Fiber.Fiber<unknown, unknown> = runtime.runFork(options.useCache?.() === false ? withoutCache(job) : job)
    group.fiber = fiber
    fiber.addObserver((exit) => groupExit(group, fiber, exit))
  }

  const start = (state: RowState) => {
    state.group = undefined
    const blob = state.blob
    if (blob === undefined) return
    const source = blobSource(state.name, blob)
    const algorithms = state.algorithms
    const run: RunState = { forgetCheckpoint: false }
    state.run = run
    const hash = (checkpoint: JobCheckpoint | undefined) =>
      Effect.gen(function*() {
        const pool = yield* WorkerPool
        permits ??= Semaphore.makeUnsafe(Math.max(1, pool.size))
        // BLAKE3 alone is spread over every worker, which a checkpointed hash cannot be:
        // on several workers it finishes sooner than a resume would save.
        const blake3Alone = pool.size > 1 && algorithms.length === 1 && algorithms[0] === "blake3"
        if (blake3Alone) checkpoint = undefined
        const spreadOverPool = blake3Alone && blob.size >= DEFAULT_PARALLEL_THRESHOLD
        yield* permits.withPermit(Effect.suspend(() => {
          state.status = "hashing"
          state.startedAt = now()
          state.offeredFrom = checkpoint?.options.from?.bytes
          ledger.start(state.id, state.startedAt, spreadOverPool ? pool.size : 1)
          touch(state)
          return hashFiles([source], { algorithms, checkpoint: checkpoint?.options }).pipe(
            Stream.runForEach((event) => Effect.sync(() => onEvent(state, event)))
          )
        }))
      })
    const checkpoints = options.checkpoints
    const job = checkpoints === undefined ? hash(undefined) : Effect.acquireUseRelease(
      checkpoints.open(blob, state.name, algorithms),
      hash,
      // Done or cancelled: nothing to resume. Failed, or stopped with the page: kept for next time.
      (checkpoint) => checkpoint === undefined ? Effect.void : run.forgetCheckpoint ? checkpoint.forget : checkpoint.close
    )
    const fiber: Fiber.Fiber<unknown, unknown> = runtime.runFork(options.useCache?.() === false ? withoutCache(job) : job)
    state.fiber = fiber
    fiber.addObserver((exit) => onExit(state, fiber, exit))
  }

  const interrupt = (fiber: Fiber.Fiber<unknown, unknown> | undefined) => {
    if (fiber !== undefined) Effect.runFork(Fiber.interrupt(fiber))
  }

  const cancel = (id: number, forgetCheckpoint = true) => {
    const state = states.get(id)
    if (state === undefined || !isActive(state.status)) return
    state.run.forgetCheckpoint = forgetCheckpoint
    state.status = "cancelled"
    state.endedAt = now()
    ledger.stop(state.id, state.endedAt)
    const fiber = state.fiber
    state.fiber = undefined
    interrupt(fiber)
    const group = state.group
    if (group !== undefined && !group.rows.some((row) => row.group === group && isActive(row.status))) {
      const groupFiber = group.fiber
      group.fiber = undefined
      interrupt(groupFiber)
    }
    touch(state)
  }

  const append = (state: RowState) => {
    states.set(state.id, state)
    order.push(state.id)
    orderChanged = true
    touch(state)
  }

  const removeWhere = (predicate: (state: RowState) => boolean) => {
    const removed = order.filter((id) => predicate(states.get(id)!))
    if (removed.length === 0) return
    for (const id of removed) {
      cancel(id)
      states.delete(id)
      published.delete(id)
      dirty.delete(id)
    }
    const gone = new Set(removed)
    order = order.filter((id) => !gone.has(id))
    orderChanged = true
    schedule()
  }

  const hashText = (text: string, algorithms: ReadonlyArray<HashAlgorithm>) => {
    interrupt(textFiber)
    textFiber = undefined
    textChanged = true
    if (text === "" || algorithms.length === 0) {
      textState = EMPTY_TEXT
      schedule()
      return
    }
    textState = { ...textState, status: "hashing" }
    schedule()
    const source = blobSource("text", new Blob([text]))
    const job = Effect.sleep(textDelayMs).pipe(
      Effect.andThen(hashFiles([source], { algorithms }).pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => {
            if (event._tag === "FileHashed") {
              textState = { text, status: "done", digests: event.digests as Digests, failure: undefined }
            } else if (event._tag === "FileFailed") {
              textState = { text, status: "failed", digests: {}, failure: describeFailure(event.reason) }
            } else {
              return
            }
            textChanged = true
            schedule()
          })
        )
      ))
    )
    const fiber: Fiber.Fiber<unknown, unknown> = runtime.runFork(job)
    textFiber = fiber
    fiber.addObserver((exit) => {
      if (textFiber !== fiber) return
      textFiber = undefined
      if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
        textState = { text, status: "failed", digests: {}, failure: unexpectedFailure(defectMessage(exit.cause)) }
        textChanged = true
        schedule()
      }
    })
  }

  return {
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    getSnapshot: () => snapshot,
    addFiles: (files, algorithms) => {
      let small: Array<RowState> = []
      const flushSmall = () => {
        if (small.length > 1) startGroup(small, algorithms)
        else for (const state of small) start(state)
        small = []
      }
      const addOne = (file: Blob, path: string) => {
        const state: RowState = {
          id: nextId++,
          name: path,
          // A picked File's size is a synchronous round trip to the browser the first time (~1 ms).
          size: file.size,
          blob: file,
          algorithms,
          status: "queued",
          bytes: 0,
          offeredFrom: undefined,
          resumedAt: undefined,
          cached: false,
          run: { forgetCheckpoint: false },
          startedAt: undefined,
          endedAt: undefined,
          digests: {},
          failure: undefined,
          fiber: undefined,
          group: undefined
        }
        append(state)
        if (files.length < GROUP_FROM_FILES || file.size > GROUP_FILE_BYTES || algorithms.length === 0) {
          start(state)
          return
        }
        small.push(state)
        if (small.length === GROUP_FILES) flushSmall()
      }
      // Files are listed in slices of at most ADD_SLICE_MS, each in its own task, so that
      // picking 1,000 files never holds the main thread; the first slice runs now.
      let next = 0
      const adding: Adding = { stopped: false }
      const step = () => {
        if (adding.stopped) return
        const until = now() + ADD_SLICE_MS
        while (next < files.length) {
          const { file, path } = files[next++]!
          addOne(file, path)
          if (now() >= until) break
        }
        if (next < files.length) {
          if (small.length > 0 && small.length >= GROUP_FILES / 2) flushSmall()
          yieldTask(step)
          return
        }
        pending.delete(adding)
        flushSmall()
      }
      pending.add(adding)
      step()
    },
    addUnreadable: (path, failure) =>
      append({
        id: nextId++,
        name: path,
        size: 0,
        blob: undefined,
        algorithms: [],
        status: "failed",
        bytes: 0,
        offeredFrom: undefined,
        resumedAt: undefined,
        cached: false,
        run: { forgetCheckpoint: false },
        startedAt: undefined,
        endedAt: undefined,
        digests: {},
        failure,
        fiber: undefined,
        group: undefined
      }),
    cancel: (id) => cancel(id),
    cancelAll: () => {
      stopAdding()
      for (const id of order) cancel(id)
    },
    retry: (id, algorithms) => {
      const state = states.get(id)
      if (state === undefined || state.blob === undefined || isActive(state.status)) return
      if (algorithms !== undefined) state.algorithms = algorithms
      state.status = "queued"
      state.bytes = 0
      state.offeredFrom = undefined
      state.resumedAt = undefined
      state.cached = false
      state.startedAt = undefined
      state.endedAt = undefined
      state.digests = {}
      state.failure = undefined
      touch(state)
      start(state)
    },
    remove: (id) => removeWhere((state) => state.id === id),
    clearFinished: () => removeWhere((state) => !isActive(state.status)),
    hashText,
    activity: () => ledger.at(now()),
    busy: () => {
      for (const state of states.values()) if (isActive(state.status)) return true
      return false
    },
    dispose: () => {
      // The page goes away, the person did not cancel: checkpoints stay for next time.
      stopAdding()
      if (progressWindow !== undefined) clearTimeout(progressWindow)
      progressWindow = undefined
      for (const id of order) cancel(id, false)
      interrupt(textFiber)
      textFiber = undefined
      listeners.clear()
    }
  }
}
