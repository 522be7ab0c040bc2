import { describe, expect, it } from "vitest"
import { DEFAULT_FORM, formProblem, hexBytes, paramsOf, withCalibrated } from "./deriveForm.js"

const salt16 = "00112233445566778899aabbccddeeff"

describe("paramsOf", () => {
  it("reads a hex salt and typed numbers into Argon2id parameters", () => {
    const params = paramsOf({ ...DEFAULT_FORM, password: "pw", salt: salt16 })
    expect(params).toMatchObject({ algorithm: "argon2id", memoryKiB: 19456, passes: 2, parallelism: 1, length: 32 })
    expect(typeof params !== "string" && params.salt).toEqual(hexBytes(salt16))
  })

  it("says when the salt is not hex", () => {
    expect(paramsOf({ ...DEFAULT_FORM, salt: "xyz" })).toMatch(/not hexadecimal/)
  })
})

describe("formProblem", () => {
  it("accepts the defaults with a 16-byte salt", () => {
    expect(formProblem({ ...DEFAULT_FORM, password: "pw", salt: salt16 })).toBeUndefined()
  })

  it("refuses absurd parameters with core's message, before any work", () => {
    expect(formProblem({ ...DEFAULT_FORM, salt: salt16, passes: "100000" })).toBe("Argon2id: passes must be a whole number from 1 to 256 (got 100000).")
    expect(formProblem({ ...DEFAULT_FORM, algorithm: "pbkdf2-sha256", salt: salt16, iterations: "1.5" })).toMatch(/^Pbkdf2-sha256: iterations must be a whole number/)
  })

  it("refuses more memory than a page may use", () => {
    expect(formProblem({ ...DEFAULT_FORM, salt: salt16, memoryKiB: String(2 * 1024 * 1024) })).toMatch(/^Argon2id: these parameters need 2048 MiB of memory, more than the ceiling of 1024 MiB/)
  })

  it("refuses a short salt unless allowed", () => {
    const form = { ...DEFAULT_FORM, algorithm: "pbkdf2-sha256" as const, salt: "salt", saltEncoding: "text" as const, iterations: "1" }
    expect(formProblem(form)).toMatch(/salt/)
    expect(formProblem({ ...form, allowShortSalt: true })).toBeUndefined()
  })
})

describe("withCalibrated", () => {
  it("takes a calibration's costs, not its stand-in password or salt", () => {
    const form = withCalibrated({ ...DEFAULT_FORM, password: "mine", salt: salt16 }, {
      algorithm: "scrypt",
      password: new Uint8Array(1),
      salt: new Uint8Array(1),
      logN: 15,
      r: 8,
      p: 1,
      length: 32
    })
    expect(form).toMatchObject({ algorithm: "scrypt", logN: "15", password: "mine", salt: salt16 })
  })
})
