/**
 * Checkpoints in a directory: one small JSON file per job, named by a hash of the job's
 * key, written atomically (`atomicFile.ts`) with mode 0600 in a directory of mode 0700:
 * a checkpoint says which files someone was hashing. Its content is a `StoredCheckpoint`
 * of format 2 (`{ format, key, job, identity, kind, version, savedAt, state }`); a file of
 * format 1 (before checkpoints were a core service: `{ format, job, identity, state }`
 * with a stat identity) is never used, and is replaced by the job's next save or removed
 * by pruning. Staleness is the file's mtime, so temporary files left by a killed write
 * are pruned too.
 */
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { promises as fs } from "node:fs"
import { join } from "node:path"
import { CheckpointFailed, type CheckpointLevel } from "../engine/checkpoints/CheckpointLevel.js"
import { writeAtomically } from "./atomicFile.js"

/** The file of the job whose key is `key`. */
export const checkpointFileName = (key: string): string =>
  `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.json`

const failed = (action: string) => (error: unknown) =>
  new CheckpointFailed({
    level: "disk",
    detail: `${action}: ${error instanceof Error ? error.message : String(error)}`
  })

const isMissing = (error: unknown) => (error as { code?: unknown } | undefined)?.code === "ENOENT"

/** What a file holds: its JSON, or a marker that it is damaged (not JSON), or undefined when there is none. */
const readRecord = async (path: string): Promise<unknown> => {
  let text: string
  try {
    text = await fs.readFile(path, "utf8")
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    return { damaged: true }
  }
}

export const makeDiskCheckpointLevel = (dir: string): CheckpointLevel => {
  let ready: Promise<unknown> | undefined
  const pathOf = (key: string) => join(dir, checkpointFileName(key))
  return {
    name: "disk",
    get: (key) => Effect.tryPromise({ try: () => readRecord(pathOf(key)), catch: failed("read") }),
    put: (record) =>
      Effect.tryPromise({
        try: () => ready ??= fs.mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
          ready = undefined
          throw error
        }),
        catch: failed("write")
      }).pipe(
        Effect.andThen(
          Effect.mapError(
            writeAtomically(pathOf(record.key), (out) => out.write(JSON.stringify(record)), { mode: 0o600 }),
            failed("write")
          )
        )
      ),
    remove: (keys) =>
      Effect.tryPromise({
        try: async () => {
          const names = keys.map(checkpointFileName)
          // A write killed half-way (`kill -9` mid-save) leaves `.<name>.<random>.sluice-tmp`
          // beside it: the job is done with its checkpoint, so with those too.
          const leftovers = await fs.readdir(dir).catch(() => [] as Array<string>)
          const temps = leftovers.filter((entry) => names.some((name) => entry.startsWith(`.${name}.`) && entry.endsWith(".sluice-tmp")))
          await Promise.all([...names, ...temps].map((name) => fs.rm(join(dir, name), { force: true })))
        },
        catch: failed("remove")
      }),
    list: Effect.tryPromise({
      try: async () => {
        let names: Array<string>
        try {
          names = await fs.readdir(dir)
        } catch (error) {
          if (isMissing(error)) return []
          throw error
        }
        const records = []
        for (const name of names.filter((n) => n.endsWith(".json") && !n.startsWith("."))) {
          const record = await readRecord(join(dir, name)).catch(() => undefined)
          if (record === undefined) continue
          const key = (record as { key?: unknown }).key
          // A record of format 1 has no key of its own: it is left to pruning.
          if (typeof key === "string") records.push({ key, record })
        }
        return records
      },
      catch: failed("list")
    }),
    pruneBefore: (before) =>
      Effect.tryPromise({
        try: async () => {
          let removed = 0
          let names: Array<string>
          try {
            names = await fs.readdir(dir)
          } catch (error) {
            if (isMissing(error)) return 0
            throw error
          }
          for (const name of names) {
            const path = join(dir, name)
            const stat = await fs.stat(path).catch(() => undefined)
            if (stat === undefined || stat.mtimeMs >= before) continue
            await fs.rm(path, { force: true })
            removed++
          }
          return removed
        },
        catch: failed("prune")
      })
  }
}
