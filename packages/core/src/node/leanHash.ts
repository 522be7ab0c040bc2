/**
 * Many small files hashed without Effect, RPC or the worker platform: what the CLI's lean
 * `hash` (packages/cli/src/hashMain.ts) and its lean worker (hashWorker.ts) run. Each file
 * is read whole into one buffer and hashed by node:crypto (the kernel `indexedKernel`
 * names: only algorithms node:crypto alone computes here), and the result cache is read
 * and written as the full program's `cacheLayer` does (the same level keys, entries, disk
 * records and vouching: `ResultCache.levelKey`, hash/digestEntry.ts, diskCacheStore.ts).
 *
 * Work is shared by a counter in shared memory: the main thread and a worker each take the
 * next `LEAN_BATCH` files until none is left, so a worker that starts late (or never)
 * costs nothing but its start-up, and one that dies leaves its files to the main thread.
 */
import type { BigIntStats } from "node:fs"
import { closeSync, fstatSync, openSync, readSync } from "node:fs"
import { UNREADABLE_FINGERPRINT } from "../engine/cache/fingerprint.js"
import { levelKey } from "../engine/cache/levelKey.js"
import { ALGORITHMS, type HashAlgorithm, hasKernel } from "../hash/algorithms.js"
import { CACHE_FORMAT } from "../engine/cache/levelKey.js"
import { entryValue, parseDigestEntry } from "../hash/digestEntry.js"
import { CORE_VERSION } from "../version.js"
import { RACY_WINDOW_NS } from "./cacheDir.js"
import { indexedKernel } from "./checkIndex.js"
import { makeDiskStore } from "./diskCacheStore.js"
import { fingerprintFile } from "./fileFingerprint.js"
import { nativeBatch, type RecordsReader } from "./nativeBatch.js"

/** What `recordsReader` hands over where the store cannot give its records: none. */
const NO_RECORDS = new Uint8Array(0)

/** Files a thread takes at once from the shared counter. */
export const LEAN_BATCH = 64

/** The identity key of a stat: device, inode, size, mtime and ctime in nanoseconds (NodeByteSource's `statKey`). */
export const identityKey = (stat: BigIntStats): string => `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`

/** The algorithms node:crypto alone computes here (no native kernel): the only ones hashed this way. */
export const leanAlgorithm = (algorithm: HashAlgorithm): boolean =>
  Object.hasOwn(ALGORITHMS, algorithm) && hasKernel(algorithm, "nodeCrypto") && !hasKernel(algorithm, "native")

/** The buffer each thread reads into: a file up to this size is hashed in one call, a larger one in pieces of it. */
export const LEAN_READ_BYTES = 1024 * 1024

/**
 * Reads the file at `path` and hashes it with each algorithm (node:crypto): in one call when
 * it fits `scratch` (`LEAN_READ_BYTES`), else streamed through it. Returns the digests, the
 * identity key of the open file once read (a file written while it was read is not cached;
 * "" when `identify` is false), and the bytes read; throws what the file system throws.
 */
export const hashFileNow = (
  path: string,
  algorithms: ReadonlyArray<HashAlgorithm>,
  scratch: Buffer,
  /** Whether to say the file's identity once read (for the cache). */
  identify = true
): { digests: Array<string>; after: string; bytes: number } => {
  const crypto = process.getBuiltinModule("node:crypto")
  const fd = openSync(path, "r")
  try {
    let filled = 0
    let bytes = 0
    let hashers: Array<import("node:crypto").Hash> | undefined
    for (;;) {
      const n = readSync(fd, scratch, filled, scratch.length - filled, null)
      filled += n
      bytes += n
      if (filled === scratch.length || (n === 0 && hashers !== undefined)) {
        hashers ??= algorithms.map((algorithm) => crypto.createHash(ALGORITHMS[algorithm].kernels.nodeCrypto!))
        for (const hasher of hashers) hasher.update(scratch.subarray(0, filled))
        filled = 0
      }
      if (n === 0) break
    }
    const after = identify ? identityKey(fstatSync(fd, { bigint: true })) : ""
    const digests = hashers !== undefined
      ? hashers.map((hasher) => hasher.digest("hex"))
      : algorithms.map((algorithm) => crypto.hash(ALGORITHMS[algorithm].kernels.nodeCrypto!, scratch.subarray(0, filled), "hex"))
    return { digests, after, bytes }
  } finally {
    closeSync(fd)
  }
}

