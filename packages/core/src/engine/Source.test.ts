import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { decodeUtf8Exact, PathSource, pathSourceFromBytes, Source, sourceName, sourceNameBytes, StdinSource } from "./Source.js"

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))

describe("names as bytes", () => {
  it("keeps a UTF-8 name as text only", () => {
    const source = pathSourceFromBytes(new TextEncoder().encode("café/été"))
    expect(source).toEqual(new PathSource({ path: "café/été" }))
    expect(source.bytes).toBeUndefined()
    expect(sourceNameBytes(source)).toEqual(new TextEncoder().encode("café/été"))
  })

  it("keeps the exact bytes of a name that is not UTF-8, and shows it with U+FFFD", () => {
    const source = pathSourceFromBytes(latin1("bad\xffname"))
    expect(sourceName(source)).toBe("bad\ufffdname")
    expect(sourceNameBytes(source)).toEqual(latin1("bad\xffname"))
  })

  it("does not confuse two names that display the same", () => {
    const a = pathSourceFromBytes(latin1("caf\xe9"))
    const b = pathSourceFromBytes(latin1("caf\xe8"))
    expect(sourceName(a)).toBe(sourceName(b))
    expect(sourceNameBytes(a)).not.toEqual(sourceNameBytes(b))
  })

  it("survives the worker protocol's JSON encoding", () => {
    const codec = Schema.toCodecJson(Source)
    const source = pathSourceFromBytes(latin1("bad\xffname"))
    const json = JSON.parse(JSON.stringify(Schema.encodeSync(codec)(source)))
    const back = Schema.decodeUnknownSync(codec)(json)
    expect(sourceNameBytes(back)).toEqual(latin1("bad\xffname"))
    expect(Schema.decodeUnknownSync(codec)(Schema.encodeSync(codec)(new StdinSource()))).toEqual(new StdinSource())
  })

  it("tells UTF-8 from what is not", () => {
    expect(decodeUtf8Exact(latin1("\xc3\xa9"))).toBe("é")
    expect(decodeUtf8Exact(latin1("\xe9"))).toBeUndefined()
    expect(decodeUtf8Exact(latin1("\xed\xa0\x80"))).toBeUndefined()
  })
})
