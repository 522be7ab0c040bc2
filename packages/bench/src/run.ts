/**
 * The budget runner: generates inputs, measures every scenario of the selected budgets,
 * prints the verdicts and exits 1 when any budget breaks (2 on a usage or setup error).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { evaluateBudgets, exitCodeFor, loadBudgets, selectBudgets } from "./budgets.js"
import { distFingerprint, findTools, machineInfo, sluiceBuild, snapshotCli } from "./environment.js"
import { runCacheScenario } from "./cache.js"
import { runKeygenScenario } from "./keygen.js"
import { runMetricsCost } from "./metricsCost.js"
import { type ScenarioResult, runScenario } from "./execute.js"
import { describeInput, formatBytes, freeBytes, generateInput, type InputSpec, inputKey, MiB, totalBytes, treeBytes, treeFiles } from "./inputs.js"
import { killRunning } from "./measure.js"
import { type BenchOptions, parseOptions, USAGE } from "./options.js"
import { DEFAULT_HISTORY_DIR, loadHistory, previousValues, recordRun } from "./history.js"
import { commandTable, failedLine, historyNote, verdictNotes, verdictTable } from "./report.js"
import { findScenario, SCENARIOS } from "./scenarios.js"
import { openWebApp } from "./browser.js"
import { runWebScenario, webSessions } from "./web.js"

const DEFAULT_CLI = fileURLToPath(new URL("../../cli/dist/bin.js", import.meta.url))

const log = (line: string) => process.stderr.write(`${line}\n`)

class SetupError extends Error {}

const main = async (options: BenchOptions): Promise<number> => {
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const major = Number(process.versions.node.split(".")[0])
  if (major < 24) {
    throw new SetupError(`Node ${process.version} is too old: run with Node 24: "npx -y pnpm@10.34.8 run bench" at the repository root puts the pinned Node first on PATH`)
  }
  const budgetFile = loadBudgets(options.budgets === undefined ? undefined : resolve(options.budgets))
  const selected = selectBudgets(budgetFile.budgets, options.only, SCENARIOS.map((s) => s.id))
  if ("error" in selected) throw new SetupError(selected.error)
  const budgets = selected.budgets
  const scenarios = [...new Set(budgets.map((b) => b.scenario))].map((id) => findScenario(id)!)
  const cliPath = resolve(options.cli ?? DEFAULT_CLI)
  const build = sluiceBuild(cliPath)
  const machine = machineInfo()

  // Inputs: each shape once, shared by every scenario that uses it; a scenario with a tree makes its own.
  const specs = new Map<string, InputSpec>()
  for (const s of scenarios) {
    if (s.tree !== undefined || s.keygen !== undefined) continue
    for (const c of s.commands) specs.set(inputKey(c.input(options.size)), c.input(options.size))
  }
  const trees = scenarios.flatMap((s) => s.tree === undefined ? [] : [s.tree(options.size)])
  const base = resolve(options.tmpdir ?? tmpdir())
  // Trees exist one at a time (each scenario deletes its own), beside the shared inputs.
  const needed = [...specs.values()].reduce((sum, s) => sum + totalBytes(s), 0) + Math.max(0, ...trees.map(treeBytes))
  const free = freeBytes(base)
  // Room for the inputs, a block per small file, and some slack for everyone else.
  const blocks = [...specs.values()].reduce((n, s) => n + s.count * 4096, 0) + Math.max(0, ...trees.map((t) => treeFiles(t) * 4096))
  if (free < needed * 1.1 + blocks + 256 * MiB) {
    throw new SetupError(`not enough disk in ${base}: inputs need ${formatBytes(needed)}, ${formatBytes(free)} free (use --tmpdir)`)
  }
  const dir = mkdtempSync(join(base, "sluice-bench-"))
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping, removing ${dir}`)
    killRunning()
    cleanup()
    process.exit(130)
  }
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)

  // Measure a copy of the CLI taken now: others may rebuild dist/ while this runs.
  const snapshot = existsSync(cliPath) ? snapshotCli(cliPath, dir) : undefined
  const toolbox = findTools(snapshot ?? cliPath)

  log(`sluice bench --size ${options.size} --runs ${options.runs}${options.only === undefined ? "" : ` --only ${options.only}`}`)
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}, load ${machine.loadAverage.join(" ")}`)
  for (const [id, tool] of toolbox.tools) log(`  ${id.padEnd(9)} ${"missing" in tool ? `MISSING: ${tool.missing}` : `${tool.argv.join(" ")}  (${tool.version ?? "version unknown"})`}`)
  log(`  ${"time".padEnd(9)} ${"missing" in toolbox.gnuTime ? `MISSING: ${toolbox.gnuTime.missing}` : `${toolbox.gnuTime.path}  (${toolbox.gnuTime.version ?? "version unknown"})`}`)
  log(`  sluice build: ${cliPath}${snapshot === undefined ? " (measured in place: could not snapshot it)" : " (snapshot measured)"}, git ${build.gitHead ?? "?"}${build.uncommitted !== undefined && build.uncommitted.length > 0 ? ` + uncommitted ${build.uncommitted.join(", ")}` : ""}, dist ${build.distFingerprint ?? "?"} built ${build.distBuiltAt ?? "?"}`)
  if (machine.cores < 2) log(`WARNING: ${machine.cores} core(s): the 2-worker budgets cannot hold here`)

  const sessions = webSessions(openWebApp)
  try {
    const inputs = new Map<string, Array<string>>()
    const genStarted = performance.now()
    for (const [key, spec] of specs) {
      log(`generating ${describeInput(spec)} in ${dir}`)
      inputs.set(key, generateInput(dir, spec))
    }
    log(`inputs: ${formatBytes(needed)} in ${((performance.now() - genStarted) / 1000).toFixed(1)} s`)

    const results: Array<ScenarioResult> = []
    const scenarioSeconds: Record<string, number> = {}
    for (const spec of scenarios) {
      log(`\n[${spec.id}] ${spec.title}`)
      const t0 = performance.now()
      const ctx = {
        size: options.size,
        runs: options.runs,
        tools: toolbox.tools,
        inputs,
        ...("missing" in toolbox.gnuTime ? { rssMissing: toolbox.gnuTime.missing } : { gnuTime: toolbox.gnuTime.path }),
        scratchDir: dir,
        maxTimeoutMs: options.timeoutSeconds * 1000,
        log
      }
      // Cache scenarios run every command in their probe (the runs depend on each other).
      if (spec.cache !== undefined) {
        results.push(await runCacheScenario(spec, ctx))
        scenarioSeconds[spec.id] = (performance.now() - t0) / 1000
        continue
      }
      // Keygen scenarios make keys into fresh destinations (src/keygen.ts).
      if (spec.keygen !== undefined) {
        results.push(await runKeygenScenario(spec, ctx))
        scenarioSeconds[spec.id] = (performance.now() - t0) / 1000
        continue
      }
      // The metrics scenario runs its jobs in this process.
      if (spec.metrics !== undefined) {
        results.push(await runMetricsCost(spec, ctx))
        scenarioSeconds[spec.id] = (performance.now() - t0) / 1000
        continue
      }
      // Browser scenarios: their CLI commands as usual, then the web app in Chromium.
      const cliSpec = { ...spec, commands: spec.commands.filter((c) => c.tool !== "chromium") }
      const cli = cliSpec.commands.length > 0 ? await runScenario(cliSpec, ctx) : { id: spec.id, title: spec.title, commands: {} }
      results.push(spec.web === undefined ? cli : await runWebScenario(spec, ctx, sessions, cli))
      scenarioSeconds[spec.id] = (performance.now() - t0) / 1000
    }

    const verdicts = evaluateBudgets(budgets, options.size, results)
    const code = exitCodeFor(verdicts)
    // What this run's values are compared with: the newest recorded run of the same size (history.ts).
    const historyDir = resolve(options.history ?? DEFAULT_HISTORY_DIR)
    const history = loadHistory(historyDir)
    for (const problem of history.problems) log(`history: skipped ${problem}`)
    const previous = previousValues(history.runs, options.size)
    const seconds = (performance.now() - started) / 1000
    const distAfter = distFingerprint(cliPath)
    const rebuilt = build.distFingerprint !== undefined && distAfter?.fingerprint !== build.distFingerprint
    const buildLine = `Sluice: ${cliPath}, git ${build.gitHead ?? "?"}${build.uncommitted !== undefined && build.uncommitted.length > 0 ? " + uncommitted changes in core/cli" : ""}, dist ${build.distFingerprint ?? "?"} built ${build.distBuiltAt ?? "?"}` +
      (snapshot === undefined ? "" : " (measured from a copy taken at start)")

    const out: Array<string> = [
      "",
      `Sluice budgets, size ${options.size}, median of ${options.runs} run(s), ${machine.cores} cores, ${machine.cpu}`,
      "",
      verdictTable(verdicts, results, previous),
      historyNote(previous, machine, historyDir, options.size),
      ...(results.some((r) => Object.values(r.commands).some((c) => c.defect !== undefined))
        ? ["(!) the command misbehaved (e.g. hung in some runs): see its problem below; its budgets fail"]
        : []),
      "",
      ...verdictNotes(verdicts, budgets, options.size, results),
      "",
      "All commands (median wall time from spawn to exit, page cache warm; MB/s = 10^6 bytes/s; peak RSS by GNU time %M):",
      "",
      commandTable(results),
      "",
      `${verdicts.filter((v) => v.status === "PASS").length} passed, ${verdicts.filter((v) => v.status === "FAIL").length} failed, ` +
      `${verdicts.filter((v) => v.status === "INFO").length} reported only; total ${seconds.toFixed(1)} s` +
      ` (load average ${machine.loadAverage.join(" ")} at start, ${machineInfo().loadAverage.join(" ")} at end)`
    ]
    // Last, where a log cut to its tail still shows them: which budgets failed, and by how much.
    for (const v of verdicts.filter((v) => v.status === "FAIL")) out.push(failedLine(v))
    out.push(buildLine)
    if (rebuilt) {
      out.push(snapshot === undefined
        ? "WARNING: the Sluice CLI's dist changed during the run (someone rebuilt it): figures may mix two builds"
        : "note: dist/ was rebuilt during the run; every figure is from the copy taken at start")
    }
    process.stdout.write(out.join("\n") + "\n")

    if (options.json !== undefined || options.record) {
      const doc = {
        startedAt,
        finishedAt: new Date().toISOString(),
        durationSeconds: Math.round(seconds * 10) / 10,
        size: options.size,
        runs: options.runs,
        ...(options.only === undefined ? {} : { only: options.only }),
        machine: { ...machine, loadAverageEnd: machineInfo().loadAverage },
        tools: Object.fromEntries([
          ...[...toolbox.tools].map(([id, t]) => [id, "missing" in t ? { missing: t.missing } : { argv: t.argv, version: t.version }]),
          ["time", toolbox.gnuTime]
        ]),
        sluice: { ...build, measuredCopy: snapshot !== undefined, distFingerprintAfter: distAfter?.fingerprint, rebuiltDuringRun: rebuilt },
        scenarioSeconds,
        scenarios: results,
        verdicts: verdicts.map((v) => {
          const last = previous.get(v.budget)
          return last === undefined ? v : { ...v, previous: { value: last.value, file: last.run.file } }
        }),
        exitCode: code
      }
      const text = JSON.stringify(doc, null, 2) + "\n"
      if (options.json !== undefined) {
        writeFileSync(options.json, text)
        log(`wrote ${resolve(options.json)}`)
      }
      if (options.record) {
        const dirty = build.uncommitted !== undefined && build.uncommitted.length > 0
        log(`recorded ${recordRun(historyDir, { startedAt, gitHead: build.gitHead, dirty, size: options.size }, text)}`)
      }
    }
    return code
  } finally {
    await sessions.close()
    cleanup()
    process.removeListener("SIGINT", onSignal)
    process.removeListener("SIGTERM", onSignal)
  }
}

const parsed = parseOptions(process.argv.slice(2))
if ("error" in parsed) {
  log(`bench: ${parsed.error}\n\n${USAGE}`)
  process.exitCode = 2
} else if (parsed.help) {
  process.stdout.write(USAGE)
} else {
  main(parsed).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      log(`bench: ${error instanceof SetupError ? error.message : (error as Error).stack ?? String(error)}`)
      process.exitCode = 2
    }
  )
}
