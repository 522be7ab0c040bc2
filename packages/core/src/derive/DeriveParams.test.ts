import { describe, expect, it } from "vitest"
import { copyParams, type DeriveParams } from "./DeriveParams.js"

describe("copyParams", () => {
  it("copies a Buffer's bytes: wiping the copy leaves the caller's password and salt", () => {
    // readFileSync gives a Buffer, whose slice() is a view: the copy must not be one.
    const password = Buffer.from("correct horse battery staple")
    const salt = Buffer.from("0123456789abcdef")
    const params: DeriveParams = { algorithm: "pbkdf2-sha256", password, salt, iterations: 1, length: 32 }
    const copied = copyParams(params) as typeof params
    copied.password.fill(0)
    copied.salt.fill(0)
    expect(password.toString()).toBe("correct horse battery staple")
    expect(salt.toString()).toBe("0123456789abcdef")
  })
})
