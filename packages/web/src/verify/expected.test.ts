import { describe, expect, it } from "vitest"
import type { HashRow } from "../jobs/HashJobs.js"
import { expectationsFor, parseChecksumText, parsePasted, summarize, summarizeBare, verdictFor } from "./expected.js"

const SHA256_A = "a".repeat(64)
const SHA256_B = "b".repeat(64)
const SHA1_C = "c".repeat(40)

const row = (name: string, digests: HashRow["digests"], status: HashRow["status"] = "done"): HashRow => ({
  id: 1,
  name,
  size: 1,
  algorithms: Object.keys(digests) as Array<keyof HashRow["digests"]>,
  status,
  bytes: 1,
  bytesPerSecond: 0,
  etaSeconds: undefined,
  digests,
  failure: undefined,
  retryable: false,
  resumedAt: undefined,
  cached: false
})

describe("parsePasted", () => {
  it("takes a bare digest in any case, with or without an algorithm prefix", () => {
    expect(parsePasted(`  ${SHA256_A.toUpperCase()}\n`).entries).toEqual([
      { digestHex: SHA256_A, algorithms: ["sha256", "sha3-256", "blake3"], name: undefined, origin: "pasted digest" }
    ])
    expect(parsePasted(`sha256:${SHA256_A}`).entries[0]!.algorithms).toEqual(["sha256"])
    expect(parsePasted(`SHA1 = ${SHA1_C}`).entries[0]!.algorithms).toEqual(["sha1"])
  })

  it("says what is wrong with a digest of no known length or a wrong prefix", () => {
    expect(parsePasted("abc123").malformed[0]!.reason).toMatch(/6 hex digits is not the length/)
    expect(parsePasted(`md5:${SHA256_A}`).malformed[0]!.reason).toMatch(/md5 digest has 32 hex digits, not 64/)
    expect(parsePasted(`rot13:${SHA256_A}`).malformed[0]!.reason).toMatch(/unknown algorithm/)
  })

  it("reads checksum lines, GNU and BSD", () => {
    const set = parsePasted(`${SHA256_A}  a.iso\nSHA1 (b.txt) = ${SHA1_C}\nnonsense\n`)
    expect(set.entries.map((e) => [e.name, e.algorithms, e.origin])).toEqual([
      ["a.iso", ["sha256", "sha3-256", "blake3"], "pasted line 1"],
      ["b.txt", ["sha1"], "pasted line 2"]
    ])
    expect(set.malformed).toHaveLength(1)
  })
})

describe("verdicts", () => {
  it("judges a bare pasted digest like a named line when one file is listed", () => {
    const sets = [parsePasted(SHA256_A)]
    expect(verdictFor(row("x", { sha256: SHA256_A }), sets)).toMatchObject({ _tag: "Match", algorithm: "sha256" })
    expect(verdictFor(row("y", { sha256: SHA256_B }), sets)).toMatchObject({ _tag: "Mismatch", algorithm: "sha256" })
    expect(verdictFor(row("z", { blake3: SHA256_A }), sets)).toMatchObject({ _tag: "Match", algorithm: "blake3" })
    expect(verdictFor(row("w", { md5: "d".repeat(32) }), sets)).toMatchObject({ _tag: "NotComputed" })
    expect(verdictFor(row("v", {}, "hashing"), sets)).toMatchObject({ _tag: "Pending" })
    expect(verdictFor(row("u", {}, "failed"), sets)).toEqual({ _tag: "Unknown" })
  })

  it("with several files, marks only the file a bare digest matches, never the others", () => {
    const sets = [parsePasted(SHA256_A)]
    expect(verdictFor(row("x", { sha256: SHA256_A }), sets, 3)).toMatchObject({ _tag: "Match", algorithm: "sha256" })
    expect(verdictFor(row("y", { sha256: SHA256_B }), sets, 3)).toEqual({ _tag: "Unknown" })
    expect(verdictFor(row("v", {}, "hashing"), sets, 3)).toMatchObject({ _tag: "Pending" })
    expect(verdictFor(row("w", { md5: "d".repeat(32) }), sets, 3)).toEqual({ _tag: "Unknown" })
  })

  it("says once when a bare digest matches none of the files, and not while one is hashing", () => {
    const [bare] = parsePasted(SHA256_A).entries
    const done = [row("x", { sha256: SHA256_B }), row("y", { sha256: SHA256_B })]
    expect(summarizeBare(bare!, done)).toEqual({ matching: [], pending: false, none: true })
    expect(summarizeBare(bare!, [...done, row("z", {}, "hashing")])).toEqual({ matching: [], pending: true, none: false })
    expect(summarizeBare(bare!, [...done, row("a", { sha256: SHA256_A })])).toEqual({ matching: ["a"], pending: false, none: false })
  })

  it("matches checksum file names exactly first, else by trailing path", () => {
    const sums = parseChecksumText(`${SHA256_A}  a.iso\n${SHA256_B}  ./sub/a.iso\n`, "SHA256SUMS")
    expect(expectationsFor("sub/a.iso", [sums]).map((e) => e.digestHex)).toEqual([SHA256_B])
    expect(expectationsFor("release/a.iso", [sums]).map((e) => e.digestHex)).toEqual([SHA256_A])
    expect(expectationsFor("release/sub/a.iso", [sums]).map((e) => e.digestHex)).toEqual([SHA256_B])
    expect(expectationsFor("a.iso", [sums]).map((e) => e.digestHex)).toEqual([SHA256_A])
    expect(expectationsFor("b.iso", [sums])).toEqual([])
  })

  it("reports a mismatch over a match, and names the line it came from", () => {
    const sums = parseChecksumText(`${SHA256_A}  a.iso\nSHA1 (a.iso) = ${SHA1_C}\n`, "SHA256SUMS")
    const verdict = verdictFor(row("a.iso", { sha256: SHA256_A, sha1: "0".repeat(40) }), [sums])
    expect(verdict).toMatchObject({ _tag: "Mismatch", algorithm: "sha1", expected: { origin: "SHA256SUMS line 2" } })
  })

  it("summarizes a checksum file against the files", () => {
    const sums = parseChecksumText(`${SHA256_A}  a.iso\n${SHA256_A}  b.iso\n${SHA256_A}  c.iso\nSHA1 (d) = ${SHA1_C}\n`, "S")
    const rows = [row("a.iso", { sha256: SHA256_A }), row("b.iso", { sha256: SHA256_B }), row("d", { sha256: SHA256_B })]
    expect(summarize(sums, rows)).toEqual({
      matched: 1,
      mismatched: 1,
      pending: 0,
      notComputed: ["sha1"],
      missing: ["c.iso"]
    })
  })
})
