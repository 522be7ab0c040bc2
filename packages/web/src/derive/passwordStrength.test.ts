import { describe, expect, it } from "vitest"
import { estimateStrength } from "./passwordStrength.js"

describe("estimateStrength", () => {
  it("gives an empty password no bits", () => {
    expect(estimateStrength("")).toEqual({ bits: 0, label: "empty" })
  })

  it("counts log2 of the alphabet per character: 8 random lower-case letters are about 38 bits", () => {
    expect(estimateStrength("qzmxkvpr").bits).toBe(Math.round(8 * Math.log2(26)))
  })

  it("counts repeats and runs as 1 bit a character", () => {
    expect(estimateStrength("aaaaaaaa").bits).toBe(Math.round(Math.log2(26) + 7))
    expect(estimateStrength("abcdefgh").bits).toBe(Math.round(Math.log2(26) + 7))
    expect(estimateStrength("12345678").label).toBe("very weak")
  })

  it("rates a long password of mixed classes very strong", () => {
    expect(estimateStrength("T7#qL!w9@Zr2$vX8").label).toBe("very strong")
  })
})
