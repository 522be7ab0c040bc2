// A thread's CPU profile (--cpu-prof) by phase of its start-up, from each sample's stack:
//   compile     compiling a module's source (compileSourceTextModule: with a code cache, deserializing it)
//   builtins    compiling and running Node's own modules (node:*) as they are first required
//   evaluation  running a bundle chunk's top level (module bodies), not counting effects run from it
//   effects     effect's fiber loop (runLoop): the worker's layers built (the entry forks them
//               at its top level), requests served, tasks
//   run         the rest of our JavaScript (callbacks outside a fiber)
//   gc, program (V8 and Node outside JavaScript), idle
// Usage: node scripts/cpuprofile-phases.mjs <file.cpuprofile>...
import { readFileSync } from "node:fs"

const phasesOf = (file) => {
  const profile = JSON.parse(readFileSync(file, "utf8"))
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const phaseOf = new Map()
  const classify = (id) => {
    const stack = []
    for (let at = id; at !== undefined; at = parent.get(at)) stack.push(nodes.get(at).callFrame)
    const leaf = stack[0]
    if (leaf.functionName === "(idle)") return "idle"
    if (leaf.functionName === "(garbage collector)") return "gc"
    if (leaf.functionName === "(program)") return "program"
    if (stack.some((f) => f.functionName === "compileSourceTextModule" || f.functionName === "compileFunction")) return "compile"
    if (stack.some((f) => f.functionName === "compileForInternalLoader" || f.functionName === "requireBuiltin")) return "builtins"
    if (stack.some((f) => f.functionName === "runLoop" && f.url.startsWith("file:"))) return "effects"
    // A module's top level: an anonymous function at the chunk's first line and column.
    if (stack.some((f) => f.functionName === "" && f.lineNumber === 0 && f.columnNumber === 0 && /^file:.*\.m?js$/.test(f.url))) return "evaluation"
    return stack.some((f) => f.url.startsWith("file:")) ? "run" : "builtins"
  }
  const totals = new Map()
  profile.samples.forEach((id, i) => {
    if (!phaseOf.has(id)) phaseOf.set(id, classify(id))
    const phase = phaseOf.get(id)
    totals.set(phase, (totals.get(phase) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000)
  })
  return { wall: (profile.endTime - profile.startTime) / 1000, totals }
}

const order = ["compile", "builtins", "evaluation", "effects", "run", "gc", "program", "idle"]
for (const file of process.argv.slice(2)) {
  const { wall, totals } = phasesOf(file)
  const busy = order.filter((p) => p !== "idle").reduce((sum, p) => sum + (totals.get(p) ?? 0), 0)
  console.log(`${file.split("/").pop()}: ${wall.toFixed(1)} ms profiled, ${busy.toFixed(1)} ms busy: ` +
    order.map((p) => `${p} ${(totals.get(p) ?? 0).toFixed(1)}`).join(", "))
}
