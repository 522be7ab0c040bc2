/**
 * Measures one scenario: warm its files, run every command once untimed (warming the
 * binaries too, and checking that tools agree on the digests), then the timed runs,
 * interleaved and in a rotating order so noise on a shared machine hits every tool alike.
 */
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { join } from "node:path"
import type { BenchSize, CommandFigures, ScenarioFigures } from "./budgets.js"
import { describeInput, inputKey, totalBytes, warmFiles } from "./inputs.js"
import { median, runOnce, type Sample } from "./measure.js"
import { type CommandSpec, digestsIn, type MissingTool, type ScenarioSpec, type ToolId, type ToolInfo } from "./scenarios.js"

export interface RunSampleRecord {
  readonly seconds: number
  readonly rssMiB?: number
}

export interface CommandResult extends CommandFigures {
  readonly id: string
  readonly tool: ToolId
  readonly input: string
  readonly bytes: number
  /** The command line, with long file lists shortened. */
  readonly command: string
  readonly samples: ReadonlyArray<RunSampleRecord>
  /** Runs killed for not exiting (then run again). */
  readonly hangs: number
  readonly minSeconds?: number
  readonly maxSeconds?: number
  /** How a browser figure was measured, or what else was seen. */
  readonly note?: string
}

export interface ScenarioResult extends ScenarioFigures {
  readonly title: string
  readonly commands: Readonly<Record<string, CommandResult>>
}

export interface ExecuteContext {
  readonly size: BenchSize
  readonly runs: number
  readonly tools: ReadonlyMap<ToolId, ToolInfo | MissingTool>
  /** Paths of each generated input, by `inputKey`. */
  readonly inputs: ReadonlyMap<string, ReadonlyArray<string>>
  readonly gnuTime?: string
  /** Why RSS is not measured, when GNU time is missing. */
  readonly rssMissing?: string
  readonly scratchDir: string
  /** The longest any one run may take (the untimed first run is allowed this much). */
  readonly maxTimeoutMs: number
  readonly log: (line: string) => void
}

/** A timed run may take this many times the command's slowest run so far before it counts as hung. */
const HANG_FACTOR = 10
const MIN_TIMEOUT_MS = 5_000
/** A hung run is retried so the figures stand; the hang is still reported and fails the budget. */
const MAX_HANGS = 3

/**
 * The environment of a Sluice run that must compute, not remember: `SLUICE_CACHE_DIR` at a
 * cache directory emptied just before. Sluice answers a file it has seen unchanged from its
 * result cache, so without this every timed run after the first would measure a cache hit
 * (256 MiB in ~0.14 s instead of ~0.48 s), and the runs would fill the user's own cache.
 * An empty cache rather than `--no-cache`: the figure is a first hash with the defaults,
 * identifying the file and storing its digest included.
 */
export const coldCacheEnv = (scratchDir: string): NodeJS.ProcessEnv => {
  const dir = join(scratchDir, "cache-cold")
  rmSync(dir, { recursive: true, force: true })
  return { ...process.env, SLUICE_CACHE_DIR: dir }
}

const shortCommand = (argv: ReadonlyArray<string>, files: ReadonlyArray<string>): string => {
  const shown = files.length > 2
    ? [...argv.slice(0, argv.length - files.length), files[0]!, `... (${files.length} files)`]
    : [...argv]
  return shown.join(" ")
}

const failureOf = (sample: Sample, expectExit = 0): string | undefined => {
  if (sample.exitCode === expectExit) return undefined
  const how = sample.signal !== null ? `was killed by ${sample.signal}` : `exited with ${sample.exitCode}`
  const detail = sample.stderr.trim().split("\n").filter((l) => !/^Command exited/.test(l)).slice(0, 3).join(" | ")
  return `${how}${detail === "" ? "" : `: ${detail}`}`
}

interface Prepared {
  readonly spec: CommandSpec
  readonly argv: ReadonlyArray<string>
  readonly files: ReadonlyArray<string>
  readonly samples: Array<RunSampleRecord>
  error?: string
  /** Runs killed for taking far longer than the others. */
  hangs: number
  hangTimeoutsMs: Array<number>
  slowestMs: number
}

const rotate = <A>(items: ReadonlyArray<A>, by: number): Array<A> =>
  items.length === 0 ? [] : items.map((_, i) => items[(i + by) % items.length]!)

