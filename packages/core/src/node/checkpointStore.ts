/**
 * Checkpoints of resumable hashes on disk, for a program that may be killed: one small file
 * per (file, algorithms) under the cache directory, written atomically, removed when the
 * hash completes. A checkpoint names the file it belongs to by device, inode, size, mtime
 * and ctime; a file that changed in any of them is hashed from the start.
 */
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import type { HashAlgorithm } from "../hash/HashAlgorithm.js"
import { Checkpointed } from "../hash/HashEvent.js"
import { checkpointEvery, type ResumeOptions } from "../hash/hashFiles.js"
import { decodeUtf8Exact } from "../engine/Source.js"
import { writeAtomically } from "./atomicFile.js"
import { defaultCacheDir } from "./diskCacheLevel.js"

const FORMAT = 1

/** `$SLUICE_CHECKPOINT_DIR`, else the `checkpoints` folder of the cache directory (`defaultCacheDir`). */
export const defaultCheckpointDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.SLUICE_CHECKPOINT_DIR || join(defaultCacheDir(env), "checkpoints")


/** What a file is, as far as a checkpoint of its hash cares: a change in any of it starts over. */
export interface FileIdentity {
  /** The real path; one that is not valid UTF-8 is `hex:` and its bytes in hex (real paths start with `/`). */
  readonly path: string
  readonly dev: string
  readonly ino: string
  readonly size: string
  readonly mtimeNs: string
  readonly ctimeNs: string
}

/** The identity of the file at `path` (after links), or undefined when it cannot be read. */
export const fileIdentity = async (path: string | Buffer): Promise<FileIdentity | undefined> => {
  try {
    const real = await fs.realpath(path, { encoding: "buffer" })
    const stat = await fs.stat(real, { bigint: true })
    return {
      path: decodeUtf8Exact(real) ?? `hex:${real.toString("hex")}`,
      dev: String(stat.dev),
      ino: String(stat.ino),
      size: String(stat.size),
      mtimeNs: String(stat.mtimeNs),
      ctimeNs: String(stat.ctimeNs)
    }
  } catch {
    return undefined
  }
}

interface Stored<T> {
  readonly format: number
  readonly job: unknown
  readonly identity: unknown
  readonly state: T
}

/** Checkpoints untouched this long are from jobs nobody resumed: removed when a job opens its own. */
export const STALE_AFTER_MS = 30 * 24 * 60 * 60 * 1000

/** One job's checkpoint: what an earlier run left, and how to replace or drop it. */
export interface JobCheckpoint<T> {
  readonly previous: T | undefined
  /** Replaces the checkpoint; a disk that refuses it costs resumability, never the job. */
  readonly save: (state: T) => Effect.Effect<void>
  /** Removes it: the job completed. */
  readonly done: Effect.Effect<void>
}

/**
 * The checkpoint of the job that `job` describes (plain JSON: what it reads and how), for
 * any pipeline: a hasher's state, a count of files checked, a chunk index. `identity` is
 * what the job's input is now (a file's device, inode, size and times): a checkpoint saved
 * for another identity is not returned, and the next save replaces it. Never store a
 * secret in one.
 */
export const openCheckpoint = <T>(
  job: unknown,
  identity: unknown,
  options: { readonly dir?: string } = {}
): Effect.Effect<JobCheckpoint<T>> =>
  Effect.promise(async () => {
    const dir = options.dir ?? defaultCheckpointDir()
    const file = join(dir, `${createHash("sha256").update(JSON.stringify(job)).digest("hex").slice(0, 32)}.json`)
    let previous: T | undefined
    try {
      const stored = JSON.parse(await fs.readFile(file, "utf8")) as Stored<T>
      if (
        stored.format === FORMAT && JSON.stringify(stored.job) === JSON.stringify(job) &&
        JSON.stringify(stored.identity) === JSON.stringify(identity)
      ) previous = stored.state
    } catch {
      // None yet, or unreadable: the job starts from the beginning.
    }
    await removeStale(dir)
    let ready: Promise<unknown> | undefined
    return {
      previous,
      save: (state: T) =>
        Effect.promise(() => ready ??= fs.mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => undefined)).pipe(
          Effect.andThen(writeAtomically(file, (out) =>
            out.write(JSON.stringify({ format: FORMAT, job, identity, state } satisfies Stored<T>)), { mode: 0o600 })),
          // A full or read-only disk costs resumability, never the job.
          Effect.ignore
        ),
      done: Effect.promise(() => fs.rm(file, { force: true }))
    }
  })

/** Best effort: checkpoints (and temporary files) left by jobs nobody resumed for a month. */
const removeStale = async (dir: string) => {
  try {
    const now = Date.now()
    for (const name of await fs.readdir(dir)) {
      const path = join(dir, name)
      const stat = await fs.stat(path)
      if (now - stat.mtimeMs > STALE_AFTER_MS) await fs.rm(path, { force: true })
    }
  } catch {
    // No directory yet, or one we may not clean: nothing to do.
  }
}

interface SavedHash {
  readonly bytes: number
  readonly states: Record<string, string>
}

export interface Resumable extends ResumeOptions {
  /** Where this run starts: 0, or the bytes an earlier run had hashed. */
  readonly resumedAt: number
  readonly size: number
  /** Removes the checkpoint: call it once the hash has completed. */
  readonly done: Effect.Effect<void>
}

/**
 * What `hashFiles` needs to make the hash of `path` resumable: the checkpoint an earlier
 * run left (when it still fits the file), and where to save new ones. Never fails: a
 * checkpoint that cannot be read or written only makes the hash start over.
 */
export const resumable = (
  path: string | Buffer,
  algorithms: ReadonlyArray<HashAlgorithm>,
  options: { readonly dir?: string; readonly every?: number } = {}
): Effect.Effect<Resumable | undefined> =>
  Effect.gen(function*() {
    const identity = yield* Effect.promise(() => fileIdentity(path))
    if (identity === undefined) return undefined // missing or unreadable: the hash itself reports why
    const job = { kind: "hash", path: identity.path, algorithms: [...algorithms].sort() }
    const checkpoint = yield* openCheckpoint<SavedHash>(job, identity, options.dir === undefined ? {} : { dir: options.dir })
    const saved = checkpoint.previous
    const from = saved === undefined ? undefined : new Checkpointed({
      bytes: saved.bytes,
      states: Object.fromEntries(Object.entries(saved.states).map(([a, state]) => [a, Buffer.from(state, "base64")]))
    })
    const size = Number(identity.size)
    return {
      every: options.every ?? checkpointEvery(size),
      from,
      resumedAt: from?.bytes ?? 0,
      size,
      save: (cp) =>
        checkpoint.save({
          bytes: cp.bytes,
          states: Object.fromEntries(Object.entries(cp.states).map(([a, state]) => [a, Buffer.from(state).toString("base64")]))
        }),
      done: checkpoint.done
    }
  })
