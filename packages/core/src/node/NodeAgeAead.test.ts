import { describe, expect, it } from "vitest"
import { describeWycheproofAead } from "../age/aead.testkit.js"
import { dearmor } from "../age/armor.js"
import { nobleAead } from "../age/nobleAead.js"
import { describeCctvPayloads } from "../age/payload.testkit.js"
import { chunkNonce, TAG_SIZE } from "../age/stream.js"
import { nativeSodium } from "./nativeSodium.js"
import { nodeAead, nodeCryptoAead, sodiumAead } from "./NodeAgeAead.js"

const sodium = nativeSodium()

describe("nodeAead", () => {
  it("takes sodium-native where it loads, node:crypto without it", () => {
    expect(sodium).toBeDefined()
    expect(nodeAead().name).toContain("sodium-native")
    expect(nodeAead({ native: false })).toBe(nodeCryptoAead)
  })

  it("the three kernels seal a 64 KiB chunk to the same bytes and open each other's", () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i)
    const plaintext = Uint8Array.from({ length: 65536 }, (_, i) => (i * 31) & 0xff)
    const kernels = [sodiumAead(sodium!), nodeCryptoAead, nobleAead]
    const sealed = kernels.map((aead) => {
      const out = new Uint8Array(plaintext.length + TAG_SIZE)
      aead.seal(key, chunkNonce(3, true), plaintext, out)
      return out
    })
    expect(sealed[1]).toEqual(sealed[0])
    expect(sealed[2]).toEqual(sealed[0])
    for (const aead of kernels) {
      const out = new Uint8Array(plaintext.length)
      expect(aead.open(key, chunkNonce(3, true), sealed[0]!, out)).toBe(true)
      expect(out).toEqual(plaintext)
      expect(aead.open(key, chunkNonce(3, false), sealed[0]!, out)).toBe(false)
    }
  })

  it("node:crypto leaves no unauthenticated plaintext in the output when a tag fails", () => {
    const key = new Uint8Array(32).fill(9)
    const sealed = new Uint8Array(1000 + TAG_SIZE)
    nodeCryptoAead.seal(key, chunkNonce(0, false), new Uint8Array(1000).fill(0x41), sealed)
    sealed[sealed.length - 1]! ^= 1
    const out = new Uint8Array(1000)
    expect(nodeCryptoAead.open(key, chunkNonce(0, false), sealed, out)).toBe(false)
    expect(out.every((b) => b === 0)).toBe(true)
  })
})

describeWycheproofAead(sodiumAead(sodium!))
describeWycheproofAead(nodeCryptoAead)

describeCctvPayloads(sodiumAead(sodium!), dearmor)
describeCctvPayloads(nodeCryptoAead, dearmor)
