import { describe, expect, it } from "vitest"
import { AgeError } from "./AgeError.js"
import { cctvVectors } from "./cctv.testkit.js"
import { encodeHeader, HEADER_MAX, parseHeader, tryParseHeader } from "./header.js"
import { headerMac, verifyHeaderMac } from "./keySchedule.js"

const text = (s: string) => new TextEncoder().encode(s)
const NONCE = "0123456789abcdef"
const MAC = "WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg"
const STANZA = "-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nhjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n"
const file = (middle: string, tail = `--- ${MAC}\n${NONCE}`) => text(`age-encryption.org/v1\n${middle}${tail}`)

/** The reason parseHeader refuses `bytes` with, or "ok". */
const outcome = (bytes: Uint8Array): string => {
  try {
    parseHeader(bytes)
    return "ok"
  } catch (error) {
    if (!(error instanceof AgeError)) throw error
    return error.reason._tag
  }
}

const detail = (bytes: Uint8Array): string => {
  try {
    parseHeader(bytes)
    return "ok"
  } catch (error) {
    return (error as AgeError).message
  }
}

describe("parseHeader", () => {
  it("reads the stanzas, the raw MAC input up to '---', the MAC, the header length and the nonce", () => {
    const bytes = file(STANZA)
    const header = parseHeader(bytes)
    expect(header.stanzas).toHaveLength(1)
    expect(header.stanzas[0]!.type).toBe("X25519")
    expect(header.stanzas[0]!.args).toEqual(["TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc"])
    expect(header.stanzas[0]!.body).toHaveLength(32)
    expect(new TextDecoder().decode(header.macInput)).toBe(`age-encryption.org/v1\n${STANZA}---`)
    expect(header.mac).toHaveLength(32)
    expect(header.headerLength).toBe(bytes.length - 16)
    expect(new TextDecoder().decode(header.nonce)).toBe(NONCE)
  })

  it("rule 1: refuses an empty file, another version and a file that is not age", () => {
    expect(detail(new Uint8Array(0))).toContain("empty")
    expect(outcome(text(`age-encryption.org/v2\n${STANZA}--- ${MAC}\n${NONCE}`))).toBe("UnsupportedVersion")
    expect(outcome(text("hello world\n"))).toBe("MalformedHeader")
    expect(detail(text("PK\x03\x04"))).toContain("not an age file")
  })

  it("rule 2: refuses CR at a line's end, the version line's included, and inside a body", () => {
    expect(detail(text(`age-encryption.org/v1\r\n${STANZA}--- ${MAC}\n${NONCE}`))).toContain("CR")
    expect(detail(file(STANZA.replace("\n", "\r\n")))).toContain("CR")
    expect(outcome(file("-> X\nAA\r\n"))).toBe("MalformedHeader")
  })

  it("rule 3: refuses a line that is not '-> ', a stanza without arguments, an empty argument, a non-VCHAR byte", () => {
    expect(detail(file(`${STANZA}-- x\n\n`))).toContain("neither a stanza")
    expect(detail(file(`${STANZA}->\n\n`))).toContain("without arguments")
    expect(detail(file(`${STANZA}-> \n\n`))).toContain("without arguments")
    expect(detail(file(`${STANZA}-> a  b\n\n`))).toContain("empty stanza argument")
    expect(detail(file(`${STANZA}-> a \n\n`))).toContain("empty stanza argument")
    expect(detail(file(`${STANZA}-> a\x7fb\n\n`))).toContain("visible ASCII")
    expect(detail(file(`${STANZA}-> a\xe9\n\n`))).toContain("visible ASCII")
  })

  it("rule 4: refuses invalid characters, padding, non-canonical base64 and lines over 64 columns", () => {
    expect(outcome(file("-> X\nA*A\n"))).toBe("MalformedHeader")
    expect(outcome(file("-> X\nAA==\n"))).toBe("MalformedHeader")
    expect(outcome(file("-> X\nAB\n"))).toBe("MalformedHeader")
    expect(detail(file(`-> X\n${"A".repeat(68)}\n`))).toContain("longer than 64")
  })

  it("rule 5: needs one final short body line; an empty one is fine", () => {
    const full = "A".repeat(64)
    expect(parseHeader(file("-> X\n\n")).stanzas[0]!.body).toHaveLength(0)
    expect(parseHeader(file(`-> X\n${full}\n\n`)).stanzas[0]!.body).toHaveLength(48)
    expect(detail(file("-> X\n"))).toContain("final")
    expect(detail(file(`-> X\n${full}\n`))).toContain("final")
    expect(detail(file(`-> X\n${full}\n-> Y\n\n`))).toContain("final")
    expect(outcome(file("-> X\nAAAA\nAAAA\n"))).toBe("MalformedHeader")
  })

  it("rule 6: needs '--- ' and exactly 43 canonical base64 characters for the MAC", () => {
    for (const line of ["---", "--- ", `---${MAC}`, `---  ${MAC}`, `--- ${MAC} `, `--- ${MAC}AAA`, `--- ${MAC.slice(0, 42)}`, `--- ${MAC.slice(0, 42)}h`]) {
      expect([line, outcome(file(STANZA, `${line}\n${NONCE}`))]).toEqual([line, "MalformedHeader"])
    }
  })

  it("rule 7: refuses a header without a stanza", () => {
    expect(detail(file(""))).toContain("no recipient stanza")
  })

  it("rule 8: refuses a missing or short nonce", () => {
    expect(detail(file(STANZA, `--- ${MAC}\n`))).toContain("nonce")
    expect(detail(file(STANZA, `--- ${MAC}\n${NONCE.slice(1)}`))).toContain("nonce")
    expect(detail(file(STANZA, ""))).toContain("ends inside the header")
  })

  it("refuses a header larger than 4 MiB with a clear error, without reading further", () => {
    const huge = new Uint8Array(HEADER_MAX + 10).fill(0x41)
    huge.set(text(`age-encryption.org/v1\n-> X\n`))
    expect(detail(huge)).toContain("larger than 4 MiB")
    expect(() => tryParseHeader(huge)).toThrow("larger than 4 MiB")
  })

  it("tryParseHeader waits for more bytes until the header and nonce are whole, and fails early on a bad start", () => {
    const bytes = file(STANZA)
    for (let n = 0; n < bytes.length; n++) expect(tryParseHeader(bytes.subarray(0, n))).toBeUndefined()
    expect(tryParseHeader(bytes)?.headerLength).toBe(bytes.length - 16)
    expect(() => tryParseHeader(text("GIF8"))).toThrow("not an age file")
  })
})

