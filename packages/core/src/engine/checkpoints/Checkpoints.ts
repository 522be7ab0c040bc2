/**
 * Checkpoints of resumable jobs, kept across crashes, kills and reloads so that a later run
 * goes on where one stopped: a hash's hasher states and offset, a check's tally. One record
 * per job, under the job's key (its canonical JSON: what it reads and how), written with
 * the content identity of its input (`checkpointIdentity`): a record of another identity,
 * another format or version of its kind, or older than `staleAfterMs`, is never returned.
 * Records are typed by their kind's schema and written only when the `CheckpointPolicy`
 * allows what the kind declares it holds; a secret is never written.
 *
 * Storage is a `CheckpointLevel` (a directory, IndexedDB, memory). A level that fails
 * costs resumability only: `open` never fails, and its saves never fail the job.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { ContentIdentity } from "../cache/ResultCache.js"
import { UNREADABLE_FINGERPRINT } from "../cache/fingerprint.js"
import {
  CHECKPOINT_FORMAT,
  type CheckpointFailed,
  type CheckpointLevel,
  isStoredCheckpoint,
  type StoredCheckpoint
} from "./CheckpointLevel.js"
import * as CheckpointPolicy from "./CheckpointPolicy.js"
import type { CheckpointKind } from "./CheckpointPolicy.js"

/** Records nobody resumed for this long are ignored, and removed by `pruneStale`. */
export const DEFAULT_STALE_AFTER_MS = 30 * 24 * 60 * 60 * 1000

/**
 * The identity a checkpoint is written with: the platform's content identity (the one the
 * result cache uses: `identifyFile` in Node, `identifyBlob` in a page) and its fingerprint
 * of sampled blocks, so that a file whose metadata stayed but whose bytes did not is hashed
 * from the start. Undefined when the samples cannot be read: no checkpoint then.
 */
export const checkpointIdentity = (identity: ContentIdentity): Effect.Effect<string | undefined> =>
  Effect.map(identity.fingerprint, (fingerprint) =>
    fingerprint === UNREADABLE_FINGERPRINT ? undefined : `${identity.key}\u0000${fingerprint}`)

/** The key of `job`: its JSON (give arrays in a canonical order, e.g. sorted algorithms). */
export const jobKey = (job: unknown): string => JSON.stringify(job)

/** A kept record of `kind`, for a front end to list what is unfinished. */
export interface Unfinished<A> {
  readonly key: string
  readonly job: unknown
  readonly identity: string
  readonly savedAt: number
  readonly record: A
}

/** One job's checkpoint, opened: what an earlier run left, and how to replace or drop it. */
export interface JobCheckpoint<A> {
  readonly previous: A | undefined
  /**
   * Keeps `record` as the job's checkpoint; never fails. Written at once, or, when the job
   * was opened with `saveIntervalMs`, at most once per interval in the background (a later
   * record replaces one not yet written).
   */
  readonly save: (record: A) => Effect.Effect<void>
  /** The job stopped but may be resumed: the latest record saved is written and kept. */
  readonly close: Effect.Effect<void>
  /** The job completed or was cancelled: later saves are dropped and the record removed. */
  readonly forget: Effect.Effect<void>
}

export interface OpenOptions {
  /** At most one write per this many ms, one at a time, in the background; 0 or absent: each save writes. */
  readonly saveIntervalMs?: number
}

export interface CheckpointsService {
  readonly level: string
  /** Writes `record` for `job` on input `identity`; a kind the policy refuses is a defect (`CheckpointRefused`). */
  readonly save: <A, I>(job: unknown, identity: string, kind: CheckpointKind<A, I>, record: A) => Effect.Effect<void, CheckpointFailed>
  /** The record kept for `job` when it was written for `identity` by this kind and version, and is not stale. */
  readonly load: <A, I>(job: unknown, identity: string, kind: CheckpointKind<A, I>) => Effect.Effect<A | undefined, CheckpointFailed>
  readonly forget: (jobs: ReadonlyArray<unknown>) => Effect.Effect<void, CheckpointFailed>
  /** Forgets by key (as `Unfinished.key` gives them). */
  readonly forgetKeys: (keys: ReadonlyArray<string>) => Effect.Effect<void, CheckpointFailed>
  /** Records of `kind` left unfinished, newest first; removes its records that no longer decode. */
  readonly unfinished: <A, I>(kind: CheckpointKind<A, I>) => Effect.Effect<ReadonlyArray<Unfinished<A>>, CheckpointFailed>
  /** Removes stale records, and records of another format; returns how many went. */
  readonly pruneStale: Effect.Effect<number, CheckpointFailed>
  /**
   * Opens `job`'s checkpoint: the record an earlier run left for this identity (one for
   * another identity is removed), and how to save. Never fails; a level that fails only
   * makes the job start from the beginning.
   */
  readonly open: <A, I>(
    job: unknown,
    identity: string,
    kind: CheckpointKind<A, I>,
    options?: OpenOptions
  ) => Effect.Effect<JobCheckpoint<A>>
}

export class Checkpoints extends Context.Service<Checkpoints, CheckpointsService>()("@sluice/core/Checkpoints") {}

export interface CheckpointsOptions {
  readonly level: CheckpointLevel
  /** Defaults to `CheckpointPolicy.publicOnly`. */
  readonly policy?: CheckpointPolicy.CheckpointPolicy
  readonly staleAfterMs?: number
  readonly now?: () => number
}

