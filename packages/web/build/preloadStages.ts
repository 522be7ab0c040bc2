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
 * `stageChunks` split in two: the first stage's chunks (the entry's first dynamic import,
 * React's in src/main.tsx) and every later stage's.
 */
export const splitStageChunks = (
  bundle: Readonly<Record<string, ChunkLinks>>,
  entry: ChunkLinks & { readonly fileName: string }
): { readonly first: Array<string>; readonly later: Array<string> } => {
  const first = stageChunks(bundle, { ...entry, dynamicImports: (entry.dynamicImports ?? []).slice(0, 1) })
  return { first, later: stageChunks(bundle, entry).filter((name) => !first.includes(name)) }
}

/** The id of the template that holds the later stages' preloads, which src/main.tsx puts in the head. */
export const LATER_PRELOADS_ID = "sluice-later-preloads"

/**
 * The page loads in stages (src/main.tsx: React, then Effect, then core, then the app, each
 * imported once the last was evaluated). Vite preloads a dynamic import's chunks only when
 * it is made, so each stage would wait for its own round trip: the chunks the stages
 * import are preloaded from the page instead, fetched and parsed in parallel, and evaluated
 * in turn. The first stage's from the head; the later stages' from a template that the page
 * puts in the head once React's stage is evaluated. Preloaded at once, ~60 chunks were
 * compiled on the browser's threads while React's module was evaluated, on the same two
 * cores: its task (10-15 ms of CPU) took 51-87 ms in 1 or 2 of 9 first visits, and the
 * first paint came later (bench, alternated, load 3-6: first paint 64-128 ms against
 * 84-232 ms; loads right after the browser's launch without a long task 33 of 36 against
 * 22 of 36).
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
        const { first, later } = splitStageChunks(bundle as Record<string, ChunkLinks>, chunk)
        const preload = (name: string) => ({ tag: "link", attrs: { rel: "modulepreload", crossorigin: true, href: `${base}${name}` } })
        return [
          ...first.map((name) => ({ ...preload(name), injectTo: "head" as const })),
          { tag: "template", attrs: { id: LATER_PRELOADS_ID }, children: later.map(preload), injectTo: "body" as const }
        ]
      }
    }
  }
}
