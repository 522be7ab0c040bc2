import { ALGORITHMS, formatChecksumLine, HASH_ALGORITHMS, type HashAlgorithm } from "@sluice/core"
import type { HashRow } from "../jobs/HashJobs.js"

/** The file names the coreutils tools and b3sum are used with (core's `sumsFile`). */
export const SUMS_FILE_NAME: Readonly<Record<HashAlgorithm, string>> = Object.fromEntries(
  HASH_ALGORITHMS.map((a) => [a, ALGORITHMS[a].sumsFile])
) as Record<HashAlgorithm, string>

/** Algorithms at least one finished file has a digest for, in the order they were asked for. */
export const exportableAlgorithms = (rows: ReadonlyArray<HashRow>): ReadonlyArray<HashAlgorithm> => {
  const seen = new Set<HashAlgorithm>()
  for (const row of rows) {
    if (row.status !== "done") continue
    for (const algorithm of row.algorithms) if (row.digests[algorithm] !== undefined) seen.add(algorithm)
  }
  return [...seen]
}

/**
 * A checksum file as `sha256sum` (style "gnu") or `sha256sum --tag` (style "bsd") prints
 * it, for every finished file that has a digest of `algorithm`; `sha256sum -c` reads it.
 */
export const checksumFileText = (
  rows: ReadonlyArray<HashRow>,
  algorithm: HashAlgorithm,
  style: "gnu" | "bsd"
): string =>
  rows.flatMap((row) => {
    const digestHex = row.digests[algorithm]
    return row.status === "done" && digestHex !== undefined
      ? [`${formatChecksumLine({ algorithm, digestHex, name: row.name, style })}\n`]
      : []
  }).join("")

type JsonEntry =
  | { readonly name: string; readonly bytes: number; readonly digests: HashRow["digests"] }
  | { readonly name: string; readonly error: string }

/** Every finished file: digests by algorithm id, or the reason it failed. */
export const resultsJson = (rows: ReadonlyArray<HashRow>): string =>
  `${JSON.stringify(
    {
      files: rows.flatMap((row): Array<JsonEntry> =>
        row.status === "done"
          ? [{ name: row.name, bytes: row.bytes, digests: row.digests }]
          : row.status === "failed"
          ? [{ name: row.name, error: row.failure?.detail ?? "failed" }]
          : []
      )
    },
    null,
    2
  )}\n`

/**
 * The command that checks an exported file: the algorithm's own tool (`sha256sum -c`), else
 * `cksum -a ... -c`. Tagged lines name their algorithm, so `cksum -c` reads every one cksum has.
 */
export const checkCommand = (algorithm: HashAlgorithm, style: "gnu" | "bsd"): string => {
  const { cksum, coreutilsTool, sumsFile } = ALGORITHMS[algorithm]
  const command = style === "bsd" && cksum !== undefined
    ? "cksum -c"
    : coreutilsTool !== undefined
    ? `${coreutilsTool} -c`
    : `cksum ${cksum ?? ""} -c`
  return `${command} ${sumsFile}`
}
