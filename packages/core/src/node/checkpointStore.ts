/**
 * Checkpoints in a Node program: the core `Checkpoints` service over a directory
 * (`diskCheckpointLevel.ts`, under the cache directory), keyed by the job and the file's
 * content identity — the result cache's (`identifyFile`: device, inode, size, mtime and
 * ctime) with its fingerprint of sampled blocks. A file that changed is hashed from the start.
 */
import { Effect, Layer } from "effect"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import {
  checkpointIdentity,
  Checkpoints,
  type CheckpointsService,
  type JobCheckpoint,
  make
} from "../engine/checkpoints/Checkpoints.js"
import type { CheckpointKind } from "../engine/checkpoints/CheckpointPolicy.js"
import type { HashAlgorithm } from "../hash/HashAlgorithm.js"
import { fromHashRecord, HashCheckpointKind, hashJob, toHashRecord } from "../hash/hashCheckpoint.js"
import { checkpointEvery, type ResumeOptions } from "../hash/hashFiles.js"
import { decodeUtf8Exact } from "../engine/Source.js"
import { defaultCacheDir } from "./diskCacheLevel.js"
import { makeDiskCheckpointLevel } from "./diskCheckpointLevel.js"
import { identifyFile } from "./nodeIdentity.js"

export * from "../engine/checkpoints/Checkpoints.js"
export { checkpointFileName, makeDiskCheckpointLevel } from "./diskCheckpointLevel.js"

/** `$SLUICE_CHECKPOINT_DIR`, else the `checkpoints` folder of the cache directory (`defaultCacheDir`). */
export const defaultCheckpointDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.SLUICE_CHECKPOINT_DIR || join(defaultCacheDir(env), "checkpoints")

/** Checkpoints untouched this long are from jobs nobody resumed: removed when a job opens its own. */
export const STALE_AFTER_MS = 30 * 24 * 60 * 60 * 1000

export interface DiskCheckpointsOptions {
  /** Defaults to `defaultCheckpointDir()`. */
  readonly dir?: string
}

/** The service over a checkpoint directory. */
export const makeDiskCheckpoints = (options: DiskCheckpointsOptions = {}): CheckpointsService =>
  make({ level: makeDiskCheckpointLevel(options.dir ?? defaultCheckpointDir()), staleAfterMs: STALE_AFTER_MS })

/** `Checkpoints` for a Node program, in the checkpoint directory. */
export const layer = (options: DiskCheckpointsOptions = {}): Layer.Layer<Checkpoints> =>
  Layer.sync(Checkpoints)(() => makeDiskCheckpoints(options))

/** What a job reading the file at `path` is keyed and checked by: its real path and content identity. */
export interface FileInput {
  /** The real path; one that is not valid UTF-8 is `hex:` and its bytes in hex (real paths start with `/`). */
  readonly path: string
  readonly size: number
  readonly identity: string
}

/** The real path (after links) and identity of the regular file at `path`, or undefined. */
export const fileInput = (path: string | Buffer): Effect.Effect<FileInput | undefined> =>
  Effect.gen(function*() {
    const real = yield* Effect.promise(() => fs.realpath(path, { encoding: "buffer" }).catch(() => undefined))
    const content = real === undefined ? undefined : identifyFile(real)
    if (real === undefined || content === undefined) return undefined
    const identity = yield* checkpointIdentity(content)
    const name = decodeUtf8Exact(real) ?? `hex:${real.toString("hex")}`
    return identity === undefined ? undefined : { path: name, size: content.size, identity }
  })

/**
 * Opens the checkpoint of `job` on the file `input` in the directory: stale checkpoints
 * (and temporary files) of other jobs are removed first. Never fails.
 */
export const openCheckpoint = <A, I>(
  job: unknown,
  input: FileInput,
  kind: CheckpointKind<A, I>,
  options: DiskCheckpointsOptions = {}
): Effect.Effect<JobCheckpoint<A>> => {
  const checkpoints = makeDiskCheckpoints(options)
  return Effect.andThen(Effect.ignore(checkpoints.pruneStale), checkpoints.open(job, input.identity, kind))
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
  options: DiskCheckpointsOptions & { readonly every?: number } = {}
): Effect.Effect<Resumable | undefined> =>
  Effect.gen(function*() {
    const input = yield* fileInput(path)
    if (input === undefined) return undefined // missing or unreadable: the hash itself reports why
    const checkpoint = yield* openCheckpoint(
      hashJob(input.path, algorithms),
      input,
      HashCheckpointKind,
      options.dir === undefined ? {} : { dir: options.dir }
    )
    const from = fromHashRecord(checkpoint.previous, input.size, algorithms)
    return {
      every: options.every ?? checkpointEvery(input.size),
      from,
      resumedAt: from?.bytes ?? 0,
      size: input.size,
      save: (cp) => checkpoint.save(toHashRecord(cp, input.size)),
      done: checkpoint.forget
    }
  })
