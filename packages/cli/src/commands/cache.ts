import { type CacheStats, formatBytes, ResultCache } from "@sluice/core"
import * as SluiceNode from "@sluice/core/node"
import { Effect } from "effect"
import { ExitCode } from "../exitCodes.js"

export type CacheAction = "stats" | "clear" | "prune"

/** The disk level as `cache stats` shows it: where it is, what it holds, and why it failed if it did. */
const describe = (dir: string, stats: CacheStats) => {
  const disk = stats.levels.find((level) => level.name === "disk")
  return disk === undefined
    ? [`directory: ${dir}`]
    : [
      `directory: ${dir}`,
      `entries:   ${disk.entries}`,
      `size:      ${formatBytes(disk.bytes)}`,
      ...(disk.degraded === undefined ? [] : [`unusable:  ${disk.degraded}`])
    ]
}

/**
 * `sluice cache stats|clear|prune`: the disk cache of results (digests of files seen
 * unchanged). It holds no file content and no secret; clearing it only costs time.
 */
export const cacheCommand = (
  action: CacheAction,
  options: { readonly json: boolean },
  out: (line: string) => void,
  err: (line: string) => void
): Promise<ExitCode> => {
  const dir = SluiceNode.defaultCacheDir()
  return Effect.runPromise(Effect.gen(function*() {
    const cache = yield* ResultCache.ResultCache
    const removed = action === "clear"
      ? yield* Effect.as(cache.clear, undefined)
      : action === "prune"
      ? yield* cache.prune
      : undefined
    const stats = yield* cache.stats
    const disk = stats.levels.find((level) => level.name === "disk")
    if (options.json) {
      out(JSON.stringify({ directory: dir, entries: disk?.entries ?? 0, bytes: disk?.bytes ?? 0, ...(removed === undefined ? {} : { removed }), ...(disk?.degraded === undefined ? {} : { error: disk.degraded }) }))
    } else {
      if (action === "clear") out(`cleared ${dir}`)
      if (removed !== undefined) out(`removed ${removed} entries`)
      for (const line of describe(dir, stats)) out(line)
    }
    if (disk?.degraded !== undefined) {
      err(`sluice: the cache directory cannot be used: ${disk.degraded}`)
      return ExitCode.output
    }
    return ExitCode.ok
  }).pipe(Effect.scoped, Effect.provide(SluiceNode.cacheLayer({ dir }))))
}
