/**
 * metrics-cost: what core's metrics cost a job, measured as the same job with metrics on and
 * off (`Metrics.MetricsEnabled`) in one run, through `@sluice/core/node` in this process.
 *
 * Two jobs, each on one worker pool that lives for the whole case (so the figure is the cost
 * per job, not diluted by starting workers): SHA-256 of one large file, where a job makes a
 * handful of metric updates, and of many 4 KiB files, where the per-file updates are densest
 * (files and bytes counted per file, a timing per batch and per task). No result cache: every
 * job reads and hashes every byte.
 *
 * Each round runs the job three times, in an order that rotates from round to round: metrics
 * on, off, and off again. On against off is the cost; off against off again is what the same
 * comparison says when nothing differs, the noise floor of this machine at that moment. Both
 * are judged as `paired_ratio` (the median over the rounds of one round's ratio). Beside the
 * wall clock, the main thread's CPU time of each job (`process.threadCpuUsage`): every metric
 * update runs on the main thread, so the CPU it adds there, as a share of the job's time, is
 * what the metrics cost if every added microsecond delayed the job, and it is far less noisy
 * than wall time on a shared machine.
 *
 * Before every job the main thread's heap is collected (untimed), so each job starts from the
 * same heap and pays for its own garbage, not for the one before's: the rotation puts "off"
 * right after "on" in two rounds of three, which would otherwise hand it part of the metrics'
 * garbage. (The CPU figure leaves out V8's parallel GC helper threads, which collect part of
 * that garbage: it is a close bound, not a strict one.)
 */
import { createHash } from "node:crypto"
import { closeSync, openSync, readFileSync, readSync } from "node:fs"
import { performance } from "node:perf_hooks"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import type { CommandResult, ExecuteContext, RunSampleRecord, ScenarioResult } from "./execute.js"
import { describeInput, inputKey, type InputSpec, totalBytes, warmFiles } from "./inputs.js"
import { type Library, loadLibrary } from "./library.js"
import { median, medianInterval } from "./measure.js"
import type { CommandSpec, ScenarioSpec } from "./scenarios.js"

/** Rounds per case: odd (a median of one middle round) and a multiple of 3 (each variant as often in each place). */
export const METRICS_ROUNDS = 33

export const VARIANTS = ["on", "off", "off_b"] as const
export type Variant = (typeof VARIANTS)[number]

/** The cases: a command `<case>_<variant>` for each variant, and `<case>_cpu` for the CPU bound. */
export const CASES = ["large", "files"] as const
type Case = (typeof CASES)[number]

class ProbeFailed extends Error {}

interface Run {
  readonly seconds: number
  /** The main thread's user + system CPU time during the job. */
  readonly mainCpuSeconds: number
}

const sha256File = (path: string): string => {
  const hash = createHash("sha256")
  const buffer = Buffer.allocUnsafe(4 * 2 ** 20)
  const fd = openSync(path, "r")
  try {
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;) hash.update(buffer.subarray(0, n))
  } finally {
    closeSync(fd)
  }
  return hash.digest("hex")
}

const referenceDigests = (files: ReadonlyArray<string>): Array<string> =>
  files.map((f) => files.length === 1 ? sha256File(f) : createHash("sha256").update(readFileSync(f)).digest("hex"))

/**
 * One case's job on a pool that lives as long as the returned runner: `run(on)` hashes every
 * file once with metrics on or off and checks every digest.
 */
