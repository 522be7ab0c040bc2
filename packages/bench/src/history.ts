/**
 * The history of bench runs, committed in `packages/bench/history/`: `--record` saves a run's
 * JSON result there (`<date>-<git head>-<size>.json`), and every run's verdict table shows,
 * for each budget, the change against the newest recorded run of the same size that has a
 * figure for it, so a regression is visible beside the figure. Reading is pure apart from
 * `loadHistory`; a file that is not a run's result is reported and skipped, never fatal.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { BENCH_SIZES, type BenchSize, type Direction, type Metric } from "./budgets.js"

export const DEFAULT_HISTORY_DIR = fileURLToPath(new URL("../history/", import.meta.url))

export interface RecordedRun {
  /** The file's name in the history folder. */
  readonly file: string
  readonly startedAt: string
  readonly size: BenchSize
  readonly gitHead?: string
  readonly cpu?: string
  readonly cores?: number
  /** Budget name → its value in that run (budgets without a value are left out). */
  readonly values: ReadonlyMap<string, number>
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A run's result as written by `--json`/`--record`, or why it is not one. */
export const parseRecordedRun = (file: string, json: unknown): RecordedRun | string => {
  if (!isRecord(json)) return "not a JSON object"
  const { startedAt, size, verdicts, machine, sluice } = json
  if (typeof startedAt !== "string" || Number.isNaN(Date.parse(startedAt))) return "no startedAt"
  if (!BENCH_SIZES.includes(size as BenchSize)) return "no size"
  if (!Array.isArray(verdicts)) return "no verdicts"
  const values = new Map<string, number>()
  for (const v of verdicts) {
    if (isRecord(v) && typeof v["budget"] === "string" && typeof v["value"] === "number" && Number.isFinite(v["value"])) {
      values.set(v["budget"], v["value"])
    }
  }
  const gitHead = isRecord(sluice) && typeof sluice["gitHead"] === "string" ? sluice["gitHead"] : undefined
  const cpu = isRecord(machine) && typeof machine["cpu"] === "string" ? machine["cpu"] : undefined
  const cores = isRecord(machine) && typeof machine["cores"] === "number" ? machine["cores"] : undefined
  return {
    file,
    startedAt,
    size: size as BenchSize,
    ...(gitHead === undefined ? {} : { gitHead }),
    ...(cpu === undefined ? {} : { cpu }),
    ...(cores === undefined ? {} : { cores }),
    values
  }
}

/** Every recorded run in `dir` (none when it does not exist), and the files that are not one. */
export const loadHistory = (dir: string): { runs: Array<RecordedRun>; problems: Array<string> } => {
  if (!existsSync(dir)) return { runs: [], problems: [] }
  const runs: Array<RecordedRun> = []
  const problems: Array<string> = []
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    let parsed: RecordedRun | string
    try {
      parsed = parseRecordedRun(file, JSON.parse(readFileSync(join(dir, file), "utf8")))
    } catch (error) {
      parsed = (error as Error).message
    }
    if (typeof parsed === "string") problems.push(`${file}: ${parsed}`)
    else runs.push(parsed)
  }
  return { runs, problems }
}

export interface Previous {
  readonly value: number
  readonly run: RecordedRun
}

/** For each budget, its value in the newest recorded run of `size` that has one. */
export const previousValues = (runs: ReadonlyArray<RecordedRun>, size: BenchSize): Map<string, Previous> => {
  const newestFirst = runs.filter((r) => r.size === size).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))
  const previous = new Map<string, Previous>()
  for (const run of newestFirst) {
    for (const [budget, value] of run.values) if (!previous.has(budget)) previous.set(budget, { value, run })
  }
  return previous
}

/**
 * Metrics whose change is shown in their own unit: where 0 is a real figure (no long task,
 * no wrong file, as fast as `--version`) a relative change means nothing.
 */
const ABSOLUTE_CHANGE: Readonly<Partial<Record<Metric, (d: number) => string>>> = {
  ms: (d) => `${d.toFixed(1)} ms`,
  extra_ms: (d) => `${d.toFixed(1)} ms`,
  percent: (d) => `${d.toFixed(1)} pt`,
  count: (d) => `${d}`
}

/**
 * The change from the previous value to this one, as the table shows it: "+3.1 %", "=", and
 * "(worse)" when it moved against the budget's direction (a `>=` budget that fell, a `<=`
 * one that rose), whatever the size: whether a change is noise is for the reader, who sees
 * the figures' spread in the commands table.
 */
export const formatChange = (metric: Metric, direction: Direction, value: number, previous: number): string => {
  const delta = value - previous
  const absolute = ABSOLUTE_CHANGE[metric]
  const text = absolute !== undefined
    ? absolute(Math.abs(delta))
    : previous === 0
    ? undefined
    : `${(Math.abs(delta / previous) * 100).toFixed(1)} %`
  if (text === undefined) return `was ${previous}`
  if (/^0(\.0+)?( |$)/.test(text)) return "="
  const worse = direction === ">=" ? delta < 0 : delta > 0
  return `${delta < 0 ? "-" : "+"}${text}${worse ? " (worse)" : ""}`
}

/** `<date>-<git head>[-dirty]-<size>.json`, with `-2`, `-3`... when that name is taken. */
export const recordName = (
  run: { startedAt: string; gitHead?: string | undefined; dirty: boolean; size: BenchSize },
  taken: (name: string) => boolean
): string => {
  const base = `${run.startedAt.slice(0, 10)}-${run.gitHead ?? "nogit"}${run.dirty ? "-dirty" : ""}-${run.size}`
  let name = `${base}.json`
  for (let n = 2; taken(name); n++) name = `${base}-${n}.json`
  return name
}

/** Writes a run's result into the history folder; returns the file's path. */
export const recordRun = (
  dir: string,
  run: { startedAt: string; gitHead?: string | undefined; dirty: boolean; size: BenchSize },
  text: string
): string => {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, recordName(run, (name) => existsSync(join(dir, name))))
  writeFileSync(path, text)
  return path
}
