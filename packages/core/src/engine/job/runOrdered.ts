import { Clock, Effect, Queue, Semaphore, Stream } from "effect"
import * as Metrics from "../metrics/Metrics.js"
import type { TaskHints } from "../pool/WorkerPool.js"
import { JobProgress } from "./JobProgress.js"

/** What became of one item: the operation's own result object, with the item's index. */
export interface Outcome {
  readonly index: number
}

/** How an item ended, for the counts of the metrics. */
export type OutcomeKind = "done" | "cached" | "failed"

/** Reports how far one item has got: `bytes` of it so far, out of `total` when known. */
export type Advance = (index: number, bytes: number, total: number | undefined) => Effect.Effect<void>

/** Small items go to the pool together: one request for many, instead of one each. */
export interface Batching {
  /** Items at most this large (and of known size) are batched. */
  readonly smallItemBytes: number
  /** A batch holds at most this many bytes ... */
  readonly maxBytes: number
  /** ... and at most this many items. */
  readonly maxItems: number
}

/**
 * A job over many items, as an operation describes it to `runOrdered`. The operation turns
 * every failure of an item into an outcome of its own: the runner never fails, and a
 * failed item never stops the others.
 */
export interface OrderedJob<O extends Outcome> {
  /** Names the job in the metrics (`hash`, `check`, `keygen`...). */
  readonly pipeline: string
  readonly items: number
  /** How many units run at once (the pool's size). */
  readonly concurrency: number
  /**
   * How many of them may be batches (default: `concurrency`). A batch's small items each
   * cost the calling thread work of its own (the cache's lookup and store, the output), so
   * a pool may leave that thread a core rather than start a worker it cannot keep busy.
   */
  readonly batchConcurrency?: number
  /** Sizes in bytes where known (from the cache's identities, say); undefined where not. */
  readonly sizes?: ReadonlyArray<number | undefined>
  /** Learns the sizes of items the plan needs; undefined where unknown. */
  readonly learnSizes?: (indices: ReadonlyArray<number>) => Effect.Effect<ReadonlyArray<number | undefined>>
  /** Outcomes known before the run (the result cache's answers), by index. */
  readonly known?: ReadonlyMap<number, O>
  readonly batching?: Batching
  /** Runs one item, reporting its progress through `advance`. */
  readonly one: (index: number, advance: Advance, hints: TaskHints) => Effect.Effect<O>
  /** Runs a batch of small items; an outcome for each, in order. */
  readonly batch?: (indices: ReadonlyArray<number>, advance: Advance, hints: TaskHints) => Effect.Effect<ReadonlyArray<O>>
  readonly kind: (outcome: O) => OutcomeKind
  /** The size of an item that is done or cached (what its progress ends at). */
  readonly size: (outcome: O) => number
  /** The metrics' names: the outcome label of a done item (`hashed`), and the phase of the run (`hashing`). */
  readonly labels?: { readonly done?: string; readonly phase?: string }
  /** Called with each unit's outcomes as it ends, before they are emitted: the cache stores here. */
  readonly onUnit?: (outcomes: ReadonlyArray<O>) => Effect.Effect<void>
  /**
   * Looks items up a range at a time before they are planned (the result cache's answers
   * and the sizes its identities give). A job of more than one chunk is then planned as
   * it is looked up: the first chunk's misses go to the pool (which starts its workers)
   * while the next chunks are looked up, instead of every lookup before any work.
   */
  readonly lookup?: Lookup<O>
}

/** What `OrderedJob.lookup` learns of items `from` to `to`, indexed from `from`. */
export interface LookedUp<O> {
  readonly known: ReadonlyArray<O | undefined>
  readonly sizes: ReadonlyArray<number | undefined>
}

export interface Lookup<O> {
  /** Items looked up at once. */
  readonly chunk: number
  readonly run: (from: number, to: number) => Effect.Effect<LookedUp<O>>
}

/** A lone item, a batch of small ones, or a run of outcomes known before the run. */
type Unit<O> = number | { readonly batch: ReadonlyArray<number> } | { readonly known: ReadonlyArray<O> }

/**
 * Splits items `from` to `to` into units, in order: a lone index for a large or unsized
 * item (it runs with progress of its own), a batch of indices for a run of small ones, a
 * run of known outcomes as they are. Sizes the plan needs and does not have are learnt
 * (`learnSizes`) when two items or more are left to run.
 */
