import { defaultCacheDir } from "@sluice/core/node"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { cacheDirAtStart, cacheHasResults } from "./cacheHasResults.js"
import { useTempDir } from "./cli.testkit.js"

const dir = useTempDir("cache-has-results")

describe("cacheHasResults", () => {
  it("names the folder core's defaultCacheDir names, for each variable set or not", () => {
    const envs: Array<NodeJS.ProcessEnv> = [
      {},
      { SLUICE_CACHE_DIR: "/somewhere/cache" },
      { XDG_CACHE_HOME: "/xdg" },
      { SLUICE_CACHE_DIR: "", XDG_CACHE_HOME: "/xdg" },
      { SLUICE_CACHE_DIR: "/a", XDG_CACHE_HOME: "/b" }
    ]
    for (const env of envs) expect(cacheDirAtStart(env)).toBe(defaultCacheDir(env))
  })

  it("is false for a cache folder that does not exist or holds no results folder, true once it does", () => {
    const cache = join(dir, "cache")
    expect(cacheHasResults({ SLUICE_CACHE_DIR: cache })).toBe(false)
    mkdirSync(cache)
    expect(cacheHasResults({ SLUICE_CACHE_DIR: cache })).toBe(false)
    mkdirSync(join(cache, "results"))
    expect(cacheHasResults({ SLUICE_CACHE_DIR: cache })).toBe(true)
  })
})