describe("encodeHeader", () => {
  it("writes bodies in 64-column lines and a final shorter one, empty for a multiple of 48 bytes", () => {
    const stanzas = [0, 1, 47, 48, 49, 96].map((n) => ({ type: "t", args: [`n${n}`], body: new Uint8Array(n).fill(n) }))
    const bytes = encodeHeader(stanzas, () => new Uint8Array(32))
    const lines = new TextDecoder().decode(bytes).split("\n")
    expect(lines.every((line) => line.length <= 64)).toBe(true)
    expect(lines.filter((line) => line === "")).toHaveLength(4) // 0, 48, 96 bytes; and after the MAC line's LF
    const parsed = parseHeader(new Uint8Array([...bytes, ...new Uint8Array(16)]))
    expect(parsed.stanzas).toEqual(stanzas)
  })

  it("MACs exactly the bytes up to and including '---'", () => {
    const fileKey = new Uint8Array(16).fill(7)
    const bytes = encodeHeader([{ type: "X", args: ["a"], body: new Uint8Array(3) }], (input) => headerMac(fileKey, input))
    const header = parseHeader(new Uint8Array([...bytes, ...new Uint8Array(16)]))
    expect(verifyHeaderMac(fileKey, header.macInput, header.mac)).toBe(true)
    expect(verifyHeaderMac(new Uint8Array(16), header.macInput, header.mac)).toBe(false)
  })

  it("refuses an empty argument, a space inside one and no stanza", () => {
    expect(() => encodeHeader([{ type: "X", args: [""], body: new Uint8Array(0) }], () => new Uint8Array(32))).toThrow(AgeError)
    expect(() => encodeHeader([{ type: "X", args: ["a b"], body: new Uint8Array(0) }], () => new Uint8Array(32))).toThrow(AgeError)
    expect(() => encodeHeader([], () => new Uint8Array(32))).toThrow(AgeError)
  })
})

/** Header failures the parser itself must catch (a non-canonical body is one of them); the others break a recipient type's rules (design §1.9 rules 9-11). */
const SYNTACTIC = /^(empty|header_|hmac_|stanza_|stream_|version_)|_not_canonical_body$/
const vectors = cctvVectors().filter((v) => !v.armored)

describe("CCTV: parseHeader on every unarmored vector", () => {
  const failures = vectors.filter((v) => v.expect === "header failure" && SYNTACTIC.test(v.name))
  const others = vectors.filter((v) => !failures.includes(v))

  it("finds the vectors", () => {
    expect(failures.length).toBeGreaterThanOrEqual(20)
    expect(vectors.length).toBe(110)
  })

  it.each(failures.map((v) => [v.name, v] as const))("%s: a header failure, caught by parseHeader", (name, v) => {
    expect(outcome(v.file)).toBe(name === "version_unsupported" ? "UnsupportedVersion" : "MalformedHeader")
  })

  it.each(failures.map((v) => [v.name, v] as const))("%s: the error quotes nothing of the header's arguments, bodies or MAC", (_name, v) => {
    const message = detail(v.file)
    const quoted = new TextDecoder("latin1").decode(v.file.subarray(0, 4096)).split(/[\s]+/).filter((word) => word.length >= 16 && !word.startsWith("age-encryption"))
    expect(quoted.length).toBeGreaterThan(v.name === "empty" ? -1 : 0)
    expect(quoted.filter((word) => message.includes(word))).toEqual([])
  })

  it.each(others.map((v) => [v.name, v] as const))("%s: parses and re-encodes to the identical bytes", (_name, v) => {
    const header = parseHeader(v.file)
    const again = encodeHeader(header.stanzas, () => header.mac)
    expect(again).toEqual(v.file.subarray(0, header.headerLength))
  })

  it.each(others.filter((v) => v.expect === "success").map((v) => [v.name, v] as const))("%s: the MAC verifies with the file key", (_name, v) => {
    const header = parseHeader(v.file)
    expect(verifyHeaderMac(v.fileKey!, header.macInput, header.mac)).toBe(true)
  })

  it("hmac_bad parses but its MAC does not verify", () => {
    const v = vectors.find((x) => x.name === "hmac_bad")!
    const header = parseHeader(v.file)
    expect(verifyHeaderMac(v.fileKey!, header.macInput, header.mac)).toBe(false)
  })
})
