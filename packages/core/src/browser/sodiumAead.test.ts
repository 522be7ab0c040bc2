import * as wrappers from "libsodium-wrappers"
import { describe, expect, it } from "vitest"
import { dearmor } from "../age/armor.js"
import { describeWycheproofAead, expectSealsLikeNoble } from "../age/aead.testkit.js"
import { nobleAead } from "../age/nobleAead.js"
import { describeCctvPayloads } from "../age/payload.testkit.js"
import { CHUNK_SIZE, TAG_SIZE } from "../age/stream.js"
import { loadSodiumAead, wasmSodiumAead } from "./sodiumAead.js"

await wrappers.default.ready
// The Emscripten module the wrappers export beside their functions (not in their types).
const libsodium = (wrappers as unknown as { readonly libsodium: Parameters<typeof wasmSodiumAead>[0] }).libsodium
const aead = wasmSodiumAead(libsodium)

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

  it("seals and opens sizes around a chunk the same as noble, and grows its buffers for a larger one", () => {
    expectSealsLikeNoble(aead, [0, 1, 65535, 65536, 65537, 300_000])
  })

  it("leaves no key or plaintext in libsodium's memory after a call", () => {
    const key = new Uint8Array(32).fill(0xa7)
    const marker = new Uint8Array(4096).fill(0x5c)
    const sealed = new Uint8Array(marker.length + TAG_SIZE)
    aead.seal(key, new Uint8Array(12), marker, sealed)
    aead.open(key, new Uint8Array(12), sealed, new Uint8Array(marker.length))
    const heap = (libsodium as unknown as { HEAPU8: Uint8Array }).HEAPU8
    const has = (needle: Uint8Array) => {
      outer: for (let i = 0; i + needle.length <= heap.length; i++) {
        if (heap[i] !== needle[0]) continue
        for (let j = 1; j < needle.length; j++) if (heap[i + j] !== needle[j]) continue outer
        return true
      }
      return false
    }
    expect(has(key)).toBe(false)
    expect(has(marker.subarray(0, 64))).toBe(false)
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
