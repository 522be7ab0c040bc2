import { homedir } from "node:os"
import { join } from "node:path"

/**
 * The result cache's folder, as core's `defaultCacheDir` (core/src/node/cacheDir.ts) names
 * it: `$SLUICE_CACHE_DIR`, else `$XDG_CACHE_HOME/sluice`, else `~/.cache/sluice`. Written
 * again here so that bin.ts decides on its worker before it loads core (cacheHasResults.test.ts
 * holds the two equal).
 */
export const cacheDirAtStart = (env: NodeJS.ProcessEnv = process.env): string =>
  env.SLUICE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "sluice")

/**
 * Whether the result cache may hold anything: its `results` folder exists (the disk level
 * and the check indexes live in it, and the disk level makes it with its first write). Where
 * it does not, the cache answers no file and no check index exists: a hash or a check reads
 * every file, and bin.ts starts its worker with the program, not after the first lookups.
 */
export const cacheHasResults = (env: NodeJS.ProcessEnv = process.env): boolean => {
  try {
    // node:fs as Node has it: its stand-in (tsup.config.ts) would be a chunk of its own,
    // shared with the program, and one more file for every command to load.
    return process.getBuiltinModule("node:fs").existsSync(join(cacheDirAtStart(env), "results"))
  } catch {
    return true
  }
}
