/**
 * Checkpoints of large hashes, kept across reloads, crashes and closed tabs so that the same
 * file picked again goes on where it stopped. What is kept is the hashers' state (at most one
 * pending block of input, see `Checkpointed` in core), never a run of the file. The store
 * behind is a small interface: IndexedDB in the app (`indexedDbBackend.ts`), a Map in tests.
 * Any failure of it costs resumability only; hashing goes on.
 */
import {
  Checkpointed,
  checkpointEvery,
  HASH_ALGORITHMS,
  type HashAlgorithm,
  RESUMABLE_FROM_BYTES,
  type ResumeOptions
} from "@sluice/core"
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

/** All the browser tells about a picked file: a checkpoint is matched by it. */
export interface FileIdentity {
  readonly name: string
  readonly size: number
  readonly lastModified: number
}

/** One kept checkpoint, as the backend stores it (plain data: structured-clone safe). */
export interface StoredCheckpoint extends FileIdentity {
  readonly key: string
  /** Sorted, as in the key. */
  readonly algorithms: ReadonlyArray<HashAlgorithm>
  readonly bytes: number
  readonly states: Readonly<Record<string, Uint8Array>>
  /** `Date.now()` of the write. */
  readonly savedAt: number
  /** `Sampler`'s value at `bytes`: a file with the same name, size and time but other content does not match. */
  readonly sample: string
}

/** Where checkpoints are kept. Any call may reject (no IndexedDB, private mode, quota). */
export interface CheckpointBackend {
  readonly list: () => Promise<ReadonlyArray<StoredCheckpoint>>
  readonly put: (checkpoint: StoredCheckpoint) => Promise<void>
  readonly remove: (keys: ReadonlyArray<string>) => Promise<void>
}

/**
 * A short fingerprint of a file's content up to `bytes`. Name, size and modification time
 * (to the millisecond) are all a page learns of a file; two files can share them (a build
 * that pins times, a disk image of a fixed size), and resuming one from the other's state
 * would give a wrong digest.
 */
export type Sampler = (file: Blob, bytes: number) => Promise<string>

const SAMPLE_BYTES = 64 * 1024

/** SHA-256 (WebCrypto) of the first 64 KiB and of the 64 KiB before `bytes`. */
export const sampleContent: Sampler = async (file, bytes) => {
  const head = file.slice(0, Math.min(SAMPLE_BYTES, bytes))
  const tail = file.slice(Math.max(0, bytes - SAMPLE_BYTES), bytes)
  const digest = await crypto.subtle.digest("SHA-256", await new Blob([head, tail]).arrayBuffer())
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")
}

/** The key of a file's checkpoint for a set of algorithms (in any order). */
export const checkpointKey = (file: FileIdentity, algorithms: ReadonlyArray<HashAlgorithm>): string =>
  JSON.stringify([file.name, file.size, file.lastModified, [...algorithms].sort()])

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
  readonly backend: CheckpointBackend
  readonly sample?: Sampler
  readonly now?: () => number
  readonly saveIntervalMs?: number
}

const isStored = (value: unknown): value is StoredCheckpoint => {
  if (typeof value !== "object" || value === null) return false
  const v = value as Partial<StoredCheckpoint>
  return typeof v.key === "string" && typeof v.name === "string" && typeof v.size === "number" &&
    typeof v.lastModified === "number" && typeof v.bytes === "number" && typeof v.savedAt === "number" &&
    typeof v.sample === "string" && Array.isArray(v.algorithms) && v.algorithms.length > 0 &&
    v.algorithms.every((a) => HASH_ALGORITHMS.includes(a)) && typeof v.states === "object" && v.states !== null &&
    v.algorithms.every((a) => v.states![a] instanceof Uint8Array)
}

const unfinishedOf = (c: StoredCheckpoint): Unfinished => ({
  key: c.key,
  name: c.name,
  size: c.size,
  bytes: c.bytes,
  algorithms: c.algorithms,
  savedAt: c.savedAt
})

const ignoreFailure = (promise: Promise<unknown>): Promise<void> => promise.then(() => undefined, () => undefined)

/**
 * Writes the latest offered value at most once per `intervalMs`, one write at a time; a
 * write that fails is dropped (the next offer tries again).
 */
const makeThrottle = <A>(write: (value: A) => Promise<void>, intervalMs: number, now: () => number) => {
  let latest: A | undefined
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
    const value = latest
    latest = undefined
    lastWrite = now()
    writing = ignoreFailure(write(value)).then(() => {
      writing = undefined
      if (!stopped) pump()
    })
  }
  const stop = async (flush: boolean) => {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    await writing
    if (flush) pump(true)
    latest = undefined
    await writing
  }
  return {
    offer: (value: A) => {
      if (stopped) return
      latest = value
      pump()
    },
    stop
  }
}

