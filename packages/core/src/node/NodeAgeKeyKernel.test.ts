import { generateKeyPairSync } from "node:crypto"
import { x25519 } from "@noble/curves/ed25519.js"
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

  it("gives X25519 public keys and shared secrets as RFC 7748's Diffie-Hellman vector and noble do", () => {
    const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"))
    const alice = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    const bob = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    expect(Buffer.from(kernel.x25519!(alice)!).toString("hex")).toBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    expect(Buffer.from(kernel.x25519!(alice, kernel.x25519!(bob))!).toString("hex")).toBe("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
    for (let i = 0; i < 20; i++) {
      const [a, b] = [x25519.utils.randomSecretKey(), x25519.utils.randomSecretKey()]
      expect(kernel.x25519!(a)).toEqual(x25519.getPublicKey(a))
      expect(kernel.x25519!(a, x25519.getPublicKey(b))).toEqual(x25519.getSharedSecret(a, x25519.getPublicKey(b)))
    }
  })

  it("answers undefined for a low-order point (an all-zero shared secret), as age refuses it", () => {
    const scalar = new Uint8Array(32).fill(0x5a)
    expect(kernel.x25519!(scalar, new Uint8Array(32))).toBeUndefined()
    expect(kernel.x25519!(scalar, Uint8Array.of(1, ...new Uint8Array(31)))).toBeUndefined()
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
