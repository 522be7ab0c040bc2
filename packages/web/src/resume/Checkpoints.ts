/**
 * Checkpoints of large hashes in the app, kept across reloads, crashes and closed tabs so
 * that the same file picked again goes on where it stopped. Storage, identity and policy are
 * core's (`Checkpoints` over `makeIndexedDbCheckpointLevel`, the hash operation's record
 * kind, the result cache's content identity of a `File`); what the web keeps is its UI
 * state: the unfinished hashes of earlier visits the page lists, minus the ones open now.
 * Any failure of the store costs resumability only; hashing goes on.
 */
import {
  BlobSource,
  type CheckpointLevel,
  Checkpoints as CoreCheckpoints,
  checkpointEvery,
  fromHashRecord,
  HashCheckpointKind,
  type HashAlgorithm,
  hashJob,
  identifyBlob,
  RESUMABLE_FROM_BYTES,
  type ResumeOptions,
  toHashRecord
} from "@sluice/core/browser"
import { Effect } from "effect"

// The same sizes as the CLI's `--resume`: large files only, a checkpoint every 2.5 %.
export { checkpointEvery, RESUMABLE_FROM_BYTES }

/** Checkpoints nobody resumed for this long are dropped when the app starts. */
export const STALE_AFTER_MS = 7 * 24 * 60 * 60 * 1000

/**
 * At most one write per job this often, and one at a time; the pipeline offers one every
 * `every` bytes, which with BLAKE3 on a fast device is dozens a second. A later offer
 * replaces an unwritten one. A crash then redoes at most `every` bytes and this long.
 */
export const SAVE_INTERVAL_MS = 100

/** The key of a file's checkpoint for a set of algorithms (in any order): its name and the algorithms. */
export const checkpointKey = (name: string, algorithms: ReadonlyArray<HashAlgorithm>): string =>
  CoreCheckpoints.jobKey(hashJob(name, algorithms))

/**
 * The identity a checkpoint of `file` (listed as `path`) is kept with: the result cache's
 * content identity of a `File` (its path, name, size, time and a fingerprint of sampled
 * blocks), so that a file with the same name, size and time but other content does not
 * match. Undefined when the file cannot be read.
 */
export type Identify = (file: File, path: string) => Promise<string | undefined>

const identifyFile: Identify = async (file, path) => {
  const identity = identifyBlob(new BlobSource({ blob: file, name: path }))
  return identity === undefined ? undefined : Effect.runPromise(CoreCheckpoints.checkpointIdentity(identity))
}

/** An unfinished hash from an earlier visit, for the page to mention. */
export interface Unfinished {
  readonly key: string
  readonly name: string
  readonly size: number
  readonly bytes: number
  readonly algorithms: ReadonlyArray<HashAlgorithm>
  readonly savedAt: number
}

/** One job's checkpoints: where it may start, how it saves, and what becomes of them when it ends. */
export interface JobCheckpoint {
  /** For `hashFiles`: `from` is the kept checkpoint, if this file has a usable one. */
  readonly options: ResumeOptions
  /** The job completed or was cancelled: later saves are dropped and the kept checkpoint removed. */
  readonly forget: Effect.Effect<void>
  /** The job stopped otherwise (failed, or the page is closing it): the latest offered checkpoint is written and kept. */
  readonly close: Effect.Effect<void>
}

export interface Checkpoints {
  /** Unfinished hashes of earlier visits, minus the ones being hashed now; for `useSyncExternalStore`. */
  readonly subscribe: (listener: () => void) => () => void
  readonly getSnapshot: () => ReadonlyArray<Unfinished>
  /** Reads what earlier visits left, dropping what is older than `STALE_AFTER_MS`. Call once on start. */
  readonly load: () => Promise<void>
  /** Removes every unfinished hash the page mentions. */
  readonly forgetUnfinished: () => Promise<void>
  /** Checkpoints for hashing `file` (its path in the list is `path`); undefined for a file too small to need them. */
  readonly open: (
    file: Blob,
    path: string,
    algorithms: ReadonlyArray<HashAlgorithm>
  ) => Effect.Effect<JobCheckpoint | undefined>
}

