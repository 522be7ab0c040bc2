import { x25519 } from "@noble/curves/ed25519.js"
import { describe, expect, it } from "vitest"
import { parseAgeX25519Secret } from "../../keys/formats/age.js"
import { encodeBase64 } from "../base64.js"
import { cctv, readHeader } from "../cctv.testkit.js"
import { unwrap, wrap, wrapWithEphemeral } from "./x25519.js"

const identityOf = (secret: Uint8Array) => ({ secret, publicKey: x25519.getPublicKey(secret) })
const alice = identityOf(new Uint8Array(32).fill(1))
const bob = identityOf(new Uint8Array(32).fill(2))
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
/** The same bytes with an unused low bit of the last character set: a second spelling. */
const nonCanonical = (text: string) => `${text.slice(0, -1)}${B64[B64.indexOf(text.at(-1)!) ^ 1]}`
const fileKey = Uint8Array.from({ length: 16 }, (_, i) => i)

describe("the X25519 stanza", () => {
  it("unwraps what it wraps, with a new ephemeral share each time", () => {
    const a = wrap(fileKey, alice.publicKey)
    const b = wrap(fileKey, alice.publicKey)
    expect(a.type).toBe("X25519")
    expect(a.args).toHaveLength(1)
    expect(a.body).toHaveLength(32)
    expect(a.args[0]).not.toBe(b.args[0])
    expect(unwrap(a, alice)).toEqual({ _tag: "FileKey", fileKey })
  })

  it("writes the share of the ephemeral secret it is given", () => {
    const ephemeral = new Uint8Array(32).fill(9)
    const stanza = wrapWithEphemeral(fileKey, alice.publicKey, ephemeral)
    expect(stanza.args[0]).toBe(encodeBase64(x25519.getPublicKey(ephemeral)))
    expect(wrapWithEphemeral(fileKey, alice.publicKey, ephemeral)).toEqual(stanza)
  })

  it("unwraps the spec's vector to its file key", () => {
    const vector = cctv("x25519")
    const identity = identityOf(parseAgeX25519Secret(vector.identities[0]!))
    const [stanza] = readHeader(vector)!.stanzas
    expect(unwrap(stanza!, identity)).toEqual({ _tag: "FileKey", fileKey: vector.fileKey! })
  })

  it("is no match for another identity or another type (case-sensitive)", () => {
    const stanza = wrap(fileKey, alice.publicKey)
    expect(unwrap(stanza, bob)).toEqual({ _tag: "NoMatch" })
    expect(unwrap({ ...stanza, type: "x25519" }, alice)).toEqual({ _tag: "NoMatch" })
  })

  it("rejects a wrong argument count, a non-canonical or wrong-length share and a body not of 32 bytes", () => {
    const stanza = wrap(fileKey, alice.publicKey)
    const share = stanza.args[0]!
    const tags = [
      unwrap({ ...stanza, args: [share, "x"] }, alice),
      unwrap({ ...stanza, args: [] }, alice),
      unwrap({ ...stanza, args: [nonCanonical(share)] }, alice),
      unwrap({ ...stanza, args: [encodeBase64(new Uint8Array(31).fill(5))] }, alice),
      unwrap({ ...stanza, args: [encodeBase64(new Uint8Array(33).fill(5))] }, alice),
      unwrap({ ...stanza, body: new Uint8Array([...stanza.body, 0]) }, alice),
      unwrap({ ...stanza, body: stanza.body.subarray(0, 31) }, alice)
    ].map((r) => r._tag)
    expect(tags).toEqual(Array(7).fill("Malformed"))
  })

  it("rejects a low-order share (an all-zero shared secret) instead of trying the next stanza", () => {
    const stanza = wrap(fileKey, alice.publicKey)
    for (const point of [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31))]) {
      const result = unwrap({ ...stanza, args: [encodeBase64(point)] }, alice)
      expect(result).toMatchObject({ _tag: "Malformed", detail: expect.stringContaining("all-zero") })
    }
  })
})
