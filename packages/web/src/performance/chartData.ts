/** What the charts draw, as plain functions: their data, the top of their scale, their labels. */
import type uPlot from "uplot"
import type { PerformancePoint } from "./points.js"

export type ChartKey = Exclude<keyof PerformancePoint, "at">

/** x: seconds before the latest reading; y: the series, with nulls where nothing is known. */
export const chartData = (points: ReadonlyArray<PerformancePoint>, now: number, key: ChartKey): uPlot.AlignedData => [
  points.map((p) => (p.at - now) / 1000),
  points.map((p) => p[key])
]

/** 1, 2 or 5 times a power of ten, at least `max`: a top the axis can label plainly. */
export const niceCeiling = (max: number): number => {
  if (!(max > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(max))
  const step = [1, 2, 5, 10].find((m) => m * power >= max)!
  return step * power
}

/** A CSS rgb() colour with transparency, for an area's fill. */
export const withAlpha = (color: string, alpha: number): string => {
  const rgb = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(color)
  return rgb === null ? color : `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})`
}

/** An axis label: 1,500 as 1.5k. */
export const shortNumber = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(n >= 10_000 ? 0 : 1)}k` : String(Math.round(n * 10) / 10))