const jobRunner = (lib: Library, files: ReadonlyArray<string>, expected: ReadonlyArray<string>) => {
  const { core, effect: { Effect, ManagedRuntime, Stream } } = lib
  const runtime = ManagedRuntime.make(core.layer())
  const sources = files.map((path) => new core.PathSource({ path }))
  const job = (on: boolean) =>
    Stream.runFold(
      core.hashFiles(sources, { algorithms: ["sha256"] }),
      () => ({ hashed: 0, wrong: 0 }),
      (acc, event) => {
        if (event._tag === "FileHashed") {
          acc.hashed++
          if (event.digests["sha256"] !== expected[event.index]) acc.wrong++
        }
        return acc
      }
    ).pipe(Effect.provideService(core.Metrics.MetricsEnabled, on))
  const filesCounted = () => runtime.runPromise(core.metricsSnapshot).then((s) => s.files.hashed)
  return {
    run: async (on: boolean): Promise<Run> => {
      collectGarbage()
      const cpu = process.threadCpuUsage()
      const started = performance.now()
      const outcome = await runtime.runPromise(job(on))
      const seconds = (performance.now() - started) / 1000
      const used = process.threadCpuUsage(cpu)
      if (outcome.hashed !== files.length || outcome.wrong > 0) {
        throw new ProbeFailed(`a job with metrics ${on ? "on" : "off"} hashed ${outcome.hashed} of ${files.length} files, ${outcome.wrong} with a wrong digest`)
      }
      return { seconds, mainCpuSeconds: (used.user + used.system) / 1e6 }
    },
    /** The `sluice_files` counter (hashed): a job with metrics on must move it by its files, one with them off not at all. */
    filesCounted,
    dispose: () => runtime.dispose()
  }
}

/**
 * V8's full collection: exposed on a context created after the flag is set (this process
 * was not started with --expose-gc, and needs not be).
 */
let gc: (() => void) | undefined
const collectGarbage = (): void => {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc")
    gc = runInNewContext("gc") as () => void
  }
  gc()
}

const rotate = <A>(items: ReadonlyArray<A>, by: number): Array<A> => items.map((_, i) => items[(i + by) % items.length]!)
const f3 = (n: number): string => n.toFixed(3)
const ms = (seconds: number): string => `${(seconds * 1000).toFixed(2)} ms`

/** Round-by-round ratios b/a (a's throughput over b's when a and b are the seconds of the same job). */
const ratios = (subject: ReadonlyArray<Run>, peer: ReadonlyArray<Run>): Array<number> =>
  subject.map((s, i) => peer[i]!.seconds / s.seconds)

const interval = (values: ReadonlyArray<number>, format: (n: number) => string): string => {
  const [lo, hi] = medianInterval(values)
  return `${format(median(values))} (95 % interval of the median ${format(lo)} to ${format(hi)})`
}

