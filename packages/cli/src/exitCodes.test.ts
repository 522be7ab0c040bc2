/** The table of errors agrees with the code: each reason's exit code, and core's transient/permanent. */
import { AgeErrorReason, HashErrorReason, isTransient } from "@sluice/core"
import { describe, expect, it } from "vitest"
import { ERROR_TABLE, errorTableMarkdown, errorTableText, exitCodeFor, exitCodeForAge, ExitCode } from "./exitCodes.js"

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

describe("ERROR_TABLE's age rows", () => {
  const ageRows = ERROR_TABLE.filter((row) => row.ageExample !== undefined)

  it("has a row for every reason an age encryption or decryption can fail with", () => {
    const tags = AgeErrorReason.members.map((member) => member.identifier)
    expect(new Set(ageRows.map((row) => row.ageExample!._tag))).toEqual(new Set(tags))
  })

  it.each(ageRows.map((row) => [row.error, row] as const))("%s: the exit code the CLI really uses", (_error, row) => {
    expect(exitCodeForAge(row.ageExample!)).toBe(row.code)
    expect(row.error).toBe(row.ageExample!._tag)
  })

  it("no identity and tampering have codes of their own, apart from usage and input", () => {
    expect(new Set([ExitCode.usage, ExitCode.input, ExitCode.noIdentity, ExitCode.tampered]).size).toBe(4)
  })
})