export const make = (options: CheckpointsOptions): CheckpointsService => {
  const { level } = options
  const policy = options.policy ?? CheckpointPolicy.publicOnly
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS
  const now = options.now ?? Date.now

  const allowed = (kind: CheckpointKind<any, any>): Effect.Effect<void> => {
    const refused = CheckpointPolicy.refusal(policy, kind)
    return refused === undefined ? Effect.void : Effect.die(refused)
  }

  const decode = <A, I>(kind: CheckpointKind<A, I>, stored: StoredCheckpoint): A | undefined =>
    stored.kind === kind.name && stored.version === kind.version
      ? Option.getOrUndefined(Schema.decodeUnknownOption(kind.schema)(stored.state))
      : undefined

  const isStale = (stored: StoredCheckpoint) => now() - stored.savedAt > staleAfterMs

  const save: CheckpointsService["save"] = (job, identity, kind, record) =>
    Effect.gen(function*() {
      yield* allowed(kind)
      const state = yield* Effect.orDie(Schema.encodeUnknownEffect(kind.schema)(record))
      yield* level.put({
        key: jobKey(job),
        format: CHECKPOINT_FORMAT,
        job,
        identity,
        kind: kind.name,
        version: kind.version,
        savedAt: now(),
        state
      })
    })

  /** The record under `job`'s key: usable, or to remove (another identity, version, damaged, stale). */
  const read = <A, I>(job: unknown, identity: string, kind: CheckpointKind<A, I>) =>
    Effect.map(level.get(jobKey(job)), (stored) => {
      if (stored === undefined) return { record: undefined, outdated: false }
      if (!isStoredCheckpoint(stored) || stored.identity !== identity || isStale(stored)) return { record: undefined, outdated: true }
      const record = decode(kind, stored)
      return { record, outdated: record === undefined }
    })

  const forgetKeys = (keys: ReadonlyArray<string>) => keys.length === 0 ? Effect.void : level.remove(keys)

  const open = <A, I>(
    job: unknown,
    identity: string,
    kind: CheckpointKind<A, I>,
    openOptions: OpenOptions = {}
  ): Effect.Effect<JobCheckpoint<A>> =>
    Effect.gen(function*() {
      yield* allowed(kind)
      const key = jobKey(job)
      const found: { readonly record: A | undefined; readonly outdated: boolean } = yield* Effect.orElseSucceed(
        read(job, identity, kind),
        () => ({ record: undefined, outdated: false })
      )
      if (found.outdated) yield* Effect.ignore(level.remove([key]))
      const write = (record: A) => Effect.ignore(save(job, identity, kind, record))
      const interval = openOptions.saveIntervalMs ?? 0
      if (interval <= 0) {
        let ended = false
        return {
          previous: found.record,
          save: (record) => Effect.suspend(() => ended ? Effect.void : write(record)),
          close: Effect.sync(() => void (ended = true)),
          forget: Effect.suspend(() => {
            ended = true
            return Effect.ignore(level.remove([key]))
          })
        } satisfies JobCheckpoint<A>
      }
      const throttle = makeThrottle((record: A) => Effect.runPromise(write(record)), interval, now)
      let ended = false
      const end = (keep: boolean) =>
        Effect.suspend(() => {
          if (ended) return Effect.void
          ended = true
          return Effect.andThen(
            Effect.promise(() => throttle.stop(keep)),
            keep ? Effect.void : Effect.ignore(level.remove([key]))
          )
        })
      return {
        previous: found.record,
        save: (record) => Effect.sync(() => throttle.offer(record)),
        close: end(true),
        forget: end(false)
      } satisfies JobCheckpoint<A>
    })

  return {
    level: level.name,
    save,
    load: (job, identity, kind) => Effect.map(read(job, identity, kind), (found) => found.record),
    forget: (jobs) => forgetKeys(jobs.map(jobKey)),
    forgetKeys,
    unfinished: (kind) =>
      Effect.gen(function*() {
        const all = yield* level.list
        const usable: Array<Unfinished<any>> = []
        const damaged: Array<string> = []
        for (const { key, record } of all) {
          if (!isStoredCheckpoint(record) || record.kind !== kind.name || isStale(record)) continue
          const decoded = decode(kind, record)
          if (decoded === undefined) damaged.push(key)
          else usable.push({ key, job: record.job, identity: record.identity, savedAt: record.savedAt, record: decoded })
        }
        if (damaged.length > 0) yield* Effect.ignore(level.remove(damaged))
        return usable.sort((a, b) => b.savedAt - a.savedAt)
      }),
    pruneStale: Effect.suspend(() => level.pruneBefore(now() - staleAfterMs)),
    open
  }
}

export const layer = (options: CheckpointsOptions): Layer.Layer<Checkpoints> => Layer.sync(Checkpoints)(() => make(options))

/**
 * Writes the latest offered value at most once per `intervalMs`, one write at a time; a
 * write that fails is dropped (the next offer tries again). `stop(true)` writes what is
 * left, `stop(false)` drops it; both wait for the write under way.
 */
const makeThrottle = <A>(write: (value: A) => Promise<void>, intervalMs: number, now: () => number) => {
  let latest: { readonly value: A } | undefined
  let writing: Promise<void> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let lastWrite = -Infinity
  let stopped = false
  const pump = (force = false) => {
    if (writing !== undefined || latest === undefined) return
    const wait = lastWrite + intervalMs - now()
    if (wait > 0 && !force) {
      timer ??= setTimeout(() => {
        timer = undefined
        pump()
      }, wait)
      return
    }
    const { value } = latest
    latest = undefined
    lastWrite = now()
    writing = write(value).then(() => undefined, () => undefined).then(() => {
      writing = undefined
      if (!stopped) pump()
    })
  }
  return {
    offer: (value: A) => {
      if (stopped) return
      latest = { value }
      pump()
    },
    stop: async (flush: boolean) => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      await writing
      if (flush) pump(true)
      latest = undefined
      await writing
    }
  }
}

