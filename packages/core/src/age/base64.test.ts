import { describe, expect, it } from "vitest"
import { decodeBase64, encodeBase64 } from "./base64.js"

describe("age's base64", () => {
  it("round-trips bytes of every length modulo 3 without padding", () => {
    for (const length of [0, 1, 2, 3, 16, 31, 32, 48]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff)
      const text = encodeBase64(bytes)
      expect(text).not.toContain("=")
      expect(decodeBase64(text)).toEqual(bytes)
    }
  })

  it("refuses padding, line breaks, spaces and non-canonical last characters", () => {
    expect(decodeBase64("AA==")).toBeUndefined()
    expect(decodeBase64("AAAA\nAAAA")).toBeUndefined()
    expect(decodeBase64("AAAA\r")).toBeUndefined()
    expect(decodeBase64("AA AA")).toBeUndefined()
    // "AB" has non-zero unused bits (canonical one byte 0x00 is "AA").
    expect(decodeBase64("AB")).toBeUndefined()
    expect(decodeBase64("A")).toBeUndefined()
    expect(decodeBase64("AA")).toEqual(new Uint8Array([0]))
  })
})
