// How long a pool worker takes to start, and what it costs, measured from the main thread.
//
//   node scripts/worker-start.mjs [--workers N] [--runs R] [--task none|keygen|hash] [--entry dist/worker.js] [--heap keygen|default]
//
// --task none (default): N workers started at once, each timed from `new Worker` to its
//   runner's first message (it serves requests from then on) and its CPU (user + system,
//   worker.cpuUsage()) at that moment; then they are stopped.
// --task keygen|hash: one worker on core's Node pool (`workerUrl`), timed from the pool's
//   start to the first result of one Ed25519 key (PEM) or one SHA-256 of a small file, and
//   its CPU then: start-up plus the first task's loading of its operation.
// Run after `build`; pass NODE_OPTIONS=--cpu-prof (and --cpu-prof-dir) for a profile per thread.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Worker } from "node:worker_threads"

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i === -1 ? fallback : args[i + 1]
}
const workers = Number(option("--workers", "1"))
const runs = Number(option("--runs", "10"))
const task = option("--task", "none")
const entry = new URL(option("--entry", "../dist/worker.js"), import.meta.url)
// keygen's worker heap (src/keygenWorkers.ts) unless --heap default
const heap = option("--heap", "keygen") === "default" ? undefined : { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 96 }

const cpuMs = async (worker) => {
  const { user, system } = await worker.cpuUsage()
  return (user + system) / 1000
}

/** N workers at once, each to its first message. */
const bare = () =>
  Promise.all(Array.from({ length: workers }, () =>
    new Promise((resolve, reject) => {
      const start = performance.now()
      const worker = new Worker(entry, { resourceLimits: heap })
      worker.once("error", reject)
      worker.once("message", async () => {
        const ms = performance.now() - start
        const cpu = await cpuMs(worker)
        await worker.terminate()
        resolve({ ms, cpu })
      })
    })))

let core
const firstTask = async () => {
  core ??= await import("@sluice/core/node")
  // The worker's CPU as its latest message arrived (the last is the task's result); asked
  // before the pool hears of the message, since this listener is the first.
  let cpu = Promise.resolve(NaN)
  const spawn = () => {
    const worker = new Worker(entry, { resourceLimits: heap })
    worker.on("message", () => {
      cpu = cpuMs(worker).catch(() => NaN)
    })
    return worker
  }
  const start = performance.now()
  if (task === "keygen") {
    for await (const _key of core.generateKeysIterable({ type: "ed25519", count: 1, formats: ["pkcs8-pem"] }, { workers: 1, spawn })) {
      const ms = performance.now() - start
      return { ms, cpu: await cpu }
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "worker-start-"))
  try {
    const file = join(dir, "small")
    writeFileSync(file, "abc")
    const pending = core.hashFile(file, { workers: 1, spawn, onProgress: () => {} })
    // The pool stops the worker as soon as the digest is in: its CPU is the one asked for last.
    await pending
    return { ms: performance.now() - start, cpu: await cpu }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const results = []
for (let run = 0; run < runs; run++) {
  const measured = task === "none" ? await bare() : [await firstTask()]
  results.push(...measured)
}
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
const fmt = (values) => `median ${median(values).toFixed(1)} ms (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`
console.log(`${entry.pathname.split("/").slice(-2).join("/")}, task ${task}, ${workers} worker(s) at once, ${runs} runs`)
console.log(`  ready: ${fmt(results.map((r) => r.ms))}`)
if (results.every((r) => !Number.isNaN(r.cpu))) console.log(`  cpu:   ${fmt(results.map((r) => r.cpu))}`)
