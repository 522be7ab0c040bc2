/**
 * Budgets: loading `budgets.json` and judging measurements against it. Everything here
 * is pure (no timing, no processes) except `loadBudgets`, which only reads the file.
 */
import { readFileSync } from "node:fs"

export type BenchSize = "small" | "full"
export const BENCH_SIZES: ReadonlyArray<BenchSize> = ["small", "full"]

/**
 * - `ratio`: subject MB/s ÷ peer MB/s (higher is better for the subject).
 * - `seconds_ratio`: subject seconds ÷ peer seconds (below 1 means the subject finished first).
 * - `rss_mib`: the subject's peak RSS in MiB (the peer, if any, is shown for context).
 * - `rss_ratio`: subject peak RSS ÷ peer peak RSS.
 * - `ms`: the subject's duration in milliseconds (browser: longest task, click → Cancelled).
 * - `count`: the subject's count (browser: Web Workers alive during a job).
 * - `count_ratio`: subject count ÷ peer count (Web Workers ÷ navigator.hardwareConcurrency).
 * - `speedup`: peer seconds ÷ subject seconds (a re-check against the first check: how many
 *   times faster the subject is).
 * - `extra_ms`: subject seconds − peer seconds, in milliseconds (a cached hash against
 *   `sluice --version`: what the subject costs beyond the peer).
 * - `percent`: the subject's percentage (a cache hit rate).
 * - `paired_ratio`: subject throughput ÷ peer throughput round by round, median over the
 *   rounds: run i of each is in round i of interleaved rounds on the same input, so the ratio
 *   of one round is taken under one moment's load (peer seconds ÷ subject seconds), and a
 *   drift in the machine's load between rounds cancels out of it.
 * - `rate_ratio`: subject items per second ÷ peer items per second (keys/s: the ssh-keygen loop
 *   makes fewer keys than Sluice, so only rates compare).
 * `rss_mib`, `ms`, `count` and `percent` judge the subject's own figure; a peer, if any, is shown for context.
 */
export type Metric =
  | "ratio"
  | "seconds_ratio"
  | "rss_mib"
  | "rss_ratio"
  | "ms"
  | "count"
  | "count_ratio"
  | "speedup"
  | "extra_ms"
  | "percent"
  | "paired_ratio"
  | "rate_ratio"
export const METRICS: ReadonlyArray<Metric> = [
  "ratio",
  "seconds_ratio",
  "rss_mib",
  "rss_ratio",
  "ms",
  "count",
  "count_ratio",
  "speedup",
  "extra_ms",
  "percent",
  "paired_ratio",
  "rate_ratio"
]

/** Metrics judged on the subject's figure alone (no peer needed). */
export const ABSOLUTE_METRICS: ReadonlyArray<Metric> = ["rss_mib", "ms", "count", "percent"]

/** Metrics where 0 is a meaningful threshold (no mis-reported file, no extra time); the rest are ratios or sizes. */
const ZERO_THRESHOLD_METRICS: ReadonlyArray<Metric> = ["ms", "count", "extra_ms", "percent"]

export type Direction = ">=" | "<="

export interface SizeThreshold {
  readonly threshold: number
  /** Why this size's threshold differs from the target. */
  readonly why?: string
}

export interface Budget {
  readonly name: string
  readonly scenario: string
  readonly metric: Metric
  /** Command id (within the scenario) whose figure is judged: always a Sluice command. */
  readonly subject: string
  /** Command id it is compared with; optional for `rss_mib`. */
  readonly peer?: string
  readonly direction: Direction
  /** Required when enforced; a report-only budget without sizes shows the value alone. */
  readonly sizes?: Readonly<Record<BenchSize, SizeThreshold>>
  /** `false`: reported with what it would have been, never fails the run. */
  readonly enforce: boolean
  /** The product requirement, in words. */
  readonly target: string
  /** What the figure is expected to be, when it is only reported (e.g. "≈ 4x"). */
  readonly expected?: string
  /** For a product target that is reported but not enforced yet: where it stands and why. */
  readonly unmet?: string
}

export interface BudgetFile {
  readonly budgets: ReadonlyArray<Budget>
}

