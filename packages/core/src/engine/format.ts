/** Byte counts for people: the one formatter of the CLI, the web app and the bench. */

const UNITS = {
  binary: ["B", "KiB", "MiB", "GiB", "TiB"],
  decimal: ["B", "kB", "MB", "GB", "TB"]
} as const

export type ByteUnit = (typeof UNITS)[keyof typeof UNITS][number]

export interface FormatBytesOptions {
  /**
   * `"binary"` (the default): B, KiB, MiB, GiB, TiB, powers of 1024, as the CLI and
   * coreutils print them. `"decimal"`: B, kB, MB, GB, TB, powers of 1000, as file managers
   * and download pages do.
   */
  readonly units?: "binary" | "decimal"
  /**
   * Digits after the point, for every unit but B: a count (the default is 1), a count per
   * unit (`{ GiB: 2 }`; units not named get 1), or `"significant"`: three significant
   * digits (`1.07 GB`, `12.3 kB`, `134 MB`).
   */
  readonly decimals?: number | "significant" | Readonly<Partial<Record<ByteUnit, number>>>
  /** A whole number of its unit is printed without decimals: `4 GiB`, but `5.50 GiB`. */
  readonly trimWhole?: boolean
  /** The smallest unit used: with `"MiB"`, 512 KiB is `0.5 MiB`. */
  readonly smallest?: ByteUnit
  /** The largest unit used: with `"GiB"`, 2 TiB is `2048.0 GiB`. */
  readonly largest?: ByteUnit
}

const digitsFor = (decimals: FormatBytesOptions["decimals"], unit: ByteUnit, value: number): number =>
  decimals === undefined
    ? 1
    : typeof decimals === "number"
    ? decimals
    : decimals === "significant"
    ? value < 10 ? 2 : value < 100 ? 1 : 0
    : decimals[unit] ?? 1

/**
 * `1.5 MiB`, `999 B`, `1.07 GB`: the largest unit (within `smallest`..`largest`) the count
 * reaches at least one of; bytes are printed whole.
 */
export const formatBytes = (bytes: number, options: FormatBytesOptions = {}): string => {
  const units: ReadonlyArray<ByteUnit> = UNITS[options.units ?? "binary"]
  const base = options.units === "decimal" ? 1000 : 1024
  const first = options.smallest === undefined ? 0 : Math.max(0, units.indexOf(options.smallest))
  const last = options.largest === undefined ? units.length - 1 : units.indexOf(options.largest)
  let value = bytes
  let i = 0
  for (; i < first; i++) value /= base
  while (value >= base && i < (last < 0 ? units.length - 1 : last)) {
    value /= base
    i++
  }
  const unit = units[i]!
  if (i === 0) return `${Math.round(value)} ${unit}`
  if (options.trimWhole === true && Number.isInteger(value)) return `${value} ${unit}`
  return `${value.toFixed(digitsFor(options.decimals, unit, value))} ${unit}`
}

/** Lower-case hex of bytes, as digests and keys are printed. */
export const toHex = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i++) out += (bytes[i]! < 16 ? "0" : "") + bytes[i]!.toString(16)
  return out
}
