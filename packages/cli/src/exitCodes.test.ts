/** The table of errors agrees with the code: each reason's exit code, and core's transient/permanent. */
import { HashErrorReason, isTransient } from "@sluice/core"
import { describe, expect, it } from "vitest"
import { ERROR_TABLE, errorTableMarkdown, errorTableText, exitCodeFor, ExitCode } from "./exitCodes.js"

const withReason = ERROR_TABLE.filter((row) => row.example !== undefined)

describe("ERROR_TABLE", () => {
  it("has a row for every reason core can fail with", () => {
    const tags = HashErrorReason.members.map((member) => member.identifier)
    expect(new Set(withReason.map((row) => row.example!._tag))).toEqual(new Set(tags))
    for (const tag of tags) expect(ERROR_TABLE.map((row) => row.error)).toContain(tag)
  })

  it.each(withReason.map((row) => [row.error, row.kind, row] as const))("%s (%s): the exit code and kind the CLI really uses", (_error, _kind, row) => {
    expect(exitCodeFor(row.example!)).toBe(row.code)
    expect(row.kind).toBe(isTransient(row.example!) ? "transient" : "permanent")
  })

  it("lists every exit code", () => {
    for (const code of Object.values(ExitCode)) expect(ERROR_TABLE.map((row) => row.code)).toContain(code)
  })

  it("help and README renderings have one line per row", () => {
    expect(errorTableText().split("\n").filter((line) => /^ {2}\d/.test(line))).toHaveLength(ERROR_TABLE.length)
    expect(errorTableMarkdown().split("\n").filter((line) => /^\| \d/.test(line))).toHaveLength(ERROR_TABLE.length)
  })
})