const runCase = async (
  lib: Library,
  spec: ScenarioSpec,
  ctx: ExecuteContext,
  which: Case
): Promise<Record<string, CommandResult>> => {
  const byId = (id: string): CommandSpec => spec.commands.find((c) => c.id === id)!
  const inputSpec: InputSpec = byId(`${which}_on`).input(ctx.size)
  const files = ctx.inputs.get(inputKey(inputSpec))
  if (files === undefined) throw new ProbeFailed(`input ${describeInput(inputSpec)} not generated`)
  const input = describeInput(inputSpec)
  const bytes = totalBytes(inputSpec)
  warmFiles(files)
  const expected = referenceDigests(files)
  const runner = jobRunner(lib, files, expected)
  try {
    // Untimed: the pool grows to its size, both paths are compiled; and the switch is checked.
    for (const on of [true, false, true, false]) {
      const before = await runner.filesCounted()
      await runner.run(on)
      const counted = (await runner.filesCounted()) - before
      if (counted !== (on ? files.length : 0)) {
        throw new ProbeFailed(`with metrics ${on ? "on" : "off"} a job of ${files.length} files moved sluice_files by ${counted}: the switch does not work`)
      }
    }
    const rounds = Math.max(METRICS_ROUNDS, ctx.runs)
    const runs: Record<Variant, Array<Run>> = { on: [], off: [], off_b: [] }
    const started = performance.now()
    for (let round = 0; round < rounds; round++) {
      for (const variant of rotate(VARIANTS, round)) runs[variant].push(await runner.run(variant === "on"))
      ctx.log(
        `  ${which} round ${round + 1}/${rounds}: on ${runs.on.at(-1)!.seconds.toFixed(3)} s, off ${runs.off.at(-1)!.seconds.toFixed(3)} s, ` +
          `off again ${runs.off_b.at(-1)!.seconds.toFixed(3)} s`
      )
    }
    ctx.log(`  ${which}: ${rounds} rounds in ${((performance.now() - started) / 1000).toFixed(1)} s`)

    const onOff = ratios(runs.on, runs.off)
    const offOff = ratios(runs.off_b, runs.off)
    const mainCpu = (v: Variant) => median(runs[v].map((r) => r.mainCpuSeconds))
    // CPU the metrics add on the main thread, as a share of the job's time (with metrics off), round by round.
    const added = runs.on.map((r, i) => r.mainCpuSeconds - runs.off[i]!.mainCpuSeconds)
    const addedNoise = runs.off_b.map((r, i) => r.mainCpuSeconds - runs.off[i]!.mainCpuSeconds)
    const share = added.map((d, i) => (100 * d) / runs.off[i]!.seconds)
    const perFile = median(added) / files.length

    const result = (variant: Variant, note: string): CommandResult => {
      const c = byId(`${which}_${variant}`)
      const seconds = runs[variant].map((r) => r.seconds)
      const samples: Array<RunSampleRecord> = seconds.map((s) => ({ seconds: s }))
      return {
        id: c.id,
        tool: c.tool,
        label: c.label,
        input,
        bytes,
        command: `@sluice/core/node hashFiles, SHA-256, one pool for all ${rounds} rounds, Metrics.MetricsEnabled ${variant === "on" ? "true" : "false"} (src/metricsCost.ts)`,
        samples,
        hangs: 0,
        seconds: median(seconds),
        minSeconds: Math.min(...seconds),
        maxSeconds: Math.max(...seconds),
        mbPerSec: bytes / median(seconds) / 1e6,
        note: `main-thread CPU ${ms(mainCpu(variant))} a job; ${note}`
      }
    }
    const cpu = byId(`${which}_cpu`)
    return {
      [`${which}_on`]: result("on", `on/off round by round: ${interval(onOff, f3)}`),
      [`${which}_off`]: result("off", `${rounds} rounds, each variant as often in each place of a round`),
      [`${which}_off_b`]: result("off_b", `off again/off round by round: ${interval(offOff, f3)} (the noise floor)`),
      [`${which}_cpu`]: {
        id: cpu.id,
        tool: cpu.tool,
        label: cpu.label,
        input,
        bytes,
        command: "process.threadCpuUsage() around each job (the main thread, where every metric update runs)",
        samples: [],
        hangs: 0,
        percent: median(share),
        note: `metrics add ${interval(added, ms)} of main-thread CPU a job (median of the rounds' differences)` +
          (files.length > 1 ? `, ${(perFile * 1e6).toFixed(2)} µs a file` : "") +
          `; off again - off: ${interval(addedNoise, ms)} (the noise floor); as a share of the job's time: ${interval(share, (n) => `${n.toFixed(2)} %`)}`
      }
    }
  } finally {
    await runner.dispose()
  }
}

/** Runs both cases; a case that cannot finish (a wrong digest, a switch that does nothing) fails its commands with the reason. */
export const runMetricsCost = async (spec: ScenarioSpec, ctx: ExecuteContext): Promise<ScenarioResult> => {
  const lib = await loadLibrary()
  const commands: Record<string, CommandResult> = {}
  for (const which of CASES) {
    try {
      Object.assign(commands, await runCase(lib, spec, ctx, which))
    } catch (error) {
      const message = error instanceof ProbeFailed ? error.message : (error as Error).stack ?? String(error)
      ctx.log(`  ${which}: ${message}`)
      for (const c of spec.commands.filter((c) => c.id.startsWith(`${which}_`))) {
        commands[c.id] = {
          id: c.id,
          tool: c.tool,
          label: c.label,
          input: describeInput(c.input(ctx.size)),
          bytes: 0,
          command: c.label,
          samples: [],
          hangs: 0,
          error: message.split("\n")[0] ?? message
        }
      }
    }
  }
  return { id: spec.id, title: spec.title, commands }
}
