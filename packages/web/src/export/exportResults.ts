import { formatChecksumLine, type HashAlgorithm } from "@sluice/core"
import type { HashRow } from "../jobs/HashJobs.js"

/** The file names the coreutils tools and b3sum are used with. */
export const SUMS_FILE_NAME: Readonly<Record<HashAlgorithm, string>> = {
  sha256: "SHA256SUMS",
  sha384: "SHA384SUMS",
  sha512: "SHA512SUMS",
  sha1: "SHA1SUMS",
  md5: "MD5SUMS",
  "sha3-256": "SHA3-256SUMS",
  "sha3-512": "SHA3-512SUMS",
  "blake2b-512": "B2SUMS",
  blake3: "B3SUMS"
}

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

const GNU_CHECK: Readonly<Record<HashAlgorithm, string>> = {
  sha256: "sha256sum -c",
  sha384: "sha384sum -c",
  sha512: "sha512sum -c",
  sha1: "sha1sum -c",
  md5: "md5sum -c",
  "sha3-256": "cksum -a sha3 -l 256 -c",
  "sha3-512": "cksum -a sha3 -l 512 -c",
  "blake2b-512": "b2sum -c",
  blake3: "b3sum -c"
}

/** The command that checks an exported file; tagged lines name their algorithm, so `cksum -c` reads them all. */
export const checkCommand = (algorithm: HashAlgorithm, style: "gnu" | "bsd"): string =>
  `${style === "bsd" && algorithm !== "blake3" ? "cksum -c" : GNU_CHECK[algorithm]} ${SUMS_FILE_NAME[algorithm]}`
