import { Effect, Exit, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { AgeError } from "./AgeError.js"
import { ARMOR_BEGIN, ARMOR_END, ArmorDecoder, ArmorEncoder, armor, armorStream, dearmor, dearmorStream, isArmored } from "./armor.js"
import { cctvVectors } from "./cctv.testkit.js"
import { encodeHeader, parseHeader } from "./header.js"
import { nobleAead } from "./nobleAead.js"
import { describeCctvPayloads } from "./payload.testkit.js"

const text = (s: string) => new TextEncoder().encode(s)
const str = (b: Uint8Array) => new TextDecoder().decode(b)
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + 5) & 0xff)

/** The reason dearmor refuses `armored` with, or "ok". */
const outcome = (armored: Uint8Array | string): string => {
  try {
    dearmor(typeof armored === "string" ? text(armored) : armored)
    return "ok"
  } catch (error) {
    if (!(error instanceof AgeError)) throw error
    return error.message
  }
}

/** Decodes `armored` fed in pieces of `size` bytes. */
const dearmorIn = (armored: Uint8Array, size: number): Uint8Array => {
  const decoder = new ArmorDecoder()
  const parts: Array<number> = []
  for (let at = 0; at < armored.length; at += size) parts.push(...decoder.push(armored.subarray(at, at + size)))
  parts.push(...decoder.end())
  return Uint8Array.from(parts)
}

const wrap = (body: string) => `${ARMOR_BEGIN}\n${body}${ARMOR_END}\n`
const FULL = "A".repeat(64)

describe("armor", () => {
  it.each([0, 1, 2, 3, 47, 48, 49, 96, 1000])("%i bytes: 64-column lines, padding, BEGIN and END, and back", (n) => {
    const armored = armor(bytes(n))
    const lines = str(armored).split("\n")
    expect(lines[0]).toBe(ARMOR_BEGIN)
    expect(lines.at(-2)).toBe(ARMOR_END)
    expect(lines.at(-1)).toBe("")
    expect(lines.slice(1, -3).every((line) => line.length === 64)).toBe(true)
    expect(dearmor(armored)).toEqual(bytes(n))
  })

  it("encodes the same whatever the chunks pushed", () => {
    const data = bytes(5000)
    for (const size of [1, 7, 47, 48, 49, 4999]) {
      const encoder = new ArmorEncoder()
      const parts: Array<number> = []
      for (let at = 0; at < data.length; at += size) parts.push(...encoder.push(data.subarray(at, at + size)))
      parts.push(...encoder.end())
      expect([size, str(Uint8Array.from(parts))]).toEqual([size, str(armor(data))])
    }
  })
})

describe("armorStream and dearmorStream", () => {
  const pieces = (data: Uint8Array, size: number) =>
    Stream.fromIterable(Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size)))
  const collect = (stream: Stream.Stream<Uint8Array, AgeError>) =>
    Effect.runPromiseExit(Stream.runCollect(stream).pipe(Effect.map((chunks) => Uint8Array.from(chunks.flatMap((c) => [...c])))))

  it("armor a stream as armor() does, and decode it back, in pieces of any size", async () => {
    const data = bytes(70_000)
    for (const size of [1000, 4096, 70_000]) {
      const armored = await collect(armorStream(pieces(data, size)))
      expect(Exit.isSuccess(armored) && str(armored.value)).toBe(str(armor(data)))
      const back = await collect(dearmorStream(pieces(armor(data), size)))
      expect(Exit.isSuccess(back) && back.value).toEqual(data)
    }
  })

  it("fail with MalformedArmor, as an AgeError, on bad armor", async () => {
    const error = await Effect.runPromise(Stream.runCollect(dearmorStream(Stream.make(text(wrap("AAA\n"))))).pipe(Effect.flip))
    expect(error).toBeInstanceOf(AgeError)
    expect((error as AgeError).reason._tag).toBe("MalformedArmor")
  })
})