const planRange = <O extends Outcome>(
  job: OrderedJob<O>,
  from: number,
  to: number,
  known: (index: number) => O | undefined,
  sizes: Array<number | undefined>
) =>
  Effect.gen(function*() {
    const open: Array<number> = []
    for (let index = from; index < to; index++) if (known(index) === undefined) open.push(index)
    const unknown = open.filter((index) => sizes[index] === undefined)
    if (open.length >= 2 && unknown.length > 0 && job.learnSizes !== undefined) {
      const learnt = yield* job.learnSizes(unknown)
      unknown.forEach((index, i) => sizes[index] = learnt[i])
    }
    let openBytes: number | undefined = 0
    for (const index of open) openBytes = openBytes === undefined || sizes[index] === undefined ? undefined : openBytes + sizes[index]!
    const units: Array<Unit<O>> = []
    let batch: Array<number> = []
    let batchBytes = 0
    let hits: Array<O> = []
    const flush = () => {
      if (batch.length > 0) units.push(batch.length === 1 ? batch[0]! : { batch })
      if (hits.length > 0) units.push({ known: hits })
      batch = []
      batchBytes = 0
      hits = []
    }
    const batching = job.batch === undefined ? undefined : job.batching
    for (let index = from; index < to; index++) {
      const hit = known(index)
      if (hit !== undefined) {
        // Outcomes stay in input order: a known one ends the batch before it.
        if (batch.length > 0) flush()
        hits.push(hit)
        continue
      }
      if (hits.length > 0) flush()
      const size = sizes[index]
      if (batching === undefined || size === undefined || size > batching.smallItemBytes) {
        flush()
        units.push(index)
        continue
      }
      batch.push(index)
      batchBytes += size
      if (batchBytes >= batching.maxBytes || batch.length >= batching.maxItems) flush()
    }
    flush()
    return { units, openBytes }
  })

/** Chunks of a job planned as they are looked up: this many units may wait, planned, for the pool. */
const PLANNED_AHEAD = 64

/**
 * Runs a job over many items on the pool, `concurrency` units at once, and emits each
 * item's outcome in input order, with `JobProgress` events between them (the latest few:
 * a slow reader skips stale ones). Per item the runner does a few array writes and no
 * allocation of its own; progress is a running sum, never recounted; metrics are counted
 * once per unit.
 */
