/**
 * What the result cache's files rest on, without Effect: where they live and how old a
 * file's change time must be before its metadata can vouch for its content. The disk
 * level, the content identities and the check index (checkIndex.ts) all take them here.
 */
import { homedir } from "node:os"
import { join } from "node:path"

/** `$SLUICE_CACHE_DIR`, else `$XDG_CACHE_HOME/sluice`, else `~/.cache/sluice`. */
export const defaultCacheDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.SLUICE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "sluice")

/** Timestamps are as coarse as 2 s on some file systems (FAT); ext4's tick is a few ms. */
export const RACY_WINDOW_NS = 2_000_000_000n