/** One batch's results: per file, its digests joined by "," and its identity after the read (when asked); "" where the file could not be read. */
export interface LeanBatch {
  readonly at: number
  readonly digests: Array<string>
  readonly after: Array<string>
}

/**
 * Takes batches from `counter` (shared with the other thread) and hashes them until no file
 * is left, handing each batch's results to `done`.
 */
export const hashShared = (
  paths: ReadonlyArray<string>,
  algorithms: ReadonlyArray<HashAlgorithm>,
  counter: Int32Array,
  done: (batch: LeanBatch) => void,
  /** Whether each file's identity once read is wanted (the cache stores only what did not change). */
  identify = true
): void => {
  const scratch = Buffer.allocUnsafe(LEAN_READ_BYTES)
  for (;;) {
    const at = Atomics.add(counter, 0, LEAN_BATCH)
    if (at >= paths.length) return
    const end = Math.min(paths.length, at + LEAN_BATCH)
    const digests: Array<string> = []
    const after: Array<string> = []
    for (let i = at; i < end; i++) {
      try {
        const result = hashFileNow(paths[i]!, algorithms, scratch, identify)
        digests.push(result.digests.length === 1 ? result.digests[0]! : result.digests.join(","))
        after.push(result.after)
      } catch {
        digests.push("")
        after.push("")
      }
    }
    done({ at, digests, after })
  }
}

/** What the lean hash knows of a file from its stat, for the cache. */
export interface LeanIdentity {
  readonly key: string
  readonly size: number
  readonly ctimeNs: bigint
  /** Its entries' level keys, one per algorithm, where the stat made them too (@sluice/native's `statMany`). */
  readonly ids?: ReadonlyArray<string> | undefined
}

/**
 * The text of `algorithm`'s level key (`levelKey`) of a lean entry up to the file's identity
 * key, which follows it: what @sluice/native's `statMany` hashes with each identity, so the
 * text is made here by `levelKey` itself, not written out a second time.
 */
export const leanLevelKeyPrefix = (algorithm: HashAlgorithm, kernel: string | undefined = indexedKernel(algorithm)): string => {
  let text = ""
  levelKey(CORE_VERSION, { kind: "digest", parts: [algorithm, kernel!, ""] }, (whole) => {
    text = whole
    return ""
  })
  return text
}

export const leanIdentity = (stat: BigIntStats): LeanIdentity => ({ key: identityKey(stat), size: Number(stat.size), ctimeNs: stat.ctimeNs })

/**
 * The result cache's digests as the full program keeps them (disk level only, as the CLI
 * runs it), synchronously. A cache that fails is not used further: lookups miss and
 * nothing more is stored, as the full program retires a failing level.
 */
