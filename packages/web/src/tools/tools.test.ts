import { describe, expect, it } from "vitest"
import { TOOLS, toolHref, toolOfHash } from "./tools.js"

describe("toolOfHash", () => {
  it("opens each tool at its own address", () => {
    for (const tool of TOOLS) expect(toolOfHash(toolHref(tool.id))).toBe(tool.id)
    expect(toolOfHash("#/keys/")).toBe("keys")
    expect(toolOfHash("#/encrypt")).toBe("encrypt")
  })

  it("opens Hash at the addresses it had before tools, and for an unknown tool", () => {
    expect(toolOfHash("")).toBe("hash")
    expect(toolOfHash("#performance")).toBe("hash")
    expect(toolOfHash("#/sign")).toBe("hash")
    expect(toolOfHash("#/keysmith")).toBe("hash")
  })
})
