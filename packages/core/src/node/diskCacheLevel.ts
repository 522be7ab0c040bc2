/**
 * The L2 level of the CLI and of Node programs: diskCacheStore.ts's store (a directory of
 * append-only logs, one per key prefix) as a `CacheLevel`, each failure a `CacheFailed`.
 */
import { Effect } from "effect"
import { CacheFailed, type CacheLevel } from "../engine/cache/CacheLevel.js"
import { type DiskLevelOptions, makeDiskStore } from "./diskCacheStore.js"

export { CHECK_INDEX_MAX_AGE_MS, DEFAULT_DISK_LIMITS, type DiskLevelOptions, makeDiskStore } from "./diskCacheStore.js"
export { defaultCacheDir } from "./cacheDir.js"

const failure = (action: string, error: unknown) =>
  new CacheFailed({
    level: "disk",
    detail: `${action}: ${error instanceof Error ? error.message : String(error)}`
  })

export const makeDiskLevel = (options: DiskLevelOptions): CacheLevel => {
  const store = makeDiskStore(options)
  const attempt = <A>(action: string, run: () => A) => Effect.try({ try: run, catch: (error) => failure(action, error) })
  return {
    name: "disk",
    get: (key) => attempt("read", () => store.lookup(key, store.now())),
    getMany: (keys) =>
      attempt("read", () => {
        const t = store.now()
        return keys.map((key) => store.lookup(key, t))
      }),
    set: (key, value) => attempt("write", () => store.put(key, value, store.now())),
    setMany: (list) =>
      attempt("write", () => {
        const t = store.now()
        for (const [key, value] of list) store.put(key, value, t)
      }),
    size: attempt("read", store.size),
    clear: attempt("clear", store.clear),
    prune: attempt("prune", store.prune),
    flush: Effect.gen(function*() {
      yield* attempt("write", store.flushSync)
      yield* attempt("prune", store.close)
    }).pipe(Effect.catchDefect((error) => Effect.fail(failure("write", error))))
  }
}
