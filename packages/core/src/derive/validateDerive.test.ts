import { Duration, Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { toHex } from "../hash/kernels/IncrementalHasher.js"
import { DeriveError } from "./DeriveError.js"
import { DeriveErrorSchema } from "./DeriveErrorSchema.js"
import type { DeriveParams } from "./DeriveParams.js"
import { DERIVE_LIMITS, estimateCpu, validateDerive } from "./validateDerive.js"

const text = (s: string) => new TextEncoder().encode(s)
const password = text("correct horse battery staple")
const salt = text("NaCl-and-pepper!0123")

const pbkdf2 = (over: Partial<Extract<DeriveParams, { iterations: unknown }>> = {}): DeriveParams => ({
  algorithm: "pbkdf2-sha256", password, salt, iterations: 600_000, length: 32, ...over
})
const hkdf = (over: Partial<Extract<DeriveParams, { ikm: unknown }>> = {}): DeriveParams => ({
  algorithm: "hkdf-sha512", ikm: password, salt, info: text("context"), length: 64, ...over
})

const refusal = (params: DeriveParams) => Effect.runPromise(Effect.flip(validateDerive(params)))

describe("validateDerive", () => {
  it("accepts explicit, sensible parameters", async () => {
    await Effect.runPromise(validateDerive(pbkdf2()))
    await Effect.runPromise(validateDerive(hkdf()))
    await Effect.runPromise(validateDerive(hkdf({ algorithm: "hkdf-sha256", salt: new Uint8Array(0), length: 255 * 32 })))
    await Effect.runPromise(validateDerive(pbkdf2({ salt: text("salt"), allowShortSalt: true, iterations: 1 })))
  })

  it.each([
    ["zero iterations", pbkdf2({ iterations: 0 }), "pbkdf2-sha256: iterations must be a whole number from 1 to 100000000 (got 0)"],
    ["absurd iterations", pbkdf2({ iterations: 1e12 }), "pbkdf2-sha256: iterations must be a whole number from 1 to 100000000 (got 1000000000000)"],
    ["fractional iterations", pbkdf2({ iterations: 1.5 }), "pbkdf2-sha256: iterations must be a whole number from 1 to 100000000 (got 1.5)"],
    ["NaN iterations", pbkdf2({ iterations: Number.NaN }), "pbkdf2-sha256: iterations must be a whole number from 1 to 100000000 (got not a number)"],
    ["a short salt", pbkdf2({ salt: text("salt") }), "pbkdf2-sha256: the salt has 4 bytes, fewer than 16 (allow it explicitly to reproduce a key made with a short salt)"],
    ["a zero length", pbkdf2({ length: 0 }), "pbkdf2-sha256: length must be a whole number from 1 to 1024 (got 0)"],
    ["a huge PBKDF2 length", pbkdf2({ algorithm: "pbkdf2-sha512", length: 1025 }), "pbkdf2-sha512: length must be a whole number from 1 to 1024 (got 1025)"],
    ["HKDF-SHA512 past 255 x 64", hkdf({ length: 16321 }), "hkdf-sha512: length must be a whole number from 1 to 16320 (got 16321)"],
    ["HKDF-SHA256 past 255 x 32", hkdf({ algorithm: "hkdf-sha256", length: 8161 }), "hkdf-sha256: length must be a whole number from 1 to 8160 (got 8161)"],
    ["a password over 1 MiB", pbkdf2({ password: new Uint8Array(DERIVE_LIMITS.maxInputBytes + 1) }), "pbkdf2-sha256: the password has 1048577 bytes, more than 1048576"],
    ["info over 1 MiB", hkdf({ info: new Uint8Array(DERIVE_LIMITS.maxInputBytes + 1) }), "hkdf-sha512: the info has 1048577 bytes, more than 1048576"],
    ["an unknown algorithm", { ...pbkdf2(), algorithm: "pbkdf2-md5" } as unknown as DeriveParams, "unsupported key derivation 'pbkdf2-md5'"]
  ])("refuses %s with a message that names it", async (_name, params, message) => {
    const error = await refusal(params)
    expect(error).toBeInstanceOf(DeriveError)
    expect(error.message).toBe(message)
  })

  it("never puts a password, salt or info in an error, even as it crosses threads", async () => {
    const secrets = [password, salt, text("context")]
    const refusals = await Promise.all([
      refusal(pbkdf2({ iterations: 0 })),
      refusal(pbkdf2({ salt: text("pepper") })),
      refusal(hkdf({ length: 1e6 })),
      refusal(pbkdf2({ password: new Uint8Array(DERIVE_LIMITS.maxInputBytes + 1).fill(0x41) }))
    ])
    for (const error of refusals) {
      const encoded = JSON.stringify(Schema.encodeSync(DeriveErrorSchema)(error))
      const shown = `${error.message} ${encoded} ${String(error)}`
      for (const secret of [...secrets, text("pepper"), text("AAAAAAAA")]) {
        expect(shown).not.toContain(new TextDecoder().decode(secret))
        expect(shown).not.toContain(toHex(secret))
      }
      expect(Schema.decodeUnknownSync(DeriveErrorSchema)(JSON.parse(encoded)).message).toBe(error.message)
    }
  })
})

describe("estimateCpu", () => {
  it("grows with the iterations and the blocks of output, and is tiny for HKDF", () => {
    const ms = (p: DeriveParams) => Duration.toMillis(estimateCpu(p))
    expect(ms(pbkdf2({ iterations: 600_000 }))).toBe(12_000)
    expect(ms(pbkdf2({ iterations: 600_000, length: 64 }))).toBe(24_000)
    expect(ms(pbkdf2({ algorithm: "pbkdf2-sha512", iterations: 600_000, length: 64 }))).toBe(24_000)
    expect(ms(hkdf())).toBeLessThan(100)
  })
})
