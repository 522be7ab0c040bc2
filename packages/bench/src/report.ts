/** Plain-text tables of verdicts and raw figures. Pure: strings in, strings out. */
import type { Budget, Metric, Verdict } from "./budgets.js"
import type { CommandResult, ScenarioResult } from "./execute.js"
import { formatChange, type Previous } from "./history.js"

export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, rightAligned: ReadonlySet<number> = new Set()): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)).join("  ").trimEnd()
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}

const mbps = (n: number): string => `${n >= 100 ? n.toFixed(0) : n.toFixed(1)} MB/s`
const secs = (n: number): string => `${n.toFixed(3)} s`
const mib = (n: number): string => `${n.toFixed(1)} MiB`
const times = (n: number): string => `${n.toFixed(2)}x`
/** Three decimals: a paired ratio judges differences of a percent or two. */
const times3 = (n: number): string => `${n.toFixed(3)}x`
const ms = (n: number): string => `${n.toFixed(1)} ms`
const pct = (n: number): string => `${n.toFixed(1)} %`
const signedMs = (n: number): string => `${n >= 0 ? "+" : ""}${n.toFixed(1)} ms`

/** A command's figure for a metric, as the table shows it. */
export const formatFigure = (metric: Metric, c: CommandResult | undefined): string => {
  if (c === undefined) return "-"
  if (c.error !== undefined) return "n/a"
  return figureText(metric, c) + (c.defect === undefined ? "" : " (!)")
}

const figureText = (metric: Metric, c: CommandResult): string => {
  switch (metric) {
    case "ratio":
    case "paired_ratio":
      return c.mbPerSec === undefined ? "n/a" : `${mbps(c.mbPerSec)} (${secs(c.seconds!)})`
    case "seconds_ratio":
      return c.seconds === undefined ? "n/a" : secs(c.seconds)
    case "rss_mib":
    case "rss_ratio":
      return c.rssMiB === undefined ? "n/a" : mib(c.rssMiB)
    case "ms":
      return c.ms === undefined ? "n/a" : ms(c.ms)
    case "count":
    case "count_ratio":
      return c.count === undefined ? "n/a" : String(c.count)
    case "speedup":
    case "extra_ms":
      return c.seconds === undefined ? "n/a" : secs(c.seconds)
    case "percent":
      return c.percent === undefined ? "n/a" : pct(c.percent)
    case "rate_ratio":
      return c.perSecond === undefined ? "n/a" : `${c.perSecond.toFixed(0)} keys/s (${secs(c.seconds!)})`
  }
}

export const formatValue = (metric: Metric, value: number | undefined): string =>
  value === undefined
    ? "n/a"
    : metric === "rss_mib"
    ? mib(value)
    : metric === "ms"
    ? ms(value)
    : metric === "count"
    ? String(value)
    : metric === "percent"
    ? pct(value)
    : metric === "extra_ms"
    ? signedMs(value)
    : metric === "paired_ratio"
    ? times3(value)
    : times(value)

export const formatThreshold = (v: { metric: Metric; direction: Verdict["direction"]; threshold?: number | undefined }): string =>
  v.threshold === undefined
    ? "-"
    : `${v.direction} ${
      v.metric === "rss_mib"
        ? `${v.threshold} MiB`
        : v.metric === "ms" || v.metric === "extra_ms"
        ? `${v.threshold} ms`
        : v.metric === "count"
        ? String(v.threshold)
        : v.metric === "percent"
        ? `${v.threshold} %`
        : v.metric === "paired_ratio"
        ? times3(v.threshold)
        : times(v.threshold)
    }`

export const formatStatus = (v: Verdict): string =>
  v.status !== "INFO" ? v.status : v.wouldPass === undefined ? "INFO" : `INFO (would ${v.wouldPass ? "PASS" : "FAIL"})`

/** What a value means, in words: who wins and by how much. */
export const reading = (v: Verdict, peer: string | undefined = v.peer): string | undefined => {
  if (v.value === undefined) return undefined
  switch (v.metric) {
    case "ratio":
      return v.value >= 1
        ? `Sluice is ${times(v.value)} the throughput of ${peer}`
        : `Sluice reaches ${(v.value * 100).toFixed(0)}% of the throughput of ${peer}`
    case "paired_ratio":
      return `${(v.value * 100).toFixed(1)}% of the throughput of ${peer}, round by round (median of the rounds' ratios)`
    case "seconds_ratio": {
      const contest = v.threshold !== undefined
      return v.value <= 1
        ? `Sluice finishes in ${(v.value * 100).toFixed(0)}% of the time of ${peer}${contest ? " (wins)" : ""}`
        : `Sluice takes ${times(v.value)} as long as ${peer}${contest ? " (loses)" : ""}`
    }
    case "speedup":
      return v.value >= 1
        ? `${times(v.value)} faster than ${peer}`
        : `${times(1 / v.value)} slower than ${peer}`
    case "extra_ms":
      return v.value >= 0
        ? `${ms(v.value)} more than ${peer}`
        : `${ms(-v.value)} less than ${peer}`
    case "rss_mib":
    case "ms":
    case "count":
    case "percent":
      return undefined
    case "count_ratio":
      return `${times(v.value)} the peer's count`
    case "rate_ratio":
      return `${times(v.value)} the keys per second of ${peer}`
    case "rss_ratio":
      return `peak RSS grows ${times(v.value)} between the two files`
  }
}

const labelOf = (scenario: ScenarioResult | undefined, id: string | undefined): string => {
  if (id === undefined) return ""
  const c = scenario?.commands[id]
  return c === undefined ? id : c.label
}

