/**
 * Checkpoints of resumable hashes on disk, for a program that may be killed: one small file
 * per (file, algorithms) under the cache directory, written atomically, removed when the
 * hash completes. A checkpoint names the file it belongs to by device, inode, size, mtime
 * and ctime; a file that changed in any of them is hashed from the start.
 */
import { Effect } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { promises as fs } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import type { HashAlgorithm } from "../domain/HashAlgorithm.js"
import { Checkpointed } from "../domain/HashEvent.js"
import type { ResumeOptions } from "../pipelines/hashFiles.js"

const MiB = 1024 * 1024
const FORMAT = 1

/** `$SLUICE_CHECKPOINT_DIR`, else `$XDG_CACHE_HOME/sluice/checkpoints`, else `~/.cache/sluice/checkpoints`. */
export const defaultCheckpointDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.SLUICE_CHECKPOINT_DIR ||
  join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "sluice", "checkpoints")

/**
 * How often a file of `size` bytes saves its state: every 2.5 % of it, at least 16 MiB
 * apart, so that a killed job redoes at most that much and a small file writes few.
 */
export const checkpointInterval = (size: number): number => Math.max(16 * MiB, Math.ceil(size / 40 / MiB) * MiB)

interface Identity {
  readonly path: string
  readonly dev: string
  readonly ino: string
  readonly size: string
  readonly mtimeNs: string
  readonly ctimeNs: string
  readonly algorithms: ReadonlyArray<string>
}

interface Stored {
  readonly format: number
  readonly identity: Identity
  readonly bytes: number
  readonly states: Record<string, string>
}

const identityOf = async (path: string, algorithms: ReadonlyArray<HashAlgorithm>): Promise<Identity> => {
  const real = await fs.realpath(path)
  const stat = await fs.stat(real, { bigint: true })
  return {
    path: real,
    dev: String(stat.dev),
    ino: String(stat.ino),
    size: String(stat.size),
    mtimeNs: String(stat.mtimeNs),
    ctimeNs: String(stat.ctimeNs),
    algorithms: [...algorithms].sort()
  }
}

const sameIdentity = (a: Identity, b: Identity) => JSON.stringify(a) === JSON.stringify(b)

/** Writes `text` to `path` through a temporary file beside it, so a reader never sees half of it. */
const writeAtomically = async (path: string, text: string) => {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`
  try {
    await fs.writeFile(temporary, text, { mode: 0o600 })
    await fs.rename(temporary, path)
  } catch (error) {
    await fs.rm(temporary, { force: true })
    throw error
  }
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
  path: string,
  algorithms: ReadonlyArray<HashAlgorithm>,
  options: { readonly dir?: string; readonly every?: number } = {}
): Effect.Effect<Resumable | undefined> =>
  Effect.promise(async (): Promise<Resumable | undefined> => {
    const dir = options.dir ?? defaultCheckpointDir()
    let identity: Identity
    try {
      identity = await identityOf(path, algorithms)
    } catch {
      return undefined // missing or unreadable: the hash itself reports why
    }
    const key = createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 32)
    const file = join(dir, `${key}.json`)
    let from: Checkpointed | undefined
    try {
      const stored = JSON.parse(await fs.readFile(file, "utf8")) as Stored
      if (stored.format === FORMAT && sameIdentity(stored.identity, identity)) {
        const states: Record<string, Uint8Array> = {}
        for (const [algorithm, state] of Object.entries(stored.states)) states[algorithm] = Buffer.from(state, "base64")
        from = new Checkpointed({ bytes: stored.bytes, states })
      }
    } catch {
      // None yet, or unreadable: start from the beginning.
    }
    const size = Number(identity.size)
    let ready: Promise<unknown> | undefined
    return {
      every: options.every ?? checkpointInterval(size),
      from,
      resumedAt: from?.bytes ?? 0,
      size,
      save: (checkpoint) =>
        Effect.promise(async () => {
          ready ??= fs.mkdir(dir, { recursive: true, mode: 0o700 })
          const stored: Stored = {
            format: FORMAT,
            identity,
            bytes: checkpoint.bytes,
            states: Object.fromEntries(
              Object.entries(checkpoint.states).map(([algorithm, state]) => [algorithm, Buffer.from(state).toString("base64")])
            )
          }
          try {
            await ready
            await writeAtomically(file, JSON.stringify(stored))
          } catch {
            // A full or read-only disk costs resumability, never the hash.
          }
        }),
      done: Effect.promise(() => fs.rm(file, { force: true }))
    }
  })
