import { describe, expect, it } from "vitest"
import { entryValue, parseDigestEntry } from "./digestEntry.js"

/** What JSON.parse alone makes of a value (the reading before the plain entry's fast path). */
const byJson = (value: string) => {
  try {
    const parsed = JSON.parse(value) as { d?: unknown; b?: unknown; f?: unknown }
    const hex = typeof parsed.d === "string" && /^[0-9a-f]{8,256}$/.test(parsed.d)
    if (!hex || !Number.isSafeInteger(parsed.b) || (parsed.b as number) < 0) return undefined
    if (parsed.f !== undefined && typeof parsed.f !== "string") return undefined
    return { digest: parsed.d, bytes: parsed.b, ...(parsed.f === undefined ? {} : { fingerprint: parsed.f }) }
  } catch {
    return undefined
  }
}

describe("parseDigestEntry", () => {
  const digest = "0123456789abcdef".repeat(4)
  it("reads what entryValue writes, with and without a fingerprint", () => {
    expect(parseDigestEntry(entryValue(digest, 4096, undefined))).toEqual({ digest, bytes: 4096 })
    expect(parseDigestEntry(entryValue(digest, 0, "f1"))).toEqual({ digest, bytes: 0, fingerprint: "f1" })
  })

  it("reads every value as JSON.parse does: the plain entry's fast path never answers otherwise", () => {
    const values = [
      `{"d":"${digest}","b":4096}`,
      `{"d":"${digest}","b":0}`,
      `{"d":"${digest}","b":9007199254740991}`,
      `{"d":"${digest}","b":9007199254740992}`,
      `{"d":"${digest}","b":0123}`,
      `{"d":"${digest}","b":-1}`,
      `{"d":"${digest}","b":1.5}`,
      `{"d":"${digest}","b":1e3}`,
      `{"d":"${digest}","b":}`,
      `{"d":"${digest.toUpperCase()}","b":1}`,
      `{"d":"abc","b":1}`,
      `{"d":"${digest}","b":1,"f":"x"}`,
      `{"d":"${digest}","b":1,"f":1}`,
      `{"d":"${digest}","b":1} `,
      `{"d":"${digest}" ,"b":1}`,
      `{"d":"${digest}\\u0030","b":1}`,
      `{"d":"${digest}","b":"1"}`,
      `{"b":1,"d":"${digest}"}`,
      `{"d":"${digest}","b":1}}`,
      `{"d":"${digest}","b":1`,
      "",
      "not json"
    ]
    for (const value of values) expect(parseDigestEntry(value), value).toEqual(byJson(value))
  })
})
