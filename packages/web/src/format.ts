import type { HashAlgorithm } from "@sluice/core"

/** How each algorithm is written for people (the ids stay the CLI's `-a` spellings). */
export const ALGORITHM_LABEL: Readonly<Record<HashAlgorithm, string>> = {
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
  sha1: "SHA-1",
  md5: "MD5",
  "sha3-256": "SHA3-256",
  "sha3-512": "SHA3-512",
  "blake2b-512": "BLAKE2b-512",
  blake3: "BLAKE3"
}

/** Broken for collision resistance; still published next to many downloads. */
export const LEGACY_ALGORITHMS: ReadonlySet<HashAlgorithm> = new Set(["sha1", "md5"])

const UNITS = ["B", "kB", "MB", "GB", "TB"] as const

/** Decimal units, as file managers and download pages print sizes. */
export const formatBytes = (n: number): string => {
  let value = n
  let i = 0
  while (value >= 1000 && i < UNITS.length - 1) {
    value /= 1000
    i++
  }
  return i === 0 ? `${Math.round(value)} ${UNITS[0]}` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${UNITS[i]}`
}

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
