/**
 * The library as a program uses it: `@sluice/core/node` from `packages/core/dist` as built,
 * and `effect` loaded from where @sluice/core loads it, so the Effect values core builds run
 * on the very same module instance. (`effect` is not a dependency of this package; its types
 * come through `paths` in tsconfig.json.)
 */
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import type * as EffectModule from "effect"

export type Core = typeof import("@sluice/core/node")

export interface Library {
  readonly core: Core
  readonly effect: typeof EffectModule
}

export const loadLibrary = async (): Promise<Library> => {
  const core = await import("@sluice/core/node")
  const coreRequire = createRequire(fileURLToPath(import.meta.resolve("@sluice/core/node")))
  const effect = await import(pathToFileURL(coreRequire.resolve("effect")).href) as typeof EffectModule
  return { core, effect }
}
