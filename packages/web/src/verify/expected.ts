import { digestLength, HASH_ALGORITHMS, type HashAlgorithm, parseAlgorithm, parseChecksumFile } from "@sluice/core"
import type { HashRow } from "../jobs/HashJobs.js"

/** A digest the user expects: pasted, or one line of a checksum file. */
export interface ExpectedDigest {
  /** Lower-case hex. */
  readonly digestHex: string
  /** The algorithms it may be: one when known (a BSD tag, a prefix), else every one of that length. */
  readonly algorithms: ReadonlyArray<HashAlgorithm>
  /** The file it is for; none for a bare pasted digest, which is checked against every file. */
  readonly name: string | undefined
  /** Where it came from, for messages: "pasted digest", "SHA256SUMS line 3". */
  readonly origin: string
}

export interface ExpectedSet {
  /** "pasted" or the checksum file's name. */
  readonly source: string
  readonly entries: ReadonlyArray<ExpectedDigest>
  readonly malformed: ReadonlyArray<{ readonly lineNumber: number; readonly reason: string }>
}

const byLength = (hexLength: number): ReadonlyArray<HashAlgorithm> =>
  HASH_ALGORITHMS.filter((algorithm) => digestLength(algorithm) * 2 === hexLength)

// A lone digest, optionally prefixed the way download pages and registries print one: `sha256:…`, `SHA256=…`.
const BARE = /^(?:([A-Za-z0-9-]+)\s*[:=]\s*)?([0-9A-Fa-f]+)$/

/** Checksum lines as `sha256sum` prints them (or `--tag` lines), one file's or many. */
export const parseChecksumText = (text: string, source: string): ExpectedSet => {
  const entries: Array<ExpectedDigest> = []
  const malformed: Array<{ lineNumber: number; reason: string }> = []
  for (const entry of parseChecksumFile(text)) {
    if (entry._tag === "Malformed") {
      malformed.push({ lineNumber: entry.lineNumber, reason: entry.reason })
    } else {
      entries.push({
        digestHex: entry.digestHex,
        algorithms: entry.algorithm === undefined ? byLength(entry.digestHex.length) : [entry.algorithm],
        name: entry.name,
        origin: `${source} line ${entry.lineNumber}`
      })
    }
  }
  return { source, entries, malformed }
}

/** What the "expected digest" field holds: one bare digest for every file, or checksum lines. */
export const parsePasted = (text: string): ExpectedSet => {
  const trimmed = text.trim()
  if (trimmed === "") return { source: "pasted", entries: [], malformed: [] }
  const bare = BARE.exec(trimmed)
  if (bare === null) return parseChecksumText(trimmed, "pasted")
  const [, prefix, hex = ""] = bare
  const named = prefix === undefined ? undefined : parseAlgorithm(prefix)
  if (prefix !== undefined && named === undefined) {
    return { source: "pasted", entries: [], malformed: [{ lineNumber: 1, reason: `unknown algorithm “${prefix}”` }] }
  }
  const algorithms = named === undefined ? byLength(hex.length) : [named]
  if (algorithms.every((algorithm) => digestLength(algorithm) * 2 !== hex.length)) {
    return {
      source: "pasted",
      entries: [],
      malformed: [{
        lineNumber: 1,
        reason: named === undefined
          ? `${hex.length} hex digits is not the length of any supported digest`
          : `a ${named} digest has ${digestLength(named) * 2} hex digits, not ${hex.length}`
      }]
    }
  }
  return {
    source: "pasted",
    entries: [{ digestHex: hex.toLowerCase(), algorithms, name: undefined, origin: "pasted digest" }],
    malformed: []
  }
}

const normalize = (name: string): string => name.replace(/\\/g, "/").replace(/^(\.\/)+/, "")

/**
 * The expected digests for a file: those whose name equals its path, else those whose
 * name is the longest trailing part of it (or it of theirs), so `SHA256SUMS` inside a
 * dropped folder matches `folder/a.iso` to `a.iso`; bare pasted digests apply to every file.
 */
export const expectationsFor = (rowName: string, sets: ReadonlyArray<ExpectedSet>): ReadonlyArray<ExpectedDigest> => {
  const path = normalize(rowName)
  const named: Array<ExpectedDigest> = []
  let suffix: Array<ExpectedDigest> = []
  let suffixLength = 0
  const bare: Array<ExpectedDigest> = []
  for (const set of sets) {
    for (const entry of set.entries) {
      if (entry.name === undefined) {
        bare.push(entry)
        continue
      }
      const name = normalize(entry.name)
      if (name === path) {
        named.push(entry)
      } else if (path.endsWith(`/${name}`) || name.endsWith(`/${path}`)) {
        // The longest common tail wins: `sub/a.iso` over `a.iso` for `release/sub/a.iso`.
        const length = Math.min(name.length, path.length)
        if (length > suffixLength) [suffix, suffixLength] = [[], length]
        if (length === suffixLength) suffix.push(entry)
      }
    }
  }
  return named.length > 0 ? named : suffix.length > 0 ? suffix : bare
}

