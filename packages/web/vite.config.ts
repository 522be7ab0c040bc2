import react from "@vitejs/plugin-react"
import { defineConfig, type Plugin } from "vite"
import { preloadStages } from "./build/preloadStages.js"
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

export default defineConfig({
  plugins: [react(), cspOnlyInBuild(), serviceWorker(), preloadStages()],
  worker: { format: "es" },
  build: {
    target: "es2022",
    // The polyfill is an inline-free module, but every target browser has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: true,
    // The page loads in stages (src/main.tsx), each of its own chunks; the largest are react-dom's and the inline fallback's WASM kernels (~215 kB each).
    chunkSizeWarningLimit: 600
  },
  preview: { port: 4173, strictPort: true }
})
