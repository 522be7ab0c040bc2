import * as crypto from "node:crypto"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { pkcs8Der, spkiDer } from "../keys/formats/pkcs8.js"
import { KEY_TYPES } from "../keys/KeyType.js"
import * as WebCryptoKeyKernel from "./WebCryptoKeyKernel.js"

/** Node's global `crypto.subtle` is WebCrypto: the browser kernel runs here as it does in a page. */
describe("WebCryptoKeyKernel", () => {
  const kernel = WebCryptoKeyKernel.makeBest()
  it.each(KEY_TYPES.filter((t) => t !== "rsa-4096" && t !== "rsa-3072").map((t) => [t]))("%s: a key node:crypto reads as the same", async (type) => {
    const pair = await Effect.runPromise(kernel.generate(type))
    expect(pair.type).toBe(type)
    const imported = crypto.createPrivateKey({ key: Buffer.from(pkcs8Der(pair)), format: "der", type: "pkcs8" })
    expect(crypto.createPublicKey(imported).export({ type: "spki", format: "der" })).toEqual(Buffer.from(spkiDer(pair)))
  })

  it("answers ML-* from noble and the rest from WebCrypto", () => {
    const web = WebCryptoKeyKernel.make()
    expect(web.supports("ml-dsa-65")).toBe(false)
    expect(web.supports("rsa-2048")).toBe(true)
    expect(kernel.supports("ml-dsa-65")).toBe(true)
  })
})
