import { describe, expect, it } from "vitest"
import type { KdfFunctions } from "./KdfKernel.js"
import type { DeriveParams } from "./params.js"
import { adopting, sameDerivation, startDerivation } from "./startedDerivation.js"

const scrypt = (password: string): DeriveParams => ({
  algorithm: "scrypt",
  password: new TextEncoder().encode(password),
  salt: new Uint8Array(16).fill(2),
  logN: 10,
  r: 8,
  p: 1,
  length: 32
})

/** Functions that count their calls and answer with the call's number in every byte. */
const counting = () => {
  let calls = 0
  const answer = () => Promise.resolve(new Uint8Array(32).fill(++calls))
  const functions: KdfFunctions = { pbkdf2: answer, hkdf: answer, scrypt: answer, argon2id: answer }
  return { functions, calls: () => calls }
}

describe("a derivation started before its pool", () => {
  it("calls the kernel at once, before anything else runs", () => {
    const kernel = counting()
    startDerivation(kernel.functions, scrypt("pw"))
    expect(kernel.calls()).toBe(1)
  })

  it("is taken over by the first request for the same derivation, once", async () => {
    const kernel = counting()
    const started = startDerivation(kernel.functions, scrypt("pw"))
    const functions = adopting(kernel.functions, started)
    expect((await functions.scrypt(scrypt("pw") as never))[0]).toBe(1)
    // A second request (a retry) derives anew.
    expect((await functions.scrypt(scrypt("pw") as never))[0]).toBe(2)
    expect(kernel.calls()).toBe(2)
  })

  it("is not taken by a request that differs in one byte of its password", async () => {
    const kernel = counting()
    const functions = adopting(kernel.functions, startDerivation(kernel.functions, scrypt("pw")))
    expect((await functions.scrypt(scrypt("pX") as never))[0]).toBe(2)
  })

  it("compares every parameter, bytes by their contents", () => {
    expect(sameDerivation(scrypt("pw"), scrypt("pw"))).toBe(true)
    expect(sameDerivation(scrypt("pw"), { ...scrypt("pw"), r: 16 } as DeriveParams)).toBe(false)
    expect(sameDerivation(scrypt("pw"), { ...scrypt("pw"), salt: new Uint8Array(15).fill(2) } as DeriveParams)).toBe(false)
    expect(sameDerivation(scrypt("pw"), { ...scrypt("pw"), allowShortSalt: true } as DeriveParams)).toBe(false)
  })

  it("that fails and is never taken over raises no unhandled rejection", async () => {
    const unhandled: Array<unknown> = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on("unhandledRejection", onUnhandled)
    try {
      const failing: KdfFunctions = { ...counting().functions, scrypt: () => Promise.reject(new Error("kernel failed")) }
      const throwing: KdfFunctions = { ...counting().functions, scrypt: () => { throw new Error("kernel threw") } }
      startDerivation(failing, scrypt("pw"))
      const started = startDerivation(throwing, scrypt("pw"))
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(unhandled).toEqual([])
      await expect(started.key).rejects.toThrow("kernel threw")
    } finally {
      process.off("unhandledRejection", onUnhandled)
    }
  })
})
