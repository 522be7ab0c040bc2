import { base64, base64urlnopad } from "@scure/base"
import { describe, expect, it } from "vitest"
import { sequence, tlv, unsignedInteger } from "../der.js"
import { armor, armorJsonInto, armorJsonSize, base64Text, base64UrlText } from "./pem.js"

/** What armor wrote before base64Text: scure's base64, cut into lines and joined. */
const armorByLines = (label: string, der: Uint8Array, width: number) => {
  const text = base64.encode(der)
  const lines: Array<string> = []
  for (let at = 0; at < text.length; at += width) lines.push(text.slice(at, at + width))
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`
}

describe("base64Text", () => {
  it("gives scure's base64 (and base64url without padding), and armor its PEM lines, for every length from 0 to 300 bytes at widths 64 and 70", () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n * 7) & 0xff)
      expect(base64Text(bytes)).toBe(base64.encode(bytes))
      expect(armor("PRIVATE KEY", bytes)).toBe(armorByLines("PRIVATE KEY", bytes, 64))
      expect(armor("OPENSSH PRIVATE KEY", bytes, 70)).toBe(armorByLines("OPENSSH PRIVATE KEY", bytes, 70))
      expect(base64UrlText(bytes)).toBe(base64urlnopad.encode(bytes))
    }
  })
})

describe("armorJsonInto", () => {
  it("writes the bytes of JSON.stringify(armor(...)), exactly armorJsonSize of them, for every length from 0 to 300 bytes at widths 64 and 70", () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n * 7) & 0xff)
      for (const [label, width] of [["PRIVATE KEY", 64], ["OPENSSH PRIVATE KEY", 70]] as const) {
        const out = new Uint8Array(armorJsonSize(label, n, width) + 9).fill(0xee)
        const end = armorJsonInto(label, bytes, width, out, 4)
        expect(end - 4).toBe(armorJsonSize(label, n, width))
        expect(new TextDecoder().decode(out.subarray(4, end))).toBe(JSON.stringify(armor(label, bytes, width)))
        expect(Array.from(out.subarray(0, 4)).concat(Array.from(out.subarray(end)))).toEqual(new Array(9).fill(0xee))
      }
    }
  })
})

describe("DER lengths", () => {
  it("writes the short form under 128 and the long form's big-endian bytes from 128 on", () => {
    const head = (n: number) => Array.from(tlv(0x04, new Uint8Array(n)).subarray(0, 5))
    expect(head(127).slice(0, 2)).toEqual([0x04, 127])
    expect(head(128).slice(0, 3)).toEqual([0x04, 0x81, 0x80])
    expect(head(255).slice(0, 3)).toEqual([0x04, 0x81, 0xff])
    expect(head(256).slice(0, 4)).toEqual([0x04, 0x82, 0x01, 0x00])
    expect(head(65536).slice(0, 5)).toEqual([0x04, 0x83, 0x01, 0x00, 0x00])
    expect(Array.from(unsignedInteger(Uint8Array.of(0, 0, 0x80)))).toEqual([0x02, 0x02, 0x00, 0x80])
    expect(Array.from(sequence(Uint8Array.of(5, 0)))).toEqual([0x30, 0x02, 0x05, 0x00])
  })
})
