import { describe, expect, it } from "vitest"
import { constantTimeEqual, headerMac, headerMacKey, hkdfSha256, payloadKey, verifyHeaderMac } from "./keySchedule.js"

const hex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16))
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

describe("age's key schedule", () => {
  it("HKDF-SHA-256 gives RFC 5869's test case 1 (its first 32 bytes)", () => {
    const okm = hkdfSha256(hex("0b".repeat(22)), hex("000102030405060708090a0b0c"), hex("f0f1f2f3f4f5f6f7f8f9"))
    expect(toHex(okm)).toBe("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf")
  })

  it("the header and payload keys differ, and the payload key depends on the nonce", () => {
    const fileKey = new Uint8Array(16).fill(1)
    const a = payloadKey(fileKey, new Uint8Array(16))
    const b = payloadKey(fileKey, new Uint8Array(16).fill(2))
    expect(a).toHaveLength(32)
    expect(toHex(a)).not.toBe(toHex(b))
    expect(toHex(a)).not.toBe(toHex(headerMacKey(fileKey)))
  })

  it("refuses a file key other than 16 bytes and a nonce other than 16", () => {
    expect(() => headerMacKey(new Uint8Array(32))).toThrow(RangeError)
    expect(() => payloadKey(new Uint8Array(16), new Uint8Array(12))).toThrow(RangeError)
  })

  it("verifies a MAC only with its file key and input, and never one of another length", () => {
    const fileKey = new Uint8Array(16).fill(3)
    const input = new TextEncoder().encode("age-encryption.org/v1\n-> X\n\n---")
    const mac = headerMac(fileKey, input)
    expect(verifyHeaderMac(fileKey, input, mac)).toBe(true)
    expect(verifyHeaderMac(fileKey, input.subarray(1), mac)).toBe(false)
    expect(verifyHeaderMac(fileKey, input, mac.subarray(0, 31))).toBe(false)
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
  })
})
