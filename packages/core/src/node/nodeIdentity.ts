/**
 * Content identity of files in Node: device, inode, size, mtime and ctime in nanoseconds.
 * Any write moves ctime (and `touch -d` cannot set it back); a rename or copy moves the
 * inode or ctime. A file whose ctime is within `RACY_WINDOW_NS` of now when its result is
 * stored is not settled: a second write in the same tick of the file system's clock could
 * keep every time as it was, so its entry also keeps a fingerprint of sampled blocks.
 */
import { Effect } from "effect"
import { type BigIntStats, statSync } from "node:fs"
import { UNREADABLE_FINGERPRINT } from "../engine/cache/fingerprint.js"
import { fingerprintFile } from "./fileFingerprint.js"
import type { ContentIdentity, Identify } from "../engine/cache/ResultCache.js"
import { fsPath, statKey } from "./NodeByteSource.js"
import { RACY_WINDOW_NS } from "./cacheDir.js"

export { RACY_WINDOW_NS } from "./cacheDir.js"
export { fingerprintFile } from "./fileFingerprint.js"


/**
 * The identity of a regular file as one stat saw it. Its sync forms (`settledNow`,
 * `unchangedNow`, `fingerprintNow`) answer on the hot path; the Effect forms are made only
 * when asked for (getters on the prototype): a tree of files makes no Effect per file.
 */
class NodeIdentity implements ContentIdentity {
  readonly key: string
  readonly size: number
  readonly #path: string | Buffer
  readonly #ctimeNs: bigint
  readonly #now: () => bigint
  constructor(path: string | Buffer, stat: BigIntStats, now: () => bigint) {
    this.key = statKey(stat)
    this.size = Number(stat.size)
    this.#path = path
    this.#ctimeNs = stat.ctimeNs
    this.#now = now
  }
  get settled(): Effect.Effect<boolean> {
    return Effect.sync(() => this.settledNow())
  }
  get fingerprint(): Effect.Effect<string> {
    return Effect.sync(() => this.fingerprintNow())
  }
  get unchanged(): Effect.Effect<boolean> {
    return Effect.sync(() => this.unchangedNow())
  }
  settledNow(): boolean {
    return this.#now() - this.#ctimeNs > RACY_WINDOW_NS
  }
  /** With the key a worker saw after reading the file, no stat is needed. */
  unchangedNow(after?: string): boolean {
    if (after !== undefined && after !== "") return after === this.key
    try {
      return statKey(statSync(this.#path, { bigint: true })) === this.key
    } catch {
      return false
    }
  }
  /** A file that cannot be read now has no fingerprint: nothing will match it. */
  fingerprintNow(): string {
    try {
      return fingerprintFile(this.#path, this.size)
    } catch {
      return UNREADABLE_FINGERPRINT
    }
  }
}

/** The identity of the regular file at `path` now, or undefined (not a regular file, not there). */
export const identifyFile = (path: string | Buffer, now: () => bigint = () => BigInt(Date.now()) * 1_000_000n): ContentIdentity | undefined => {
  let stat: BigIntStats | undefined
  try {
    // A missing file is common in a check (a deleted file): undefined rather than a thrown error.
    stat = statSync(path, { bigint: true, throwIfNoEntry: false })
  } catch {
    return undefined
  }
  return stat?.isFile() === true ? new NodeIdentity(path, stat, now) : undefined
}

/** Paths are identified; standard input never is. */
export const identify: Identify = (sources) =>
  Effect.sync(() =>
    sources.map((source) => source._tag === "PathSource" && source.path !== "-" ? identifyFile(fsPath(source)) : undefined)
  )