export const runScenario = async (spec: ScenarioSpec, ctx: ExecuteContext): Promise<ScenarioResult> => {
  const prepared: Array<Prepared> = spec.commands.map((command) => {
    const files = ctx.inputs.get(inputKey(command.input(ctx.size))) ?? []
    const tool = ctx.tools.get(command.tool)
    if (tool === undefined || "missing" in tool) {
      const error = tool?.missing ?? `${command.tool} is not available`
      return { spec: command, argv: [], files, samples: [], error, hangs: 0, hangTimeoutsMs: [], slowestMs: 0 }
    }
    return { spec: command, argv: [...tool.argv, ...command.args(files)], files, samples: [], hangs: 0, hangTimeoutsMs: [], slowestMs: 0 }
  })
  const live = () => prepared.filter((p) => p.error === undefined)
  // Before a first success: 5 s plus 50 MB/s of input, far beyond any healthy run.
  const timeoutOf = (p: Prepared) => {
    const least = Math.max(MIN_TIMEOUT_MS, (p.spec.minTimeoutSeconds ?? 0) * 1000)
    return Math.min(
      ctx.maxTimeoutMs,
      p.slowestMs === 0
        ? least + totalBytes(p.spec.input(ctx.size)) / 50_000
        : Math.max(least, HANG_FACTOR * p.slowestMs)
    )
  }
  /** One run; a hung run (killed at the timeout) is counted and run again. */
  const run = async (p: Prepared, what: string): Promise<Sample | undefined> => {
    for (;;) {
      if (spec.settleWrites === true) spawnSync("sync", { stdio: "ignore" })
      const timeoutMs = timeoutOf(p)
      // Sluice runs on an empty result cache every time (see coldCacheEnv).
      const base = p.spec.tool === "sluice" ? coldCacheEnv(ctx.scratchDir) : undefined
      const env = p.spec.env === undefined ? base : { ...(base ?? process.env), ...p.spec.env }
      const sample = await runOnce(p.argv, {
        rssFile: join(ctx.scratchDir, `rss-${spec.id}-${p.spec.id}.txt`),
        timeoutMs,
        ...(ctx.gnuTime === undefined ? {} : { gnuTime: ctx.gnuTime }),
        ...(env === undefined ? {} : { env })
      })
      if (!sample.timedOut) {
        const failure = failureOf(sample, p.spec.expectExit)
        if (failure === undefined) {
          p.slowestMs = Math.max(p.slowestMs, sample.seconds * 1000)
          return sample
        }
        p.error = `${p.spec.label} ${failure} (${what})`
        ctx.log(`  ${p.spec.id}: ${p.error}`)
        return undefined
      }
      p.hangs++
      p.hangTimeoutsMs.push(timeoutMs)
      ctx.log(`  ${p.spec.id}: HUNG in the ${what} (no exit after ${(timeoutMs / 1000).toFixed(0)} s, killed)${p.hangs < MAX_HANGS ? ", running it again" : ""}`)
      if (p.hangs >= MAX_HANGS) {
        p.error = `${p.spec.label} hung ${p.hangs} times; gave up`
        return undefined
      }
    }
  }

  warmFiles([...new Set(prepared.flatMap((p) => p.files))])

  // Untimed run: warms each binary and Node's module loading, and checks the digests.
  const digests = new Map<string, Array<string>>()
  for (const p of live()) {
    const sample = await run(p, "untimed first run")
    if (sample === undefined) continue
    if (p.spec.algorithm !== undefined) {
      const found = digestsIn(sample.stdout)
      if (found.length !== p.files.length) {
        p.error = `${p.spec.label} printed ${found.length} digests for ${p.files.length} files`
      } else digests.set(p.spec.id, found)
    }
  }
  let error: string | undefined
  for (const a of live()) {
    for (const b of live()) {
      if (a.spec.id >= b.spec.id || a.spec.algorithm === undefined || a.spec.algorithm !== b.spec.algorithm) continue
      const da = digests.get(a.spec.id)
      const db = digests.get(b.spec.id)
      if (da !== undefined && db !== undefined && da.join() !== db.join()) {
        const at = da.findIndex((d, i) => d !== db[i])
        error = `digests differ between ${a.spec.label} and ${b.spec.label} (file ${at + 1}: ${da[at]} vs ${db[at]})`
      }
    }
  }

  const runs = Math.max(ctx.runs, spec.minRuns ?? 0)
  for (let round = 0; round < runs && error === undefined; round++) {
    for (const p of rotate(live(), round)) {
      const sample = await run(p, `timed run ${round + 1}`)
      if (sample === undefined) continue
      const record = {
        seconds: sample.seconds,
        ...(sample.rssKiB === undefined ? {} : { rssMiB: sample.rssKiB / 1024 })
      }
      p.samples.push(record)
      ctx.log(
        `  run ${round + 1}/${runs} ${p.spec.id.padEnd(16)} ${record.seconds.toFixed(3)} s` +
          (record.rssMiB === undefined ? "" : `  ${record.rssMiB.toFixed(1)} MiB`)
      )
    }
  }

  const commands: Record<string, CommandResult> = {}
  for (const p of prepared) {
    const input = p.spec.input(ctx.size)
    const bytes = totalBytes(input)
    const seconds = p.samples.map((s) => s.seconds)
    const rss = p.samples.flatMap((s) => s.rssMiB === undefined ? [] : [s.rssMiB])
    const measured = p.error === undefined && seconds.length > 0
    const secondsMedian = median(seconds)
    commands[p.spec.id] = {
      id: p.spec.id,
      tool: p.spec.tool,
      label: p.spec.label,
      input: describeInput(input),
      bytes,
      command: p.argv.length === 0 ? p.spec.label : shortCommand(p.argv, p.files),
      samples: p.samples,
      ...(p.error !== undefined ? { error: p.error } : {}),
      ...(p.error === undefined && p.hangs > 0
        ? {
          defect: `HUNG in ${p.hangs} of ${p.hangs + p.samples.length + 1} invocations (killed after ` +
            `${p.hangTimeoutsMs.map((t) => (t / 1000).toFixed(0)).join(", ")} s without exiting); the figures are from the runs that finished`
        }
        : {}),
      hangs: p.hangs,
      ...(measured
        ? {
          seconds: secondsMedian,
          minSeconds: Math.min(...seconds),
          maxSeconds: Math.max(...seconds),
          ...(bytes > 0 ? { mbPerSec: bytes / secondsMedian / 1e6 } : {})
        }
        : {}),
      ...(measured && rss.length > 0 ? { rssMiB: median(rss) } : {}),
      ...(measured && rss.length === 0 ? { rssError: ctx.rssMissing ?? "GNU time printed no peak RSS" } : {})
    }
  }
  return { id: spec.id, title: spec.title, ...(error === undefined ? {} : { error }), commands }
}
