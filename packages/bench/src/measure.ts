/**
 * Running one command: wall time from spawn to exit with `performance.now()`, peak RSS
 * of the whole process (every thread) through GNU time's `%M`, and its output.
 */
import { spawn, spawnSync } from "node:child_process"
import { accessSync, constants, readFileSync, rmSync } from "node:fs"
import { delimiter, join } from "node:path"
import { performance } from "node:perf_hooks"

export const GNU_TIME = "/usr/bin/time"

export interface Sample {
  readonly seconds: number
  /** Peak resident set size in KiB, when GNU time wrapped the command. */
  readonly rssKiB?: number
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  /** Killed (with its whole process group) after `timeoutMs`. */
  readonly timedOut: boolean
}

export interface RunOptions {
  /** Path of GNU time; when absent the command runs bare and no RSS is measured. */
  readonly gnuTime?: string
  /** Scratch file for GNU time's report (`-o`). */
  readonly rssFile: string
  readonly timeoutMs: number
  /** The command's environment; defaults to this process's. */
  readonly env?: NodeJS.ProcessEnv
}

/** GNU time writes "Command exited with non-zero status N" before the format: take the last line. */
export const parseMaxRss = (report: string): number | undefined => {
  const last = report.trim().split("\n").pop()?.trim() ?? ""
  return /^\d+$/.test(last) ? Number(last) : undefined
}

/** Process groups of the commands running now, to kill on timeout or Ctrl-C. */
const running = new Set<number>()

const killGroup = (pid: number) => {
  try {
    process.kill(-pid, "SIGKILL")
  } catch {
    // already gone
  }
}

/** Kills every command still running (the runner is being interrupted). */
export const killRunning = (): void => {
  for (const pid of running) killGroup(pid)
  running.clear()
}

/**
 * Runs `argv` once and times it from spawn to exit. Under GNU time the wrapper's own
 * fork/exec (about a millisecond) is part of every tool's time alike. The command runs in
 * its own process group, so a timeout kills the measured process, not only GNU time.
 */
export const runOnce = (argv: ReadonlyArray<string>, options: RunOptions): Promise<Sample> =>
  new Promise((resolve, reject) => {
    const [command, ...args] = options.gnuTime === undefined
      ? argv
      : [options.gnuTime, "-f", "%M", "-o", options.rssFile, ...argv]
    const stdout: Array<Buffer> = []
    const stderr: Array<Buffer> = []
    let exitedAt: number | undefined
    let timedOut = false
    const started = performance.now()
    const child = spawn(command!, args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      ...(options.env === undefined ? {} : { env: options.env })
    })
    const pid = child.pid
    if (pid !== undefined) running.add(pid)
    const timer = setTimeout(() => {
      timedOut = true
      if (pid !== undefined) killGroup(pid)
    }, options.timeoutMs)
    child.stdout.on("data", (b: Buffer) => stdout.push(b))
    child.stderr.on("data", (b: Buffer) => stderr.push(b))
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("exit", () => {
      exitedAt = performance.now()
    })
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer)
      if (pid !== undefined) running.delete(pid)
      const seconds = ((exitedAt ?? performance.now()) - started) / 1000
      let rssKiB: number | undefined
      if (options.gnuTime !== undefined) {
        try {
          rssKiB = parseMaxRss(readFileSync(options.rssFile, "utf8"))
          rmSync(options.rssFile, { force: true })
        } catch {
          rssKiB = undefined
        }
      }
      resolve({
        seconds,
        ...(rssKiB === undefined ? {} : { rssKiB }),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        exitCode,
        signal,
        timedOut
      })
    })
  })

/** The first executable called `name` on PATH. */
export const which = (name: string, path = process.env["PATH"] ?? ""): string | undefined => {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** GNU time at /usr/bin/time (the shell keyword `time` cannot report RSS), or why not. */
export const findGnuTime = (): { path: string } | { missing: string } => {
  if (!isExecutable(GNU_TIME)) {
    return { missing: `${GNU_TIME} not found: install the Debian package \`time\` (apt-get install time); peak RSS cannot be measured` }
  }
  const probe = spawnSync(GNU_TIME, ["-f", "%M", process.execPath, "-e", ""], { encoding: "utf8" })
  const rss = parseMaxRss(probe.stderr ?? "")
  if (probe.status !== 0 || rss === undefined) {
    return { missing: `${GNU_TIME} is not GNU time (\`-f %M\` did not print a peak RSS): install the Debian package \`time\`` }
  }
  return { path: GNU_TIME }
}

/** First line of `argv`'s output (stdout, else stderr), for the record of tool versions. */
export const versionOf = (argv: ReadonlyArray<string>): string | undefined => {
  const [command, ...args] = argv
  const result = spawnSync(command!, args, { encoding: "utf8", timeout: 10_000 })
  if (result.error !== undefined) return undefined
  const text = `${result.stdout ?? ""}\n${result.stderr ?? ""}`.trim()
  return text.split("\n")[0]?.trim() || undefined
}

export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Timed runs as a result's figures: the median, the range, each run, and `bytes` per second at the median. */
export const runFigures = (runs: ReadonlyArray<{ readonly seconds: number }>, bytes: number) => {
  const seconds = median(runs.map((r) => r.seconds))
  return {
    minSeconds: Math.min(...runs.map((r) => r.seconds)),
    maxSeconds: Math.max(...runs.map((r) => r.seconds)),
    samples: runs.map((r) => ({ seconds: r.seconds })),
    seconds,
    mbPerSec: bytes / seconds / 1e6
  }
}

/**
 * A distribution-free ~95 % interval of the median (order statistics: ranks n/2 ± 0.98·√n,
 * the normal approximation of Binomial(n, 1/2)): the median of another run of as many rounds
 * would most likely land within it. [min, max] for fewer than 6 values.
 */
export const medianInterval = (values: ReadonlyArray<number>): [number, number] => {
  if (values.length === 0) return [Number.NaN, Number.NaN]
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  const k = Math.max(0, Math.floor((n - 1.96 * Math.sqrt(n)) / 2))
  return [sorted[k]!, sorted[n - 1 - k]!]
}
