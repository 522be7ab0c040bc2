// The chunks an entry loads before it runs (static imports, transitively) and those it may
// load later (import()), with their sizes: what a thread reads at start-up and what it defers.
// Usage: node scripts/chunk-graph.mjs dist/worker.js
import { readFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"

const entry = process.argv[2]
if (entry === undefined) {
  console.error("usage: node scripts/chunk-graph.mjs <entry.js>")
  process.exit(2)
}
const staticRe = /(?:^|[;\n])\s*(?:import|export)\s*(?:[^"';]*?\sfrom\s*)?["'](\.[^"']+)["']/g
const dynamicRe = /import\(\s*["'](\.[^"']+)["']\s*\)/g
const imports = (file) => {
  const code = readFileSync(file, "utf8")
  const resolve = (spec) => join(dirname(file), spec)
  return {
    size: code.length,
    statics: [...code.matchAll(staticRe)].map((m) => resolve(m[1])),
    dynamics: [...code.matchAll(dynamicRe)].map((m) => resolve(m[1]))
  }
}
const loaded = new Map()
const deferred = new Set()
const visit = (file) => {
  if (loaded.has(file)) return
  const info = imports(file)
  loaded.set(file, info.size)
  info.statics.forEach(visit)
  info.dynamics.forEach((d) => deferred.add(d))
}
visit(entry)
const kb = (n) => `${(n / 1024).toFixed(1).padStart(8)} KiB`
const base = dirname(entry)
console.log(`at start: ${kb([...loaded.values()].reduce((a, b) => a + b, 0))} in ${loaded.size} files`)
for (const [file, size] of [...loaded].sort((a, b) => b[1] - a[1])) console.log(`  ${kb(size)}  ${relative(base, file)}`)
const later = [...deferred].filter((d) => !loaded.has(d))
console.log(`on first use (import()): ${later.length} files`)
for (const file of later) {
  const seen = new Map()
  const walk = (f) => {
    if (seen.has(f) || loaded.has(f)) return
    const info = imports(f)
    seen.set(f, info.size)
    info.statics.forEach(walk)
  }
  walk(file)
  console.log(`  ${kb([...seen.values()].reduce((a, b) => a + b, 0))}  ${relative(base, file)} (with ${seen.size - 1} chunk(s) not loaded at start)`)
}
