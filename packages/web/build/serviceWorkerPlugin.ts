import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import type { Plugin } from "vite"

const template = readFileSync(new URL("./sw-template.js", import.meta.url), "utf8")

/**
 * Emits `sw.js` for the production build: the list of every emitted file (the app shell,
 * worker chunks and their WASM, the public files) and a version derived from their
 * contents, so a new build gets a new cache name and an unchanged build keeps its cache.
 */
export const serviceWorker = (): Plugin => {
  let publicDir = ""
  return {
    name: "sluice:service-worker",
    apply: "build",
    configResolved(config) {
      publicDir = config.publicDir
    },
    generateBundle(_options, bundle) {
      const files = Object.values(bundle)
        .map((item) => item.fileName)
        .filter((name) => !name.endsWith(".map") && name !== "sw.js")
        .sort()
      const publicFiles = publicDir !== "" && existsSync(publicDir) ? readdirSync(publicDir).sort() : []
      const version = createHash("sha256")
      for (const name of files) {
        const item = bundle[name]!
        version.update(name).update(item.type === "chunk" ? item.code : item.source)
      }
      const shell = ["./", ...[...publicFiles, ...files].map((name) => `./${name}`)]
      this.emitFile({
        type: "asset",
        fileName: "sw.js",
        source: template
          .replace("__SLUICE_VERSION__", JSON.stringify(version.digest("hex").slice(0, 16)))
          .replace("__SLUICE_SHELL__", JSON.stringify(shell))
      })
    }
  }
}
