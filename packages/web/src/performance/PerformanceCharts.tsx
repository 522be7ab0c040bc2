/**
 * The live charts: throughput, busy workers, JS heap, long tasks and cache hits over the
 * last 48 s, drawn by uPlot on canvases. A redraw is one `setData` per chart (120 points at
 * most), well under a millisecond each, so polling at 2.5 Hz leaves the main thread free.
 * Each chart is drawn for the eye; its caption says the same in words, so the canvas is
 * hidden from assistive technology.
 */
import { memo, type ReactNode, useEffect, useRef, useState } from "react"
import uPlot from "uplot"
import "uplot/dist/uPlot.min.css"
import { chartData, type ChartKey, niceCeiling, shortNumber, withAlpha } from "./chartData.js"
import type { PerformancePoint } from "./points.js"

/** A performance mark per redraw of the charts, for tests and the bench to count updates. */
export const UPDATE_MARK = "sluice:performance-update"

export const WINDOW_SECONDS = 48
const HEIGHT = 120


interface Series {
  readonly key: ChartKey
  readonly draw: "area" | "line" | "bars"
  /** A fixed top (percentages); otherwise the largest value, rounded up. */
  readonly max?: number
  readonly unit: string
}


const optionsOf = (series: Series, box: HTMLElement): uPlot.Options => {
  const style = getComputedStyle(box)
  const color = style.color
  const muted = style.getPropertyValue("--muted").trim() || "#777"
  const grid = style.getPropertyValue("--border").trim() || "#ccc"
  return {
    width: Math.max(box.clientWidth, 100),
    height: HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    padding: [8, 6, 8, 0],
    scales: {
      x: { time: false, range: [-WINDOW_SECONDS, 0] },
      y: { range: (_u, _min, max) => [0, series.max ?? niceCeiling(max)] }
    },
    axes: [
      { show: false },
      {
        size: 40,
        stroke: muted,
        font: "11px system-ui, sans-serif",
        grid: { stroke: grid, width: 1 },
        ticks: { show: false },
        splits: (u) => {
          const top = u.scales["y"]!.max ?? 1
          return [0, top / 2, top]
        },
        values: (_u, splits) => splits.map((v) => `${shortNumber(v)}${series.unit}`)
      }
    ],
    series: [
      {},
      series.draw === "bars"
        ? { stroke: color, fill: color, width: 0, paths: uPlot.paths.bars!({ size: [0.9, Infinity] }), points: { show: false } }
        : {
          stroke: color,
          width: 1.5,
          points: { show: false },
          spanGaps: false,
          ...(series.draw === "area" ? { fill: withAlpha(color, 0.15) } : {})
        }
    ]
  }
}

/** The page's colour scheme: the charts' colours are read from CSS, so a change redraws them. */
const useColorScheme = (): string => {
  const [scheme, setScheme] = useState("light")
  useEffect(() => {
    const query = globalThis.matchMedia?.("(prefers-color-scheme: dark)")
    if (query === undefined) return
    const update = () => setScheme(query.matches ? "dark" : "light")
    update()
    query.addEventListener("change", update)
    return () => query.removeEventListener("change", update)
  }, [])
  return scheme
}

interface ChartProps {
  readonly series: Series
  readonly points: ReadonlyArray<PerformancePoint>
  readonly now: number
  readonly caption: ReactNode
  readonly kind: string
}

const Chart = memo(({ caption, kind, now, points, series }: ChartProps) => {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const latest = useRef({ points, now })
  latest.current = { points, now }
  const scheme = useColorScheme()

  useEffect(() => {
    const element = box.current
    if (element === null) return
    const chart = new uPlot(optionsOf(series, element), chartData(latest.current.points, latest.current.now, series.key), element)
    plot.current = chart
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 100), height: HEIGHT }))
    resize.observe(element)
    return () => {
      resize.disconnect()
      chart.destroy()
      plot.current = null
    }
  }, [series, scheme])

  useEffect(() => {
    plot.current?.setData(chartData(points, now, series.key))
  }, [points, now, series])

  return (
    <figure className={`chart-figure chart-${kind}`}>
      <figcaption>{caption}</figcaption>
      <div className="chart-box" ref={box} aria-hidden="true" />
    </figure>
  )
})

const SERIES = {
  throughput: { key: "mbPerSecond", draw: "area", unit: "" },
  busy: { key: "busyPercent", draw: "area", max: 100, unit: "%" },
  heap: { key: "heapMB", draw: "line", unit: "" },
  longTasks: { key: "longTasks", draw: "bars", unit: "" },
  cache: { key: "cacheHitPercent", draw: "line", max: 100, unit: "%" }
} as const satisfies Record<string, Series>

export interface PerformanceChartsProps {
  readonly points: ReadonlyArray<PerformancePoint>
  /** The latest reading's time: the right edge. */
  readonly now: number
  /** One line per chart: the same figures in words. */
  readonly captions: Readonly<Record<keyof typeof SERIES, ReactNode>>
}

const PerformanceCharts = ({ captions, now, points }: PerformanceChartsProps) => {
  const root = useRef<HTMLDivElement>(null)
  const updates = useRef(0)
  // After every chart drew the new points (children's effects run first); no state, so counting costs no render.
  useEffect(() => {
    updates.current++
    root.current?.setAttribute("data-updates", String(updates.current))
    performance.mark(UPDATE_MARK)
    // The marks are for an observer; the timeline keeps none for long.
    if (updates.current % 500 === 0) performance.clearMarks(UPDATE_MARK)
  }, [points])
  return (
    <div className="charts" ref={root} data-updates="0">
      {(Object.keys(SERIES) as Array<keyof typeof SERIES>).map((name) => (
        <Chart
          key={name}
          kind={name === "longTasks" ? "long-tasks" : name}
          series={SERIES[name]}
          points={points}
          now={now}
          caption={captions[name]}
        />
      ))}
    </div>
  )
}

export default PerformanceCharts
