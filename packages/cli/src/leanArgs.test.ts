import { describe, expect, it } from "vitest"
import { scanArgs } from "./leanArgs.js"

const FLAGS = { "-r": "recursive", "--recursive": "recursive", "--tag": "tag" } as const
const VALUES = { "-a": "algorithm", "--algorithm": "algorithm" } as const
const scan = (...argv: Array<string>) => scanArgs(argv, "hash", FLAGS, VALUES)

describe("scanArgs", () => {
  it("reads flags, values and operands, every flag false unless given", () => {
    expect(scan("hash", "-r", "-a", "md5", "a", "b")).toEqual({
      flags: { recursive: true, tag: false },
      values: { algorithm: "md5" },
      operands: ["a", "b"]
    })
  })

  it("keeps the last value given, in either form, as commander does", () => {
    expect(scan("hash", "-a", "md5", "--algorithm=sha1", "f")?.values.algorithm).toBe("sha1")
    expect(scan("hash", "--algorithm=sha1", "--algorithm", "sha512", "f")?.values.algorithm).toBe("sha512")
  })

  it("leaves another command, an unknown option, a missing value and a name Node could not decode to the full program", () => {
    expect(scan("check", "f")).toBeUndefined()
    expect(scan("hash", "--json", "f")).toBeUndefined()
    expect(scan("hash", "-", "f")).toBeUndefined()
    expect(scan("hash", "f", "-a")).toBeUndefined()
    expect(scan("hash", "--tag=1", "f")).toBeUndefined()
    expect(scan("hash", "bad\uFFFDname")).toBeUndefined()
  })
})