export type Verdict =
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Pending"; readonly expected: ExpectedDigest }
  | { readonly _tag: "Match"; readonly algorithm: HashAlgorithm; readonly expected: ExpectedDigest }
  | { readonly _tag: "Mismatch"; readonly algorithm: HashAlgorithm; readonly expected: ExpectedDigest }
  /** The file was not hashed with the algorithm the expected digest needs. */
  | { readonly _tag: "NotComputed"; readonly algorithms: ReadonlyArray<HashAlgorithm>; readonly expected: ExpectedDigest }

const judge = (row: HashRow, expected: ExpectedDigest): Verdict => {
  if (row.status !== "done") return { _tag: "Pending", expected }
  const computed = expected.algorithms.filter((algorithm) => row.digests[algorithm] !== undefined)
  if (computed.length === 0) return { _tag: "NotComputed", algorithms: expected.algorithms, expected }
  const match = computed.find((algorithm) => row.digests[algorithm] === expected.digestHex)
  return match !== undefined
    ? { _tag: "Match", algorithm: match, expected }
    : { _tag: "Mismatch", algorithm: computed[0]!, expected }
}

const RANK: Readonly<Record<Verdict["_tag"], number>> = { Mismatch: 4, Pending: 3, NotComputed: 2, Match: 1, Unknown: 0 }

/**
 * A bare digest (no file name) is for the file it matches. With one file listed it is
 * that file's, and judged like a named line; with several, it marks the file that matches
 * (a file still hashing may yet) and says nothing of the others: the panel says once when
 * no file matches.
 */
const judgeBare = (row: HashRow, expected: ExpectedDigest, files: number): Verdict => {
  const verdict = judge(row, expected)
  return files <= 1 || verdict._tag === "Match" || verdict._tag === "Pending" ? verdict : { _tag: "Unknown" }
}

/**
 * One verdict per file: a mismatch with any expected digest wins, then waiting for the
 * digest; a file matches only when every expectation it can be checked against matches.
 * `files` is how many files are listed: a bare digest marks only the one it matches,
 * unless there is only one file.
 */
export const verdictFor = (row: HashRow, sets: ReadonlyArray<ExpectedSet>, files = 1): Verdict => {
  if (row.status === "failed" || row.status === "cancelled") return { _tag: "Unknown" }
  const verdicts = expectationsFor(row.name, sets).map((expected) =>
    expected.name === undefined ? judgeBare(row, expected, files) : judge(row, expected)
  )
  const checked = verdicts.filter((verdict) => verdict._tag !== "NotComputed" && verdict._tag !== "Unknown")
  const pool = checked.length > 0 ? checked : verdicts
  return pool.reduce<Verdict>((worst, verdict) => (RANK[verdict._tag] > RANK[worst._tag] ? verdict : worst), {
    _tag: "Unknown"
  })
}

export interface SetSummary {
  readonly matched: number
  readonly mismatched: number
  readonly pending: number
  /** Algorithms to add so that the files can be checked (the likeliest one of each digest length). */
  readonly notComputed: ReadonlyArray<HashAlgorithm>
  /** Names in the set that no file answers to. */
  readonly missing: ReadonlyArray<string>
}

/** How one checksum file (or the pasted text) fares against the current rows. */
export const summarize = (set: ExpectedSet, rows: ReadonlyArray<HashRow>): SetSummary => {
  let matched = 0
  let mismatched = 0
  let pending = 0
  const notComputed = new Set<HashAlgorithm>()
  const found = new Set<ExpectedDigest>()
  for (const row of rows) {
    if (row.status === "failed" || row.status === "cancelled") continue
    for (const expected of expectationsFor(row.name, [set])) {
      found.add(expected)
      const verdict = judge(row, expected)
      if (verdict._tag === "Match") matched++
      else if (verdict._tag === "Mismatch") mismatched++
      else if (verdict._tag === "Pending") pending++
      else if (verdict._tag === "NotComputed") notComputed.add(verdict.algorithms[0]!)
    }
  }
  const missing = set.entries.filter((entry) => entry.name !== undefined && !found.has(entry)).map((entry) => entry.name!)
  return { matched, mismatched, pending, notComputed: [...notComputed], missing }
}

/**
 * How a bare digest fares: the files that have it; `none` once every file it could be
 * checked against is hashed and none has it; `pending` while one is still hashing.
 */
export const summarizeBare = (
  expected: ExpectedDigest,
  rows: ReadonlyArray<HashRow>
): { readonly matching: ReadonlyArray<string>; readonly pending: boolean; readonly none: boolean } => {
  const live = rows.filter((row) => row.status !== "failed" && row.status !== "cancelled")
  const verdicts = live.map((row) => judge(row, expected))
  const matching = live.filter((_, i) => verdicts[i]!._tag === "Match").map((row) => row.name)
  const pending = verdicts.some((verdict) => verdict._tag === "Pending")
  const checked = verdicts.some((verdict) => verdict._tag === "Mismatch")
  return { matching, pending, none: matching.length === 0 && !pending && checked }
}
