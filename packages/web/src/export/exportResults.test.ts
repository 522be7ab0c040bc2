import { parseChecksumFile } from "@sluice/core"
import { describe, expect, it } from "vitest"
import type { HashRow } from "../jobs/HashJobs.js"
import { checkCommand, checksumFileText, exportableAlgorithms, resultsJson } from "./exportResults.js"

const SHA = "ab".repeat(32)
const rows: Array<HashRow> = [
  {
    id: 1,
    name: "dir/a file.iso",
    size: 3,
    algorithms: ["sha256", "md5"],
    status: "done",
    bytes: 3,
    bytesPerSecond: 0,
    etaSeconds: undefined,
    digests: { sha256: SHA, md5: "cd".repeat(16) },
    failure: undefined,
    retryable: false,
    resumedAt: undefined,
    cached: false
  },
  {
    id: 2,
    name: "back\\slash",
    size: 1,
    algorithms: ["sha256"],
    status: "done",
    bytes: 1,
    bytesPerSecond: 0,
    etaSeconds: undefined,
    digests: { sha256: "ef".repeat(32) },
    failure: undefined,
    retryable: false,
    resumedAt: undefined,
    cached: false
  },
  {
    id: 3,
    name: "locked",
    size: 0,
    algorithms: ["sha256"],
    status: "failed",
    bytes: 0,
    bytesPerSecond: 0,
    etaSeconds: undefined,
    digests: {},
    failure: { title: "could not read", detail: "locked: read failed (NotReadableError)" },
    retryable: true,
    resumedAt: undefined,
    cached: false
  }
]

describe("export", () => {
  it("writes sha256sum lines, escaping names as coreutils does, that parse back", () => {
    const text = checksumFileText(rows, "sha256", "gnu")
    expect(text).toBe(`${SHA}  dir/a file.iso\n\\${"ef".repeat(32)}  back\\\\slash\n`)
    const parsed = parseChecksumFile(text, { algorithm: "sha256" })
    expect(parsed.map((e) => e._tag === "Parsed" && e.name)).toEqual(["dir/a file.iso", "back\\slash"])
  })

  it("writes BSD tagged lines and only files with that digest", () => {
    expect(checksumFileText(rows, "md5", "bsd")).toBe(`MD5 (dir/a file.iso) = ${"cd".repeat(16)}\n`)
  })

  it("offers the algorithms finished files have", () => {
    expect(exportableAlgorithms(rows)).toEqual(["sha256", "md5"])
  })

  it("writes JSON with digests and failures", () => {
    expect(JSON.parse(resultsJson(rows))).toEqual({
      files: [
        { name: "dir/a file.iso", bytes: 3, digests: { sha256: SHA, md5: "cd".repeat(16) } },
        { name: "back\\slash", bytes: 1, digests: { sha256: "ef".repeat(32) } },
        { name: "locked", error: "locked: read failed (NotReadableError)" }
      ]
    })
  })

  it("names the command that checks the file", () => {
    expect(checkCommand("sha256", "gnu")).toBe("sha256sum -c SHA256SUMS")
    expect(checkCommand("sha3-256", "bsd")).toBe("cksum -c SHA3-256SUMS")
    expect(checkCommand("blake3", "bsd")).toBe("b3sum -c B3SUMS")
  })
})
