import { describe, expect, it } from "vitest"
import { describeWycheproofAead, expectSealsLikeNoble } from "../aead.testkit.js"
import { dearmor } from "../armor.js"
import { describeCctvPayloads } from "../payload.testkit.js"
import { CHUNK_SIZE, TAG_SIZE } from "../stream.js"
import { simdAead } from "./chacha20poly1305Simd.js"

const aead = simdAead()!
const hex = (text: string) => Uint8Array.from(text.replace(/\s/g, "").match(/../g)!, (b) => parseInt(b, 16))

describeWycheproofAead(aead)
describeCctvPayloads(aead, dearmor)

describe("the SIMD ChaCha20-Poly1305 kernel", () => {
  it("loads where WebAssembly SIMD runs (Node 24)", () => {
    expect(aead).toBeDefined()
  })

  it("seals RFC 8439 §2.8.2's example to its ciphertext and tag", () => {
    const key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
    const nonce = hex("070000004041424344454647")
    const aad = hex("50515253c0c1c2c3c4c5c6c7")
    const plain = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.")
    const out = new Uint8Array(plain.length + TAG_SIZE)
    aead.seal(key, nonce, plain, out, aad)
    expect(Buffer.from(out.subarray(0, 16)).toString("hex")).toBe("d31a8d34648e60db7b86afbc53ef7ec2")
    expect(Buffer.from(out.subarray(plain.length)).toString("hex")).toBe("1ae10b594f09e26a7e902ecbd0600691")
    const opened = new Uint8Array(plain.length)
    expect(aead.open(key, nonce, out, opened, aad)).toBe(true)
    expect(opened).toEqual(plain)
  })

  it("seals every size around its 256-byte groups and a chunk the same as noble, and opens them back", () => {
    expectSealsLikeNoble(aead, [0, 1, 15, 16, 17, 63, 64, 255, 256, 257, 1023, 65535, CHUNK_SIZE, 65537, 300_000])
  })

  it("answers false for a flipped byte of the tag or the ciphertext and writes nothing", () => {
    const key = new Uint8Array(32).fill(7)
    const nonce = new Uint8Array(12)
    for (const at of [0, 299, 300 + TAG_SIZE - 1]) {
      const sealed = new Uint8Array(300 + TAG_SIZE)
      aead.seal(key, nonce, new Uint8Array(300).fill(1), sealed)
      sealed[at]! ^= 1
      const out = new Uint8Array(300)
      expect(aead.open(key, nonce, sealed, out)).toBe(false)
      expect(out).toEqual(new Uint8Array(300))
    }
  })
})
