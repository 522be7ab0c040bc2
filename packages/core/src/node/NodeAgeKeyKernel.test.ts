import { generateKeyPairSync } from "node:crypto"
import { scrypt } from "@noble/hashes/scrypt.js"
import { describe, expect, it } from "vitest"
import type { RsaKeyPair } from "../age/AgeKeyKernel.js"
import { parsePkcs8Der } from "../keys/formats/pkcs8.js"
import { nodeAgeKeyKernel as kernel } from "./NodeAgeKeyKernel.js"

const encoder = new TextEncoder()

describe("node's age key kernel", () => {
  it("derives scrypt with r = 8, p = 1 as noble's reference does", async () => {
    const passphrase = encoder.encode("correct horse")
    const salt = encoder.encode("age-encryption.org/v1/scrypt0123456789abcdef")
    const expected = scrypt(passphrase, salt, { N: 2 ** 10, r: 8, p: 1, dkLen: 32 })
    expect(await kernel.scrypt(passphrase, salt, 10)).toEqual(expected)
  })

  it("runs age's encryption work factor (2^18, 256 MiB) without hitting node's memory default", async () => {
    expect(await kernel.scrypt(encoder.encode("p"), new Uint8Array(16), 18)).toHaveLength(32)
  })

  it("decrypts its RSA-OAEP only under the same label, and says so with undefined", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
    const pair = parsePkcs8Der(privateKey.export({ format: "der", type: "pkcs8" })) as RsaKeyPair
    const label = encoder.encode("age-encryption.org/v1/ssh-rsa")
    const message = Uint8Array.from({ length: 16 }, (_, i) => i)
    const ciphertext = await kernel.rsaOaepEncrypt(pair, label, message)
    expect(ciphertext).toHaveLength(256)
    expect(await kernel.rsaOaepDecrypt(pair, label, ciphertext)).toEqual(message)
    expect(await kernel.rsaOaepDecrypt(pair, encoder.encode("another label"), ciphertext)).toBeUndefined()
    ciphertext[100]! ^= 1
    expect(await kernel.rsaOaepDecrypt(pair, label, ciphertext)).toBeUndefined()
  })
})
