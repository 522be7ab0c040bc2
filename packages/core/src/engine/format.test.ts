import { describe, expect, it } from "vitest"
import { formatBytes } from "./format.js"

// The four formatters formatBytes replaced, as they were, each with the options its caller
// now passes; they must agree on every count (bytes are whole; rates are not).
const KiB = 1024
const MiB = 1024 ** 2
const GiB = 1024 ** 3
const formerly = {
  "CLI (progress, stats, doctor, cache)": {
    options: {},
    old: (n: number): string => {
      const units = ["B", "KiB", "MiB", "GiB", "TiB"]
      let i = 0
      while (n >= 1024 && i < units.length - 1) {
        n /= 1024
        i++
      }
      return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`
    }
  },
  "CLI (hash --resume)": {
    options: { smallest: "MiB", largest: "GiB", decimals: { MiB: 1, GiB: 2 } },
    old: (bytes: number): string =>
      bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  },
  "web app": {
    options: { units: "decimal", decimals: "significant" },
    old: (n: number): string => {
      const units = ["B", "kB", "MB", "GB", "TB"]
      let value = n
      let i = 0
      while (value >= 1000 && i < units.length - 1) {
        value /= 1000
        i++
      }
      return i === 0 ? `${Math.round(value)} ${units[0]}` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[i]}`
    }
  },
  bench: {
    options: { decimals: 2, trimWhole: true, largest: "GiB" },
    old: (n: number): string => {
      for (const [unit, size] of [["GiB", GiB], ["MiB", MiB], ["KiB", KiB]] as const) {
        if (n >= size) return n % size === 0 ? `${n / size} ${unit}` : `${(n / size).toFixed(2)} ${unit}`
      }
      return `${n} B`
    }
  }
} as const

const counts = [
  0, 1, 999, 1000, 1001, 1023, 1024, 1025, 1536, 4096, 12_345, 999_499, 999_999, 1e6,
  MiB - 1, MiB, MiB + 1, 16 * MiB, 100 * MiB, 512 * MiB, 1e9, GiB - 1, GiB, GiB + 1,
  5765024 * KiB, 4 * GiB, 1e12, 1024 * GiB, 3 * 1024 * GiB + 7, 2 ** 53 - 1
]

describe("formatBytes", () => {
  it.each(Object.entries(formerly))("prints what the %s formatter printed", (_name, { old, options }) => {
    for (const n of counts) expect(formatBytes(n, options), String(n)).toBe(old(n))
  })

  it("prints whole bytes, also of a rate", () => {
    expect(formatBytes(512.4)).toBe("512 B")
    expect(formatBytes(1536.5)).toBe("1.5 KiB")
  })

  it("defaults to binary units with one decimal", () => {
    expect([0, 1023, 1024, 1.5 * MiB, 2 * GiB].map((n) => formatBytes(n))).toEqual(["0 B", "1023 B", "1.0 KiB", "1.5 MiB", "2.0 GiB"])
  })
})