/**
 * One row per verdict. With `previous` (the history's values of this size; see history.ts),
 * a column "vs last" shows each value's change against its newest recorded run.
 */
export const verdictTable = (
  verdicts: ReadonlyArray<Verdict>,
  scenarios: ReadonlyArray<ScenarioResult>,
  previous?: ReadonlyMap<string, Previous>
): string => {
  const byId = new Map(scenarios.map((s) => [s.id, s]))
  const rows = verdicts.map((v) => {
    const s = byId.get(v.scenario)
    const subject = s?.commands[v.subject]
    const peer = v.peer === undefined ? undefined : s?.commands[v.peer]
    return [
      v.budget,
      `${v.scenario} (${subject?.input ?? "?"})`,
      `${labelOf(s, v.subject)}: ${formatFigure(v.metric, subject)}`,
      peer === undefined ? "-" : `${peer.label}${peer.input !== subject?.input ? ` [${peer.input}]` : ""}: ${formatFigure(v.metric, peer)}`,
      formatValue(v.metric, v.value),
      formatThreshold(v),
      formatStatus(v),
      ...(previous === undefined ? [] : [vsLast(v, previous.get(v.budget))])
    ]
  })
  return table(
    ["budget", "scenario (input)", "sluice", "peer", "value", "threshold", "verdict", ...(previous === undefined ? [] : ["vs last"])],
    rows,
    new Set([4])
  )
}

const vsLast = (v: Verdict, previous: Previous | undefined): string =>
  previous === undefined ? "-" : v.value === undefined ? `(was ${formatValue(v.metric, previous.value)})` : formatChange(v.metric, v.direction, v.value, previous.value)

/** Under the table: which recorded runs "vs last" compares with, and where they differ from this one. */
export const historyNote = (
  previous: ReadonlyMap<string, Previous>,
  current: { cpu: string; cores: number },
  dir: string,
  size: string
): string => {
  const runs = [...new Map([...previous.values()].map((p) => [p.run.file, p.run])).values()]
  if (runs.length === 0) return `vs last: no recorded run of size ${size} in ${dir} (--record saves one)`
  const described = runs.map((r) => {
    const other = (r.cpu !== undefined && r.cpu !== current.cpu) || (r.cores !== undefined && r.cores !== current.cores)
    return `${r.file} (git ${r.gitHead ?? "?"}${other ? `; another machine: ${r.cpu ?? "?"}, ${r.cores ?? "?"} cores` : ""})`
  })
  return `vs last: each value against the newest run of size ${size} recorded in ${dir} with a figure for it: ${described.join(", ")}`
}

/** Lines under the table: failures' reasons, readings, small thresholds' reasons. */
export const verdictNotes = (
  verdicts: ReadonlyArray<Verdict>,
  budgets: ReadonlyArray<Budget>,
  size: string,
  scenarios: ReadonlyArray<ScenarioResult> = []
): Array<string> => {
  const byName = new Map(budgets.map((b) => [b.name, b]))
  const byId = new Map(scenarios.map((s) => [s.id, s]))
  const notes: Array<string> = []
  for (const v of verdicts) {
    const parts: Array<string> = []
    if (v.reason !== undefined) parts.push(`${v.value === undefined ? "not measured" : "broken"}: ${v.reason}`)
    const words = reading(v, v.peer === undefined ? undefined : byId.get(v.scenario)?.commands[v.peer]?.label ?? v.peer)
    if (words !== undefined) parts.push(words)
    if (v.expected !== undefined) parts.push(`expected ${v.expected}`)
    if (v.unmet !== undefined) parts.push(`target ${v.unmet}`)
    if (v.why !== undefined) parts.push(`${size} threshold ${formatThreshold(v)} (full: ${formatThreshold({ ...v, threshold: byName.get(v.budget)?.sizes?.full.threshold })}) because ${v.why}`)
    if (parts.length > 0) notes.push(`- ${v.budget} [${formatStatus(v)}]: ${parts.join("; ")}`)
  }
  return notes
}

export const commandTable = (scenarios: ReadonlyArray<ScenarioResult>): string => {
  const rows = scenarios.flatMap((s) =>
    Object.values(s.commands).map((c) => [
      s.id,
      c.id,
      c.label,
      c.input,
      c.error !== undefined ? "n/a" : c.seconds === undefined ? "-" : secs(c.seconds),
      c.minSeconds === undefined ? "-" : `${c.minSeconds.toFixed(3)}-${c.maxSeconds!.toFixed(3)}`,
      c.mbPerSec === undefined ? c.perSecond === undefined ? "-" : `${c.perSecond.toFixed(0)} keys/s` : mbps(c.mbPerSec),
      c.rssMiB === undefined ? "-" : mib(c.rssMiB),
      [c.ms === undefined ? "" : ms(c.ms), c.count === undefined ? "" : `count ${c.count}`, c.percent === undefined ? "" : pct(c.percent), c.note ?? ""].filter((x) => x !== "").join("; "),
      c.error ?? c.defect ?? ""
    ])
  )
  return table(
    ["scenario", "command", "label", "input", "median", "min-max s", "throughput", "peak RSS", "other", "problem"],
    rows,
    new Set([4, 5, 6, 7])
  )
}

/** One line for a failed budget, for the end of the output: a log cut to its tail still names it. */
export const failedLine = (v: Verdict): string =>
  `FAILED ${v.budget} (${v.scenario}): ${formatValue(v.metric, v.value)}, needs ${formatThreshold(v)}${v.reason === undefined ? "" : `; ${v.reason}`}`