export const makeCheckpoints = (options: CheckpointsOptions): Checkpoints => {
  const { backend } = options
  const sample = options.sample ?? sampleContent
  const now = options.now ?? Date.now
  const saveIntervalMs = options.saveIntervalMs ?? SAVE_INTERVAL_MS

  let unfinished: ReadonlyArray<Unfinished> = []
  /** Keys of jobs open in this page: never listed as unfinished. */
  const open = new Map<string, number>()
  const listeners = new Set<() => void>()

  const publish = (next: ReadonlyArray<Unfinished>) => {
    if (next.length === unfinished.length && next.every((u, i) => u === unfinished[i])) return
    unfinished = next
    for (const listener of listeners) listener()
  }
  const unlist = (keys: ReadonlySet<string>) => publish(unfinished.filter((u) => !keys.has(u.key)))
  const isStale = (c: StoredCheckpoint) => now() - c.savedAt > STALE_AFTER_MS

  const load = async () => {
    let all: ReadonlyArray<unknown>
    try {
      all = await backend.list()
    } catch {
      return
    }
    const usable = all.filter(isStored).filter((c) => !isStale(c))
    const dropped = all.flatMap((c) =>
      isStored(c) ? (isStale(c) ? [c.key] : []) : typeof (c as { key?: unknown }).key === "string" ? [(c as { key: string }).key] : []
    )
    if (dropped.length > 0) await ignoreFailure(backend.remove(dropped))
    publish(usable.filter((c) => !open.has(c.key)).sort((a, b) => b.savedAt - a.savedAt).map(unfinishedOf))
  }

  /** The kept checkpoint for `key` that still fits `file`; removes what belongs to an older version of it. */
  const usableCheckpoint = async (
    file: Blob,
    identity: FileIdentity,
    key: string
  ): Promise<Checkpointed | undefined> => {
    try {
      const all = (await backend.list()).filter(isStored)
      // The same name with another size or time: that file changed (or was replaced) since.
      const outdated = all.filter((c) =>
        c.name === identity.name && (c.size !== identity.size || c.lastModified !== identity.lastModified)
      ).map((c) => c.key)
      const kept = all.find((c) => c.key === key)
      let from: Checkpointed | undefined
      if (kept !== undefined && !isStale(kept) && kept.bytes > 0 && kept.bytes <= identity.size) {
        if (await sample(file, kept.bytes) === kept.sample) from = new Checkpointed({ bytes: kept.bytes, states: { ...kept.states } })
        else outdated.push(key)
      }
      if (outdated.length > 0) {
        unlist(new Set(outdated))
        await ignoreFailure(backend.remove(outdated))
      }
      return from
    } catch {
      return undefined
    }
  }

  const openJob = async (file: Blob, path: string, algorithms: ReadonlyArray<HashAlgorithm>) => {
    if (file.size < RESUMABLE_FROM_BYTES || algorithms.length === 0) return undefined
    // A Blob that is not a File has no time to tell one version from another.
    if (typeof File === "undefined" || !(file instanceof File)) return undefined
    const identity: FileIdentity = { name: file.name || path, size: file.size, lastModified: file.lastModified }
    const sorted = [...algorithms].sort()
    const key = checkpointKey(identity, sorted)
    open.set(key, (open.get(key) ?? 0) + 1)
    unlist(new Set([key]))
    const from = await usableCheckpoint(file, identity, key)

    const throttle = makeThrottle<Checkpointed>(async (checkpoint) => {
      const stored: StoredCheckpoint = {
        key,
        ...identity,
        algorithms: sorted,
        bytes: checkpoint.bytes,
        states: { ...checkpoint.states },
        savedAt: now(),
        sample: await sample(file, checkpoint.bytes)
      }
      await backend.put(stored)
    }, saveIntervalMs, now)
    let ended = false
    const end = async (keep: boolean) => {
      if (ended) return
      ended = true
      await throttle.stop(keep)
      const left = (open.get(key) ?? 1) - 1
      if (left > 0) open.set(key, left)
      else open.delete(key)
      if (!keep) await ignoreFailure(backend.remove([key]))
    }
    const job: JobCheckpoint = {
      options: {
        every: checkpointEvery(identity.size),
        from,
        save: (checkpoint) => Effect.sync(() => throttle.offer(checkpoint))
      },
      forget: Effect.promise(() => end(false)),
      close: Effect.promise(() => end(true))
    }
    return job
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
      if (keys.length > 0) await ignoreFailure(backend.remove(keys))
    },
    open: (file, path, algorithms) => Effect.promise(() => openJob(file, path, algorithms).catch(() => undefined))
  }
}
