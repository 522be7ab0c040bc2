import { ed25519, x25519 } from "@noble/curves/ed25519.js"
import { p256, p384, p521 } from "@noble/curves/nist.js"
import { describe, expect, it } from "vitest"
import { pkcs8Der, spkiDer } from "../keys/formats/pkcs8.js"
import { KEY_INFO } from "../keys/KeyType.js"
import * as crypto from "node:crypto"
import { make } from "./NodeKeyKernel.js"
import { nativeSodium } from "./nativeSodium.js"

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

describe("NodeKeyKernel.generateNow", () => {
  const curves = { "ecdsa-p256": p256, "ecdsa-p384": p384, "ecdsa-p521": p521 } as const
  for (const type of ["ecdsa-p256", "ecdsa-p384", "ecdsa-p521"] as const) {
    it(`${type}: a new key each call, its scalar of the curve's size and its point the scalar's (noble), which OpenSSL reads`, () => {
      const kernel = make()
      const { size } = KEY_INFO[type] as { size: number }
      const seen = new Set<string>()
      for (let i = 0; i < 50; i++) {
        const pair = kernel.generateNow!(type)!
        if (pair.family !== "ec") throw new Error("not an EC pair")
        expect(pair.d.length).toBe(size)
        expect(hex(pair.publicKey)).toBe(hex(curves[type].getPublicKey(pair.d, false)))
        seen.add(hex(pair.d))
      }
      expect(seen.size).toBe(50)
      const last = kernel.generateNow!(type)!
      expect(crypto.createPublicKey({ key: Buffer.from(spkiDer(last)), format: "der", type: "spki" }).asymmetricKeyDetails?.namedCurve)
        .toBe({ "ecdsa-p256": "prime256v1", "ecdsa-p384": "secp384r1", "ecdsa-p521": "secp521r1" }[type])
    })
  }
})

describe("NodeKeyKernel: Ed25519 and X25519 from libsodium", () => {
  it("loads sodium-native's prebuilt binary here, and names it", () => {
    expect(nativeSodium()).toBeDefined()
    expect(make().name).toMatch(/^sodium-native@5\.1\.0 \(libsodium\) for Ed25519 and X25519, node:crypto \(OpenSSL /)
    expect(make({ native: false }).name).toMatch(/^node:crypto \(OpenSSL [^)]*\)$/)
  })

  for (const native of [true, false]) {
    for (const type of ["ed25519", "x25519"] as const) {
      it(`${type} (${native ? "libsodium" : "node:crypto"}): a new key each call, its public key the seed's (noble), read by OpenSSL as the same key`, () => {
        const kernel = make({ native })
        const seen = new Set<string>()
        for (let i = 0; i < 50; i++) {
          const pair = kernel.generateNow!(type)!
          if (pair.family !== "okp") throw new Error("not an OKP pair")
          expect([pair.seed.length, pair.publicKey.length]).toEqual([32, 32])
          expect(hex(pair.publicKey)).toBe(hex((type === "ed25519" ? ed25519 : x25519).getPublicKey(pair.seed)))
          seen.add(hex(pair.seed))
        }
        expect(seen.size).toBe(50)
        const last = kernel.generateNow!(type)!
        const imported = crypto.createPrivateKey({ key: Buffer.from(pkcs8Der(last)), format: "der", type: "pkcs8" })
        expect(crypto.createPublicKey(imported).export({ type: "spki", format: "der" }).equals(Buffer.from(spkiDer(last)))).toBe(true)
      })
    }
  }
})

describe("NodeKeyKernel.sha256Into", () => {
  for (const native of [true, false]) {
    it(`writes node:crypto's SHA-256 into the caller's 32 bytes, for 0 to 200 bytes of input (${native ? "libsodium" : "node:crypto"})`, () => {
      const hash = make({ native }).sha256Into!
      const out = new Uint8Array(32)
      for (let n = 0; n <= 200; n++) {
        const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)
        hash(data, out)
        expect(hex(out)).toBe(crypto.createHash("sha256").update(data).digest("hex"))
      }
    })
  }
})
