import sodium from "libsodium-wrappers"
import { describe, expect, it } from "vitest"
import { dearmor } from "../age/armor.js"
import { describeWycheproofAead } from "../age/aead.testkit.js"
import { nobleAead } from "../age/nobleAead.js"
import { describeCctvPayloads } from "../age/payload.testkit.js"
import { CHUNK_SIZE, TAG_SIZE } from "../age/stream.js"
import { loadSodiumAead, wasmSodiumAead } from "./sodiumAead.js"

await sodium.ready
const aead = wasmSodiumAead(sodium)

describeWycheproofAead(aead)
describeCctvPayloads(aead, dearmor)

describe("libsodium's kernel", () => {
  it("loads lazily where WebAssembly starts", async () => {
    expect((await loadSodiumAead())?.name).toBe(aead.name)
  })

  it("seals a full chunk to noble's bytes and opens them back", () => {
    const key = crypto.getRandomValues(new Uint8Array(32))
    const nonce = crypto.getRandomValues(new Uint8Array(12))
    const plain = crypto.getRandomValues(new Uint8Array(CHUNK_SIZE))
    const [ours, noble] = [new Uint8Array(CHUNK_SIZE + TAG_SIZE), new Uint8Array(CHUNK_SIZE + TAG_SIZE)]
    aead.seal(key, nonce, plain, ours)
    nobleAead.seal(key, nonce, plain, noble)
    expect(ours).toEqual(noble)
    const opened = new Uint8Array(CHUNK_SIZE)
    expect(aead.open(key, nonce, ours, opened)).toBe(true)
    expect(opened).toEqual(plain)
  })

  it("answers false for a flipped tag and writes nothing", () => {
    const key = new Uint8Array(32).fill(7)
    const nonce = new Uint8Array(12)
    const sealed = new Uint8Array(10 + TAG_SIZE)
    aead.seal(key, nonce, new Uint8Array(10).fill(1), sealed)
    sealed[sealed.length - 1]! ^= 1
    const out = new Uint8Array(10)
    expect(aead.open(key, nonce, sealed, out)).toBe(false)
    expect(out).toEqual(new Uint8Array(10))
  })
})