export const runOrdered = <O extends Outcome>(job: OrderedJob<O>): Stream.Stream<O | JobProgress> =>
  Stream.unwrap(Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const progress = yield* Queue.sliding<JobProgress>(16)
    const itemBytes = new Array<number>(job.items).fill(0)
    const itemTotals = new Array<number | undefined>(job.items).fill(undefined)
    let bytes = 0
    let done = 0
    // The job's total is known once every item's is: kept as a running sum.
    let knownTotal = 0
    let unknownTotals = job.items

    const report = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => {
        const total = unknownTotals === 0 ? knownTotal : undefined
        const seconds = Math.max(now - started, 1) / 1000
        Queue.offerUnsafe(
          progress,
          new JobProgress({
            bytes,
            ...(total === undefined ? {} : { total }),
            filesDone: done,
            files: job.items,
            bytesPerSecond: bytes / seconds
          })
        )
      }))
    const note = (index: number, now: number, total: number | undefined) => {
      bytes += now - itemBytes[index]!
      itemBytes[index] = now
      if (total === undefined) return
      const before = itemTotals[index]
      if (before === undefined) unknownTotals--
      knownTotal += total - (before ?? 0)
      itemTotals[index] = total
    }
    const advance: Advance = (index, now, total) => {
      note(index, now, total)
      return report
    }
    const known = job.known ?? new Map<number, O>()
    for (const [index, outcome] of known) note(index, job.size(outcome), job.size(outcome))

    /** What the metrics count of a unit: items by outcome and the bytes read, once per unit. */
    const counted = (outcomes: ReadonlyArray<O>) =>
      Effect.suspend(() => {
        let ran = 0
        let cached = 0
        let failed = 0
        let read = 0
        for (const outcome of outcomes) {
          const kind = job.kind(outcome)
          if (kind === "failed") failed++
          else if (kind === "cached") cached++
          else {
            ran++
            const size = job.size(outcome)
            read += size
            // An item's final size, whatever its progress said.
            note(outcome.index, size, size)
          }
        }
        const pipeline = job.pipeline
        return Effect.all([
          ran > 0 ? Metrics.record(Metrics.files, ran, { outcome: doneLabel, pipeline }) : Effect.void,
          cached > 0 ? Metrics.record(Metrics.files, cached, { outcome: "cached", pipeline }) : Effect.void,
          failed > 0 ? Metrics.record(Metrics.files, failed, { outcome: "failed", pipeline }) : Effect.void,
          read > 0 ? Metrics.record(Metrics.bytes, read, { pipeline }) : Effect.void
        ], { discard: true })
      })

    const doneLabel = job.labels?.done ?? "done"
    const sizes: Array<number | undefined> = job.sizes === undefined ? new Array(job.items).fill(undefined) : [...job.sizes]
    const lookup = job.lookup
    /** Looks items up and notes what is known (its progress is complete); a function of the index for the plan. */
    const lookUp = (from: number, to: number) =>
      lookup === undefined ? Effect.succeed((index: number) => known.get(index)) : Effect.map(lookup.run(from, to), (found) => {
        for (let i = 0; i < to - from; i++) {
          const index = from + i
          const hit = found.known[i]
          if (sizes[index] === undefined) sizes[index] = found.sizes[i]
          if (hit !== undefined && !known.has(index)) note(index, job.size(hit), job.size(hit))
        }
        return (index: number) => known.get(index) ?? found.known[index - from]
      })
    // One chunk (or no lookup): planned whole, its open bytes a hint to the pool (a small
    // job may run on this thread). More: planned a chunk at a time as the units are taken.
    const whole = lookup === undefined || job.items <= lookup.chunk
    let hints: TaskHints = { jobBytes: undefined }
    let planned: Stream.Stream<Unit<O>>
    if (whole) {
      const plan = yield* Effect.flatMap(lookUp(0, job.items), (isKnown) => planRange(job, 0, job.items, isKnown, sizes))
      hints = { jobBytes: plan.openBytes }
      planned = Stream.fromIterable(plan.units)
    } else {
      const chunk = Math.max(1, Math.floor(lookup.chunk))
      const starts = Array.from({ length: Math.ceil(job.items / chunk) }, (_, i) => i * chunk)
      planned = Stream.fromIterable(starts).pipe(
        Stream.mapEffect((from) => {
          const to = Math.min(job.items, from + chunk)
          // Each chunk then lets the event loop turn: the pool's first worker (its module
          // loaded, its thread spawned) starts while the next chunks are looked up.
          return Effect.flatMap(lookUp(from, to), (isKnown) => planRange(job, from, to, isKnown, sizes)).pipe(
            Effect.map((plan) => plan.units),
            Effect.tap(Effect.yieldNow)
          )
        }),
        Stream.flattenIterable,
        Stream.buffer({ capacity: PLANNED_AHEAD })
      )
    }
    const batches = job.batchConcurrency === undefined || job.batchConcurrency >= job.concurrency
      ? undefined
      : Semaphore.makeUnsafe(Math.max(1, job.batchConcurrency))
    const runBatch = (indices: ReadonlyArray<number>) => {
      const batch = job.batch!(indices, advance, hints)
      // The next batch, waiting for the permit, is sent before this one's outcomes are
      // handled (stored, printed): its worker hashes while this thread does that work.
      return batches === undefined ? batch : Effect.tap(batches.withPermits(1)(batch), () => Effect.yieldNow)
    }
    const run = (unit: Unit<O>): Effect.Effect<ReadonlyArray<O>> =>
      typeof unit === "number"
        ? Effect.map(job.one(unit, advance, hints), (outcome) => [outcome])
        : "batch" in unit
        ? runBatch(unit.batch)
        : Effect.succeed(unit.known)

    const runStarted = yield* Clock.currentTimeMillis
    const results = planned.pipe(
      Stream.mapEffect(
        (unit) =>
          (typeof unit === "object" && "known" in unit ? run(unit) : Metrics.timed(Metrics.unitMs, run(unit))).pipe(
            Effect.tap((outcomes) => job.onUnit?.(outcomes) ?? Effect.void),
            Effect.tap(counted),
            Effect.tap((outcomes) => {
              done += outcomes.length
              return report
            })
          ),
        { concurrency: job.concurrency }
      ),
      Stream.flattenIterable
    )
    const finished = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Metrics.record(Metrics.phaseMs, now - runStarted, { phase: job.labels?.phase ?? "run" }))
    return Stream.merge(results.pipe(Stream.ensuring(finished)), Stream.fromQueue(progress), { haltStrategy: "left" })
  }))
