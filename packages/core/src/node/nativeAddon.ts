import { createRequire } from "node:module"

/**
 * A native addon, `require`d on first use and kept: bundles leave it out (a native binary
 * cannot be bundled), and a platform without a binary, a broken install or `SLUICE_NATIVE=0`
 * gets `undefined`, so the caller's fallback kernel answers. `works` tries the loaded module
 * once: a binary that loads but does not answer is no kernel either. `off`, an environment
 * variable set to `0`, turns this addon alone off.
 */
export const nativeAddon = <T>(name: string, works: (addon: T) => void = () => {}, off?: string): () => T | undefined => {
  let loaded: T | null | undefined
  return () => {
    if (loaded === undefined) {
      loaded = null
      if (process.env["SLUICE_NATIVE"] !== "0" && (off === undefined || process.env[off] !== "0")) {
        try {
          const addon = createRequire(import.meta.url)(name) as T
          works(addon)
          loaded = addon
        } catch {
          // No binary for this platform (or a broken install): the fallback answers.
        }
      }
    }
    return loaded ?? undefined
  }
}