export interface CheckpointsOptions {
  /** Where checkpoints are kept: `makeIndexedDbCheckpointLevel()` in the app, a memory level in tests. */
  readonly level: CheckpointLevel
  readonly identify?: Identify
  readonly now?: () => number
  readonly saveIntervalMs?: number
}

const isHashJob = (job: unknown): job is ReturnType<typeof hashJob> => {
  const j = job as Partial<ReturnType<typeof hashJob>> | undefined
  return typeof j?.path === "string" && Array.isArray(j.algorithms)
}

export const makeCheckpoints = (options: CheckpointsOptions): Checkpoints => {
  const identify = options.identify ?? identifyFile
  const saveIntervalMs = options.saveIntervalMs ?? SAVE_INTERVAL_MS
  const service = CoreCheckpoints.make({
    level: options.level,
    staleAfterMs: STALE_AFTER_MS,
    ...(options.now === undefined ? {} : { now: options.now })
  })

  let unfinished: ReadonlyArray<Unfinished> = []
  /** Keys of jobs open in this page: never listed as unfinished. */
  const open = new Map<string, number>()
  const listeners = new Set<() => void>()

  const publish = (next: ReadonlyArray<Unfinished>) => {
    if (next.length === unfinished.length && next.every((u, i) => u === unfinished[i])) return
    unfinished = next
    for (const listener of listeners) listener()
  }
  const unlist = (key: string) => publish(unfinished.filter((u) => u.key !== key))

  const load = async () => {
    const listed = await Effect.runPromise(Effect.orElseSucceed(
      Effect.andThen(Effect.ignore(service.pruneStale), service.unfinished(HashCheckpointKind)),
      () => []
    ))
    publish(listed.flatMap((u) =>
      isHashJob(u.job) && !open.has(u.key)
        ? [{
          key: u.key,
          name: u.job.path,
          size: u.record.size,
          bytes: u.record.bytes,
          algorithms: u.job.algorithms,
          savedAt: u.savedAt
        }]
        : []
    ))
  }

  const openJob = async (file: Blob, path: string, algorithms: ReadonlyArray<HashAlgorithm>) => {
    if (file.size < RESUMABLE_FROM_BYTES || algorithms.length === 0) return undefined
    // A Blob that is not a File has no time to tell one version from another.
    if (typeof File === "undefined" || !(file instanceof File)) return undefined
    const name = file.name || path
    const job = hashJob(name, algorithms)
    const key = CoreCheckpoints.jobKey(job)
    const identity = await identify(file, path).catch(() => undefined)
    if (identity === undefined) return undefined // unreadable: the hash itself says why
    open.set(key, (open.get(key) ?? 0) + 1)
    unlist(key)
    const checkpoint = await Effect.runPromise(service.open(job, identity, HashCheckpointKind, { saveIntervalMs }))
    let ended = false
    const end = (effect: Effect.Effect<void>) =>
      Effect.suspend(() => {
        if (ended) return Effect.void
        ended = true
        return Effect.ensuring(
          effect,
          Effect.sync(() => {
            const left = (open.get(key) ?? 1) - 1
            if (left > 0) open.set(key, left)
            else open.delete(key)
          })
        )
      })
    const jobCheckpoint: JobCheckpoint = {
      options: {
        every: checkpointEvery(file.size),
        from: fromHashRecord(checkpoint.previous, file.size, algorithms),
        save: (cp) => checkpoint.save(toHashRecord(cp, file.size))
      },
      forget: end(checkpoint.forget),
      close: end(checkpoint.close)
    }
    return jobCheckpoint
  }

  return {
    subscribe: (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    getSnapshot: () => unfinished,
    load,
    forgetUnfinished: async () => {
      const keys = unfinished.map((u) => u.key)
      publish([])
      if (keys.length > 0) await Effect.runPromise(Effect.ignore(service.forgetKeys(keys)))
    },
    open: (file, path, algorithms) => Effect.promise(() => openJob(file, path, algorithms).catch(() => undefined))
  }
}