/** One command's figures: medians over the timed runs, or why there are none. */
export interface CommandFigures {
  readonly label: string
  readonly seconds?: number
  readonly mbPerSec?: number
  readonly rssMiB?: number
  /** Milliseconds (metric `ms`). */
  readonly ms?: number
  /** A count (metrics `count`, `count_ratio`). */
  readonly count?: number
  /** Items (keys) per second from the median time (metric `rate_ratio`). */
  readonly perSecond?: number
  /** A percentage, 0-100 (metric `percent`). */
  readonly percent?: number
  /** Every timed run in round order (metric `paired_ratio` pairs run i of two commands). */
  readonly samples?: ReadonlyArray<{ readonly seconds: number }>
  /** Set when the command could not be measured (tool missing, failed, wrong digest...). */
  readonly error?: string
  /** Why there is no peak RSS (GNU time missing) although the command ran. */
  readonly rssError?: string
  /** The figures stand, but the command misbehaved (e.g. hung in some runs): its budgets fail. */
  readonly defect?: string
}

export interface ScenarioFigures {
  readonly id: string
  /** Scenario-wide failure (e.g. digests differ between tools). */
  readonly error?: string
  readonly commands: Readonly<Record<string, CommandFigures>>
}

export type Status = "PASS" | "FAIL" | "INFO"

