/**
 * keygen-*: bulk key generation through `sluice keygen`, as keys per second and peak RSS.
 *
 * Each command makes a number of keys into a fresh destination in the scratch directory
 * (a new --out-dir, a new --jsonl file, or a new folder for the ssh-keygen loop), all
 * removed, untimed, when the scenario ends, not after each run: on ext4 without a journal
 * (this machine's disk) a new file's inode skips every inode of its block group freed in the
 * last 60 s (ext4's `recently_deleted`), scanning past each, so removing one run's 20,000
 * files made every file of the next run cost 10-30x more to create (~500 us, not 20-45 us),
 * and a command measured the cleanup of the one before it. The first run of each command is untimed and checked (the
 * manifest or JSON lines hold every key, ssh-keygen wrote two files per key). Timed runs go
 * in rounds, in an order that rotates from round to round, like every other scenario.
 * Figures: seconds and peak RSS (GNU time) as usual, and `perSecond`, keys per second from
 * the median time, which `rate_ratio` budgets compare: the ssh-keygen loop makes fewer keys
 * than Sluice (one process per key), so only rates compare.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { coldCacheEnv, type CommandResult, type ExecuteContext, type RunSampleRecord, type ScenarioResult } from "./execute.js"
import { median, runOnce, type Sample } from "./measure.js"
import { type CommandSpec, type ScenarioSpec, SSH_KEYGEN_LOOP } from "./scenarios.js"

/** What a keygen command makes: `keys` keys into a destination of this kind. */

/** Lines in a file, read a MiB at a time. */
const countLines = (path: string): number => {
  const text = readFileSync(path)
  let n = 0
  for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) n++
  return n
}

/** Why the output of a run is wrong, or undefined: every key is there. */
export const checkOutput = (command: CommandSpec, path: string, keys: number): string | undefined => {
  try {
    if (command.tool === "ssh-keygen") {
      const files = readdirSync(path).length
      return files === 2 * keys ? undefined : `wrote ${files} files for ${keys} keys`
    }
    const lines = countLines(command.keygen!.destination === "dir" ? join(path, "manifest.jsonl") : path)
    return lines === keys ? undefined : `wrote ${lines} keys of ${keys}`
  } catch (error) {
    return `wrote nothing readable (${(error as Error).message})`
  }
}

export const runKeygenScenario = async (spec: ScenarioSpec, ctx: ExecuteContext): Promise<ScenarioResult> => {
  interface Live {
    readonly spec: CommandSpec
    readonly keys: number
    readonly argvFor: (path: string) => ReadonlyArray<string>
    readonly samples: Array<RunSampleRecord>
    error?: string
  }
  const live: Array<Live> = spec.commands.map((command) => {
    const keys = command.keygen!.keys(ctx.size)
    const tool = ctx.tools.get(command.tool)
    if (tool === undefined || "missing" in tool) {
      return { spec: command, keys, argvFor: () => [], samples: [], error: tool?.missing ?? `${command.tool} is not available` }
    }
    // The peer is a loop in /bin/sh running the ssh-keygen found on PATH once per key.
    const argvFor = command.tool === "ssh-keygen"
      ? (path: string) => ["/bin/sh", "-c", SSH_KEYGEN_LOOP, "sh", path, String(keys), tool.argv[0]!]
      : (path: string) => [...tool.argv, ...command.args([path, String(keys)])]
    return { spec: command, keys, argvFor, samples: [] }
  })
  let serial = 0
  const made: Array<string> = []
  const once = async (c: Live, what: string): Promise<Sample | undefined> => {
    const path = join(ctx.scratchDir, `keygen-${spec.id}-${c.spec.id}-${serial++}`)
    made.push(path)
    if (c.spec.tool === "ssh-keygen") mkdirSync(path)
    const sample = await runOnce(c.argvFor(path), {
      rssFile: join(ctx.scratchDir, `rss-${spec.id}-${c.spec.id}.txt`),
      timeoutMs: ctx.maxTimeoutMs,
      ...(ctx.gnuTime === undefined ? {} : { gnuTime: ctx.gnuTime }),
      ...(c.spec.tool === "sluice" ? { env: { ...coldCacheEnv(ctx.scratchDir), ...c.spec.env } } : {})
    })
    const failure = sample.timedOut
      ? `no exit after ${(ctx.maxTimeoutMs / 1000).toFixed(0)} s (killed)`
      : sample.exitCode !== 0
      ? `exited with ${sample.exitCode ?? sample.signal}: ${sample.stderr.trim().split("\n").slice(0, 2).join(" | ")}`
      : what === "untimed first run" ? checkOutput(c.spec, path, c.keys) : undefined
    if (failure !== undefined) {
      c.error = `${c.spec.label} ${failure} (${what})`
      ctx.log(`  ${c.spec.id}: ${c.error}`)
      return undefined
    }
    return sample
  }
  try {
    for (const c of live.filter((c) => c.error === undefined)) await once(c, "untimed first run")
    for (let round = 0; round < ctx.runs; round++) {
      const order = live.filter((c) => c.error === undefined)
      for (const c of order.map((_, i) => order[(i + round) % order.length]!)) {
        const sample = await once(c, `timed run ${round + 1}`)
        if (sample === undefined) continue
        const record = { seconds: sample.seconds, ...(sample.rssKiB === undefined ? {} : { rssMiB: sample.rssKiB / 1024 }) }
        c.samples.push(record)
        ctx.log(
          `  run ${round + 1}/${ctx.runs} ${c.spec.id.padEnd(16)} ${record.seconds.toFixed(3)} s  ${(c.keys / record.seconds).toFixed(0)} keys/s` +
            (record.rssMiB === undefined ? "" : `  ${record.rssMiB.toFixed(1)} MiB`)
        )
      }
    }
  } finally {
    for (const path of made) rmSync(path, { recursive: true, force: true })
  }
  const commands: Record<string, CommandResult> = {}
  for (const c of live) {
    const seconds = c.samples.map((s) => s.seconds)
    const rss = c.samples.flatMap((s) => s.rssMiB === undefined ? [] : [s.rssMiB])
    const measured = c.error === undefined && seconds.length > 0
    const secondsMedian = median(seconds)
    commands[c.spec.id] = {
      id: c.spec.id,
      tool: c.spec.tool,
      label: c.spec.label,
      input: `${c.keys.toLocaleString("en-US")} keys`,
      bytes: 0,
      command: c.error !== undefined && c.samples.length === 0 && c.argvFor("OUT").length === 0 ? c.spec.label : c.argvFor("OUT").join(" "),
      samples: c.samples,
      hangs: 0,
      ...(c.error === undefined ? {} : { error: c.error }),
      ...(measured
        ? {
          seconds: secondsMedian,
          minSeconds: Math.min(...seconds),
          maxSeconds: Math.max(...seconds),
          perSecond: c.keys / secondsMedian
        }
        : {}),
      ...(measured && rss.length > 0 ? { rssMiB: median(rss) } : {}),
      ...(measured && rss.length === 0 ? { rssError: ctx.rssMissing ?? "GNU time printed no peak RSS" } : {})
    }
  }
  return { id: spec.id, title: spec.title, commands }
}
