import react from "@vitejs/plugin-react"
import { defineConfig, type Plugin } from "vite"
import { serviceWorker } from "./build/serviceWorkerPlugin.js"

/**
 * index.html carries the production Content-Security-Policy. The dev server needs an
 * inline script (React Refresh preamble) that the policy forbids, so it is dropped
 * while serving; `vite build` and `vite preview` keep it.
 */
const cspOnlyInBuild = (): Plugin => ({
  name: "sluice:csp-only-in-build",
  apply: "serve",
  transformIndexHtml: (html) => html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/, "")
})

/**
 * The page loads in stages (src/main.tsx: React, then Effect, then the app, each imported
 * once the last was evaluated). Vite preloads a dynamic import's chunks only when it is
 * made, so each stage would wait for its own round trip: every chunk the stages import is
 * preloaded from the page's head instead, fetched and parsed in parallel, evaluated in turn.
 */
const preloadStages = (): Plugin => ({
  name: "sluice:preload-stages",
  apply: "build",
  transformIndexHtml: {
    order: "post",
    handler: (html, { bundle, chunk }) => {
      if (bundle === undefined || chunk === undefined) return html
      const preloaded = new Set([chunk.fileName, ...chunk.imports])
      const stages: Array<string> = []
      const visit = (name: string) => {
        const item = bundle[name]
        if (item === undefined || item.type !== "chunk" || preloaded.has(name)) return
        preloaded.add(name)
        for (const dep of item.imports) visit(dep)
        stages.push(name)
      }
      for (const name of chunk.dynamicImports) visit(name)
      return stages.map((name) => ({ tag: "link", attrs: { rel: "modulepreload", crossorigin: true, href: `/${name}` }, injectTo: "head" as const }))
    }
  }
})

export default defineConfig({
  plugins: [react(), cspOnlyInBuild(), serviceWorker(), preloadStages()],
  worker: { format: "es" },
  build: {
    target: "es2022",
    // The polyfill is an inline-free module, but every target browser has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: true,
    // One entry chunk by design: React, Effect and the inline fallback's WASM kernels (about 170 kB gzipped).
    chunkSizeWarningLimit: 600
  },
  preview: { port: 4173, strictPort: true }
})