describe("dearmor: the rules of design §1.8", () => {
  it("accepts CRLF, a missing final EOL, a full last line and whitespace outside", () => {
    expect(outcome(wrap("AAAA\n").replaceAll("\n", "\r\n"))).toBe("ok")
    expect(outcome(wrap("AAAA\n").slice(0, -1))).toBe("ok")
    expect(outcome(wrap(`${FULL}\n`))).toBe("ok")
    expect(outcome(` \t\r\n${wrap("AAAA\n")}\n \t\r\n`)).toBe("ok")
    expect(dearmor(text(wrap("")))).toEqual(new Uint8Array(0))
  })

  it.each([
    ["garbage before", `x${wrap("AAAA\n")}`, "BEGIN"],
    ["garbage after", `${wrap("AAAA\n")}x`, "after the END"],
    ["another label", wrap("AAAA\n").replaceAll("FILE", "MESSAGE"), "BEGIN"],
    ["lower case", wrap("AAAA\n").replace("AGE", "age"), "BEGIN"],
    ["a header", wrap("Comment: x\n\nAAAA\n"), "base64"],
    ["an empty line inside", wrap(`${FULL}\n\nAAAA\n`), "empty line"],
    ["an empty last line", wrap(`${FULL}\n\n`), "empty line"],
    ["a short line before the last", wrap(`AAAA\n${FULL}\n`), "before the last"],
    ["a line over 64 columns", wrap(`${FULL}AAAA\n`), "longer than 64"],
    ["a space at a line's end", wrap("AAAA \n"), "base64"],
    ["a space at a line's start", wrap(" AAAA\n"), "base64"],
    ["missing padding", wrap("AAA\n"), "base64"],
    ["non-canonical padding", wrap("AB==\n"), "base64"],
    ["padding split over two lines", wrap("AA=\n=\n"), "base64"],
    ["a PGP checksum", wrap("AAAA\n=abcd\n"), "before the last"],
    ["no END line", `${ARMOR_BEGIN}\nAAAA\n`, "no END"],
    ["nothing", "", "no BEGIN"],
    ["over 1024 bytes of whitespace before", `${" ".repeat(1025)}${wrap("AAAA\n")}`, "whitespace before"],
    ["1024 bytes of whitespace after", `${wrap("AAAA\n")}${" ".repeat(1024)}`, "whitespace after"],
    ["garbage on a line before", `garbage\n${wrap("AAAA\n")}`, "data before the BEGIN line"],
    ["whitespace before the BEGIN line on its line", `\n  ${wrap("AAAA\n")}`, "whitespace before the BEGIN line on its line"],
    ["a whitespace line of 1025 bytes counted", `${"\n".repeat(1025)}${wrap("AAAA\n")}`, "whitespace before"],
    ["whitespace on the END line", wrap("AAAA\n").replace(ARMOR_END, `${ARMOR_END} `), "before the last line"],
    ["spaces inside the BEGIN line's dashes", wrap("AAAA\n").replace("-----BEGIN AGE ENCRYPTED FILE-----", "----- BEGIN AGE ENCRYPTED FILE -----"), "BEGIN"]
  ])("refuses %s", (_name, armored, detail) => {
    expect(outcome(armored)).toContain(detail)
  })

  it("takes whitespace outside as age's armor reader does: whole lines before (1024 bytes, a CR before LF not counted), under 1024 bytes after", () => {
    expect(outcome(`${"\n".repeat(1024)}${wrap("AAAA\n")}`)).toBe("ok")
    expect(outcome(`${"\r\n".repeat(1024)}${wrap("AAAA\n")}`)).toBe("ok")
    expect(outcome(`${" ".repeat(1023)}\n${wrap("AAAA\n")}`)).toBe("ok")
    expect(outcome(`${" ".repeat(1024)}\n${wrap("AAAA\n")}`)).toContain("whitespace before")
    expect(outcome(` \t\v\f\r\n${wrap("AAAA\n")}${" ".repeat(1023)}`)).toBe("ok")
    expect(outcome(`${wrap("AAAA\n")}\n\r\n \t`)).toBe("ok")
    // The END line ended by a CR alone at the end of the file.
    expect(outcome(`${wrap("AAAA\n").slice(0, -1)}\r`)).toBe("ok")
  })

  it("holds one line at most: a long line fails before its end comes", () => {
    const decoder = new ArmorDecoder()
    decoder.push(text(`${ARMOR_BEGIN}\n`))
    expect(() => decoder.push(new Uint8Array(1 << 20).fill(0x41))).toThrow("longer than 64")
    expect(() => decoder.end()).toThrow("longer than 64")
  })

  it("isArmored looks past whitespace for -----BEGIN, and finds age's BEGIN line after bytes before it", () => {
    expect(isArmored(text(`\n  ${ARMOR_BEGIN}`))).toBe(true)
    expect(isArmored(text(`${"\r\n".repeat(1024)}${ARMOR_BEGIN}\n`))).toBe(true)
    expect(isArmored(text(`garbage\n${ARMOR_BEGIN}\n`))).toBe(true)
    expect(isArmored(text(`${"x".repeat(2000)}\n${ARMOR_BEGIN}\n`))).toBe(true)
    expect(isArmored(text(`${"x".repeat(2100)}\n${ARMOR_BEGIN}\n`))).toBe(false)
    expect(isArmored(text(`age-encryption.org/v1\n-> x\n${ARMOR_BEGIN}\n`))).toBe(false)
    expect(isArmored(text("age-encryption.org/v1\n"))).toBe(false)
    expect(isArmored(text("----- BEGIN AGE ENCRYPTED FILE -----\n"))).toBe(true)
    expect(isArmored(text("----"))).toBe(false)
  })
})

const armored = cctvVectors().filter((v) => v.armored)

describe("CCTV: the armored vectors", () => {
  it("finds the 33 armored vectors", () => {
    expect(armored.length).toBe(33)
  })

  it.each(armored.filter((v) => v.expect === "armor failure").map((v) => [v.name, v] as const))("%s: MalformedArmor, whole and byte by byte", (_name, v) => {
    expect(() => dearmor(v.file)).toThrow(AgeError)
    try {
      dearmor(v.file)
    } catch (error) {
      expect((error as AgeError).reason._tag).toBe("MalformedArmor")
    }
    expect(() => dearmorIn(v.file, 1)).toThrow(AgeError)
  })

  const decoding = armored.filter((v) => v.expect !== "armor failure")

  it.each(decoding.map((v) => [v.name, v] as const))("%s: decodes the same in pieces of 1, 7 and 4096 bytes, and re-armors to its text", (_name, v) => {
    const whole = dearmor(v.file)
    for (const size of [1, 7, 4096]) expect(dearmorIn(v.file, size)).toEqual(whole)
    const normalized = str(v.file).replaceAll("\r\n", "\n").trim()
    expect(str(armor(whole))).toBe(`${normalized}\n`)
  })

  it.each(decoding.filter((v) => v.expect === "header failure").map((v) => [v.name, v] as const))("%s: decodes to a header parseHeader refuses", (_name, v) => {
    expect(() => parseHeader(dearmor(v.file))).toThrow(AgeError)
  })

  it.each(decoding.filter((v) => v.expect !== "header failure").map((v) => [v.name, v] as const))("%s: decodes to a header that parses and re-encodes to its bytes", (_name, v) => {
    const file = dearmor(v.file)
    const header = parseHeader(file)
    expect(encodeHeader(header.stanzas, () => header.mac)).toEqual(file.subarray(0, header.headerLength))
  })
})

describeCctvPayloads(nobleAead, dearmor)