export interface Verdict {
  readonly budget: string
  /** The requirement in words, from budgets.json. */
  readonly target: string
  readonly scenario: string
  readonly metric: Metric
  readonly subject: string
  readonly peer?: string
  readonly subjectFigure?: number
  readonly peerFigure?: number
  readonly value?: number
  readonly threshold?: number
  readonly direction: Direction
  readonly status: Status
  /** For report-only budgets: whether the figure would have met the threshold. */
  readonly wouldPass?: boolean
  readonly why?: string
  readonly expected?: string
  readonly unmet?: string
  /** Why the value is missing, or a plain-words reading of it. */
  readonly reason?: string
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const fail = (where: string, message: string): never => {
  throw new Error(`budgets.json: ${where}: ${message}`)
}

const str = (obj: Record<string, unknown>, key: string, where: string, optional = false): string | undefined => {
  const value = obj[key]
  if (value === undefined && optional) return undefined
  if (typeof value !== "string" || value === "") return fail(where, `"${key}" must be a non-empty string`)
  return value
}

const parseSize = (value: unknown, where: string, metric: Metric): SizeThreshold => {
  if (!isRecord(value)) return fail(where, "must be an object with a threshold")
  const threshold = value["threshold"]
  const zeroAllowed = ZERO_THRESHOLD_METRICS.includes(metric)
  if (typeof threshold !== "number" || !Number.isFinite(threshold) || threshold < 0 || (threshold === 0 && !zeroAllowed)) {
    return fail(where, `"threshold" must be a ${zeroAllowed ? "non-negative" : "positive"} number`)
  }
  const why = str(value, "why", where, true)
  return why === undefined ? { threshold } : { threshold, why }
}

/** Validates the parsed JSON of a budgets file; throws with the offending entry's name. */
export const parseBudgets = (json: unknown): BudgetFile => {
  if (!isRecord(json) || !Array.isArray(json["budgets"])) return fail("root", `must be { "budgets": [...] }`)
  const names = new Set<string>()
  const budgets = json["budgets"].map((raw: unknown, i): Budget => {
    if (!isRecord(raw)) return fail(`budgets[${i}]`, "must be an object")
    const name = str(raw, "name", `budgets[${i}]`)!
    if (names.has(name)) fail(name, "duplicate name")
    names.add(name)
    const metric = raw["metric"]
    if (!METRICS.includes(metric as Metric)) fail(name, `"metric" must be one of ${METRICS.join(", ")}`)
    const direction = raw["direction"]
    if (direction !== ">=" && direction !== "<=") fail(name, `"direction" must be ">=" or "<="`)
    const peer = str(raw, "peer", name, true)
    if (peer === undefined && !ABSOLUTE_METRICS.includes(metric as Metric)) fail(name, `"peer" is required for metric ${String(metric)}`)
    const enforce = raw["enforce"] ?? true
    if (typeof enforce !== "boolean") fail(name, `"enforce" must be a boolean`)
    const sizes = raw["sizes"]
    if (!isRecord(sizes) && !(sizes === undefined && enforce === false)) {
      fail(name, `"sizes" must be { "small": {...}, "full": {...} }`)
    }
    const expected = str(raw, "expected", name, true)
    const unmet = str(raw, "unmet", name, true)
    return {
      name,
      scenario: str(raw, "scenario", name)!,
      metric: metric as Metric,
      subject: str(raw, "subject", name)!,
      ...(peer === undefined ? {} : { peer }),
      direction: direction as Direction,
      ...(isRecord(sizes)
        ? {
          sizes: {
            small: parseSize(sizes["small"], `${name}.sizes.small`, metric as Metric),
            full: parseSize(sizes["full"], `${name}.sizes.full`, metric as Metric)
          }
        }
        : {}),
      enforce: enforce as boolean,
      target: str(raw, "target", name)!,
      ...(expected === undefined ? {} : { expected }),
      ...(unmet === undefined ? {} : { unmet })
    }
  })
  return { budgets }
}

/** `budgets.json` at the package root (beside `src/` and `dist/`). */
export const DEFAULT_BUDGETS_PATH = new URL("../budgets.json", import.meta.url)

export const loadBudgets = (path: string | URL = DEFAULT_BUDGETS_PATH): BudgetFile =>
  parseBudgets(JSON.parse(readFileSync(path, "utf8")))

/** The figure a metric reads from one command, or why it cannot. */
const figureOf = (metric: Metric, figures: CommandFigures | undefined): number | string => {
  if (figures === undefined) return "no such command in the scenario"
  if (figures.error !== undefined) return figures.error
  const value = metric === "ratio" || metric === "paired_ratio"
    ? figures.mbPerSec
    : metric === "seconds_ratio" || metric === "speedup" || metric === "extra_ms"
    ? figures.seconds
    : metric === "percent"
    ? figures.percent
    : metric === "rate_ratio"
    ? figures.perSecond
    : metric === "ms"
    ? figures.ms
    : metric === "count" || metric === "count_ratio"
    ? figures.count
    : figures.rssMiB
  if (value === undefined || !Number.isFinite(value)) {
    return metric === "rss_mib" || metric === "rss_ratio"
      ? figures.rssError ?? "no peak RSS measured"
      : metric === "count" || metric === "count_ratio"
      ? "no count measured"
      : metric === "percent"
      ? "no percentage measured"
      : "no timing measured"
  }
  return value
}

/**
 * The median over rounds of peer seconds ÷ subject seconds (run i of each in round i), or why
 * there is none: both must have run every round.
 */
export const pairedRatio = (subject: CommandFigures, peer: CommandFigures): number | string => {
  const a = subject.samples ?? []
  const b = peer.samples ?? []
  if (a.length === 0 || a.length !== b.length) return `runs cannot be paired (${a.length} and ${b.length} timed runs)`
  const ratios = a.map((s, i) => b[i]!.seconds / s.seconds).sort((x, y) => x - y)
  const mid = ratios.length >> 1
  return ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2
}

export const meets = (value: number, direction: Direction, threshold: number): boolean =>
  direction === ">=" ? value >= threshold : value <= threshold

/**
 * Judges one budget at one size. A budget whose figures are missing for any reason (tool
 * not installed, command failed, digests differ) FAILS with that reason; a report-only
 * budget is INFO whatever happens.
 */
export const evaluateBudget = (
  budget: Budget,
  size: BenchSize,
  scenario: ScenarioFigures | undefined
): Verdict => {
  const threshold = budget.sizes?.[size].threshold
  const why = budget.sizes?.[size].why
  const base = {
    budget: budget.name,
    target: budget.target,
    scenario: budget.scenario,
    metric: budget.metric,
    subject: budget.subject,
    ...(budget.peer === undefined ? {} : { peer: budget.peer }),
    ...(threshold === undefined ? {} : { threshold }),
    direction: budget.direction,
    ...(why === undefined ? {} : { why }),
    ...(budget.expected === undefined ? {} : { expected: budget.expected }),
    ...(budget.unmet === undefined ? {} : { unmet: budget.unmet })
  }
  const missing = (reason: string): Verdict => ({ ...base, status: budget.enforce ? "FAIL" : "INFO", reason })
  if (scenario === undefined) return missing(`scenario ${budget.scenario} was not measured`)
  if (scenario.error !== undefined) return missing(scenario.error)

  const subjectFigure = figureOf(budget.metric, scenario.commands[budget.subject])
  if (typeof subjectFigure === "string") return missing(`${budget.subject}: ${subjectFigure}`)
  let peerFigure: number | undefined
  if (budget.peer !== undefined) {
    const figure = figureOf(budget.metric, scenario.commands[budget.peer])
    if (typeof figure === "string") {
      // A peer is only context for an absolute budget; for ratios it is the yardstick.
      if (!ABSOLUTE_METRICS.includes(budget.metric)) return missing(`${budget.peer}: ${figure}`)
    } else peerFigure = figure
  }
  const paired = budget.metric === "paired_ratio"
    ? pairedRatio(scenario.commands[budget.subject]!, scenario.commands[budget.peer!]!)
    : undefined
  if (typeof paired === "string") return missing(paired)
  const value = paired !== undefined
    ? paired
    : ABSOLUTE_METRICS.includes(budget.metric)
    ? subjectFigure
    : budget.metric === "speedup"
    ? peerFigure! / subjectFigure
    : budget.metric === "extra_ms"
    ? (subjectFigure - peerFigure!) * 1000
    : subjectFigure / peerFigure!
  const defects = [budget.subject, budget.peer].flatMap((id) => {
    const defect = id === undefined ? undefined : scenario.commands[id]?.defect
    return defect === undefined ? [] : [`${id}: ${defect}`]
  })
  const ok = threshold === undefined ? undefined : defects.length === 0 && meets(value, budget.direction, threshold)
  return {
    ...base,
    subjectFigure,
    ...(peerFigure === undefined ? {} : { peerFigure }),
    value,
    status: budget.enforce ? (ok === true ? "PASS" : "FAIL") : "INFO",
    ...(budget.enforce || ok === undefined ? {} : { wouldPass: ok }),
    ...(defects.length === 0 ? {} : { reason: defects.join("; ") })
  }
}

export const evaluateBudgets = (
  budgets: ReadonlyArray<Budget>,
  size: BenchSize,
  scenarios: ReadonlyArray<ScenarioFigures>
): Array<Verdict> => {
  const byId = new Map(scenarios.map((s) => [s.id, s]))
  return budgets.map((budget) => evaluateBudget(budget, size, byId.get(budget.scenario)))
}

/** The runner's exit code: 1 when any budget broke, 0 otherwise (report-only rows never count). */
export const exitCodeFor = (verdicts: ReadonlyArray<Verdict>): 0 | 1 =>
  verdicts.some((v) => v.status === "FAIL") ? 1 : 0

/** Names that `--only` takes for every scenario whose id starts with the name and a dash. */
export const SCENARIO_GROUPS: ReadonlyArray<string> = ["web", "cache", "keygen"]

/**
 * The budgets a run judges: all of them, or with `only` the budgets of one scenario
 * (named directly, or through one of its budgets). Every budget must name a known scenario.
 */
export const selectBudgets = (
  budgets: ReadonlyArray<Budget>,
  only: string | undefined,
  knownScenarios: ReadonlyArray<string>
): { budgets: Array<Budget> } | { error: string } => {
  const unknown = budgets.find((b) => !knownScenarios.includes(b.scenario))
  if (unknown !== undefined) return { error: `budgets.json: ${unknown.name} names an unknown scenario '${unknown.scenario}'` }
  if (only === undefined) return { budgets: [...budgets] }
  // A comma-separated list; `web` names every browser scenario (web-*), `cache` every cache one (cache-*), `keygen` every keygen one.
  const scenarios = new Set<string>()
  for (const name of only.split(",").map((n) => n.trim()).filter((n) => n !== "")) {
    const matched = SCENARIO_GROUPS.includes(name)
      ? budgets.filter((b) => b.scenario.startsWith(`${name}-`)).map((b) => b.scenario)
      : [budgets.find((b) => b.name === name)?.scenario ?? name].filter((id) => budgets.some((b) => b.scenario === id))
    if (matched.length === 0) {
      const ids = [...new Set(budgets.map((b) => b.scenario))]
      return { error: `--only: no scenario or budget named '${name}' (scenarios: ${ids.join(", ")})` }
    }
    for (const id of matched) scenarios.add(id)
  }
  return { budgets: budgets.filter((b) => scenarios.has(b.scenario)) }
}
