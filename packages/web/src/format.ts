import { ALGORITHMS, formatBytes as formatSize, HASH_ALGORITHMS, type HashAlgorithm } from "@sluice/core"

/** How each algorithm is written for people (the ids stay the CLI's `-a` spellings): core's labels. */
export const ALGORITHM_LABEL: Readonly<Record<HashAlgorithm, string>> = Object.fromEntries(
  HASH_ALGORITHMS.map((a) => [a, ALGORITHMS[a].label])
) as Record<HashAlgorithm, string>

/** Broken for collision resistance; still published next to many downloads (core's `legacy`). */
export const LEGACY_ALGORITHMS: ReadonlySet<HashAlgorithm> = new Set(HASH_ALGORITHMS.filter((a) => ALGORITHMS[a].legacy))

/** Decimal units with three significant digits, as file managers and download pages print sizes. */
export const formatBytes = (n: number): string => formatSize(n, { units: "decimal", decimals: "significant" })

export const formatRate = (bytesPerSecond: number): string => `${formatBytes(bytesPerSecond)}/s`

/** `m:ss`, or `h:mm:ss` past an hour. */
export const formatDuration = (seconds: number): string => {
  const s = Math.max(0, Math.ceil(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, "0")
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`
}

export const formatPercent = (fraction: number): string => `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)}%`

/** "12 ms" under a second, "1.4 s" from there. */
export const formatMs = (ms: number): string =>
  ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`

/**
 * A whole count with thousands separators: "1,000,000". Not `toLocaleString`: its first
 * call loads the browser's ICU number formats, ~50 ms on the main thread (a long task
 * while the page loads and shows the cache's counts).
 */
export const formatCount = (n: number): string => {
  const whole = Math.round(n)
  if (!Number.isFinite(whole)) return String(whole)
  const digits = String(Math.abs(whole))
  let out = digits.slice(0, digits.length % 3 || 3)
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`
  return whole < 0 ? `-${out}` : out
}
