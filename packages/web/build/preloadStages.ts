import type { Plugin } from "vite"

/** What the walk needs of a bundle's chunks (Rollup's and Rolldown's output chunks have it). */
export interface ChunkLinks {
  readonly type: "chunk" | "asset"
  readonly fileName?: string
  readonly imports?: ReadonlyArray<string>
  readonly dynamicImports?: ReadonlyArray<string>
}

/**
 * The chunks `entry` imports dynamically and every chunk they import statically, each after
 * its own imports, without the entry and its static imports (the page loads those already).
 * A chunk those stages import dynamically in turn (a tool, the charts) is left to load when
 * it is asked for.
 */
export const stageChunks = (bundle: Readonly<Record<string, ChunkLinks>>, entry: ChunkLinks & { readonly fileName: string }): Array<string> => {
  const preloaded = new Set([entry.fileName, ...(entry.imports ?? [])])
  const stages: Array<string> = []
  const visit = (name: string) => {
    const item = bundle[name]
    if (item === undefined || item.type !== "chunk" || preloaded.has(name)) return
    preloaded.add(name)
    for (const dep of item.imports ?? []) visit(dep)
    stages.push(name)
  }
  for (const name of entry.dynamicImports ?? []) visit(name)
  return stages
}

/**
 * The page loads in stages (src/main.tsx: React, then Effect, then core, then the app, each
 * imported once the last was evaluated). Vite preloads a dynamic import's chunks only when
 * it is made, so each stage would wait for its own round trip: every chunk the stages
 * import is preloaded from the page's head instead, fetched and parsed in parallel, and
 * evaluated in turn.
 */
export const preloadStages = (): Plugin => {
  let base = "/"
  return {
    name: "sluice:preload-stages",
    apply: "build",
    configResolved(config) {
      base = config.base
    },
    transformIndexHtml: {
      order: "post",
      handler: (html, { bundle, chunk }) => {
        if (bundle === undefined || chunk === undefined) return html
        return stageChunks(bundle as Record<string, ChunkLinks>, chunk).map((name) => ({
          tag: "link",
          attrs: { rel: "modulepreload", crossorigin: true, href: `${base}${name}` },
          injectTo: "head" as const
        }))
      }
    }
  }
}
