import { Effect } from "effect"
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { HashKernel } from "../hash/kernels/HashKernel.js"
import { layer, webDigestWhole } from "./WebCryptoHashKernel.js"

const bytes = Uint8Array.from({ length: 4096 + 3 }, (_, i) => (i * 29) & 255)
const hex = (digest: Uint8Array) => Buffer.from(digest).toString("hex")

describe("WebCryptoHashKernel", () => {
  it("digests a whole buffer with WebCrypto as node:crypto does, for SHA-1 and SHA-2", async () => {
    const digestWhole = webDigestWhole(globalThis.crypto.subtle)!
    for (const [algorithm, node] of [["sha1", "sha1"], ["sha256", "sha256"], ["sha384", "sha384"], ["sha512", "sha512"]] as const) {
      expect(hex(await Effect.runPromise(digestWhole(algorithm, bytes)!))).toBe(createHash(node).update(bytes).digest("hex"))
    }
  })

  it("has no one-shot for the algorithms WebCrypto lacks, nor without WebCrypto", () => {
    const digestWhole = webDigestWhole(globalThis.crypto.subtle)!
    expect(digestWhole("md5", bytes)).toBeUndefined()
    expect(digestWhole("blake3", bytes)).toBeUndefined()
    expect(webDigestWhole(undefined)).toBeUndefined()
  })

  it("keeps the portable kernels for streams", async () => {
    const digest = await Effect.runPromise(Effect.gen(function*() {
      const kernel = yield* HashKernel
      expect(kernel.digestWhole).toBeDefined()
      const hasher = yield* kernel.make("sha256")
      hasher.update(bytes)
      return hasher.digest()
    }).pipe(Effect.provide(layer)))
    expect(hex(digest)).toBe(createHash("sha256").update(bytes).digest("hex"))
  })
})