export const makeLeanDigestCache = (
  dir: string,
  /** The kernel version the full program keys `algorithm` with (node.ts's `kernelVersion`): node:crypto's for the lean algorithms. */
  kernelOf: (algorithm: HashAlgorithm) => string | undefined = indexedKernel
) => {
  const tag = `${CACHE_FORMAT}/${CORE_VERSION}`
  const store = makeDiskStore({ dir, tag })
  let broken = false
  // node:crypto loaded with the first key made here (~5 ms): a first hash whose records
  // @sluice/native makes, level keys included, never loads it.
  let crypto: typeof import("node:crypto") | undefined
  const sha256Hex = (text: string) => (crypto ??= process.getBuiltinModule("node:crypto")).hash("sha256", text, "hex")
  const ids = (identity: LeanIdentity, algorithms: ReadonlyArray<HashAlgorithm>): Array<string> =>
    algorithms.map((algorithm) => levelKey(CORE_VERSION, { kind: "digest", parts: [algorithm, kernelOf(algorithm)!, identity.key] }, sha256Hex))
  /** The digests `values[from..to]` (a file's entries as cached) hold, or undefined unless each is there and still vouched for. */
  const vouchedDigests = (path: string, identity: LeanIdentity, values: ReadonlyArray<string | undefined>, from: number, to: number): Array<string> | undefined => {
    const digests: Array<string> = []
    let fingerprint: string | undefined
    for (let i = from; i < to; i++) {
      const value = values[i]
      const entry = value === undefined ? undefined : parseDigestEntry(value)
      if (entry === undefined || entry.bytes !== identity.size) return undefined
      if (entry.fingerprint !== undefined) {
        fingerprint ??= fingerprintNow(path, identity.size)
        if (fingerprint !== entry.fingerprint) return undefined
      }
      digests.push(entry.digest)
    }
    return digests
  }
  return {
    /** The level keys of a file's entries, one per algorithm: computed once for the lookup and the store. */
    ids,
    /** Every digest, or undefined unless all are cached and still vouched for (by the metadata, or the sampled blocks). */
    lookup(path: string, identity: LeanIdentity, keys: ReadonlyArray<string>): Array<string> | undefined {
      if (broken) return undefined
      try {
        const t = store.now()
        return vouchedDigests(path, identity, keys.map((key) => store.lookup(key, t)), 0, keys.length)
      } catch {
        broken = true
        return undefined
      }
    },
    /**
     * `lookup` of many files at once: their records found by @sluice/native's `findRecords`
     * in one call (the disk store's `lookupMany`), or a file at a time without it.
     */
    lookupAll(paths: ReadonlyArray<string>, identities: ReadonlyArray<LeanIdentity>, keys: ReadonlyArray<ReadonlyArray<string>>): Array<Array<string> | undefined> {
      const addon = broken ? undefined : nativeBatch()
      if (addon?.findRecords === undefined) return paths.map((path, i) => this.lookup(path, identities[i]!, keys[i]!))
      try {
        const values = store.lookupMany(keys.flat(), store.now(), (records, tag, wanted, touchBefore) => addon.findRecords!(records, tag, wanted, touchBefore))
        let at = 0
        return paths.map((path, i) => vouchedDigests(path, identities[i]!, values, at, at += keys[i]!.length))
      } catch {
        broken = true
        return paths.map(() => undefined)
      }
    },
    /** Caches a file's digests, unless it changed while it was read (`after`); one not settled keeps its fingerprint. */
    store(path: string, identity: LeanIdentity, keys: ReadonlyArray<string>, digests: ReadonlyArray<string>, bytes: number, after: string): void {
      if (broken || bytes !== identity.size || after !== identity.key) return
      try {
        const t = store.now()
        const settled = BigInt(t) * 1_000_000n - identity.ctimeNs > RACY_WINDOW_NS
        const fingerprint = settled ? undefined : fingerprintNow(path, identity.size)
        for (let i = 0; i < keys.length; i++) store.put(keys[i]!, entryValue(digests[i]!, bytes, fingerprint), t)
      } catch {
        broken = true
      }
    },
    /**
     * What @sluice/native's `hashFiles` needs to make this cache's records as `store` does
     * (nativeBatch.ts's `BatchRecords.head`): the store's tag, the time now in base 36 and
     * the ctime in nanoseconds a settled file is older than; undefined once the cache failed.
     */
    recordsHead(): string | undefined {
      if (broken) return undefined
      const t = store.now()
      return `${tag}\t${t.toString(36)}\t${BigInt(t) * 1_000_000n - RACY_WINDOW_NS}`
    },
    /**
     * What @sluice/native's `recordVerdicts` reads of this cache (nativeBatch.ts's
     * `RecordsReader`); undefined once the cache failed. Its records read as one cannot be
     * (a failure, or a shard this cache holds writes for) are none: every lookup misses.
     */
    recordsReader(): RecordsReader | undefined {
      if (broken) return undefined
      const t = store.now()
      const read = (shards: string): Uint8Array => {
        try {
          return store.recordsOf(new Set(shards.split(","))) ?? NO_RECORDS
        } catch {
          broken = true
          return NO_RECORDS
        }
      }
      return { tag, t36: t.toString(36), touchBefore: store.touchBefore(t), read }
    },
    /** Buffers `count` records of `shard` that the addon made, as `store` buffers its own. */
    storeRecords(shard: string, text: string, count: number): void {
      if (broken) return
      try {
        store.bufferRecords(shard, text, count)
      } catch {
        broken = true
      }
    },
    /** Writes what is buffered (and prunes once a day, as the full program's flush does). */
    close(): void {
      if (broken) return
      try {
        store.close()
      } catch {
        broken = true
      }
    }
  }
}

const fingerprintNow = (path: string, size: number): string => {
  try {
    return fingerprintFile(path, size)
  } catch {
    return UNREADABLE_FINGERPRINT
  }
}
