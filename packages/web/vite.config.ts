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

export default defineConfig({
  plugins: [react(), cspOnlyInBuild(), serviceWorker()],
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
