import { generateKeyPairSync } from "node:crypto"
import { describe, expect, it } from "vitest"
import type { RsaKeyPair } from "../age/AgeKeyKernel.js"
import { parsePkcs8Der } from "../keys/formats/pkcs8.js"
import { nodeAgeKeyKernel } from "../node/NodeAgeKeyKernel.js"
import { webCryptoAgeKeyKernel as kernel } from "./WebCryptoAgeKeyKernel.js"

const encoder = new TextEncoder()
const label = encoder.encode("age-encryption.org/v1/ssh-rsa")
const message = Uint8Array.from({ length: 32 }, (_, i) => i)
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
const pair = parsePkcs8Der(privateKey.export({ format: "der", type: "pkcs8" })) as RsaKeyPair

describe("WebCrypto's age key kernel", () => {
  it("encrypts RSA-OAEP that node:crypto decrypts under the same label", async () => {
    const ciphertext = await kernel.rsaOaepEncrypt(pair, label, message)
    expect(ciphertext).toHaveLength(256)
    expect(await nodeAgeKeyKernel.rsaOaepDecrypt(pair, label, ciphertext)).toEqual(message)
  })

  it("decrypts node:crypto's RSA-OAEP, and answers undefined for another label or a flipped byte", async () => {
    const ciphertext = await nodeAgeKeyKernel.rsaOaepEncrypt(pair, label, message)
    expect(await kernel.rsaOaepDecrypt(pair, label, ciphertext)).toEqual(message)
    expect(await kernel.rsaOaepDecrypt(pair, encoder.encode("another label"), ciphertext)).toBeUndefined()
    ciphertext[100]! ^= 1
    expect(await kernel.rsaOaepDecrypt(pair, label, ciphertext)).toBeUndefined()
  })

  it("leaves scrypt to the pool", async () => {
    await expect(kernel.scrypt(new Uint8Array(1), new Uint8Array(16), 10)).rejects.toThrow(/pool/)
  })
})
