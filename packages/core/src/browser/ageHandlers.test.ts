import { afterEach, describe, expect, it, vi } from "vitest"
import { browserAead } from "./ageHandlers.js"

describe("the browser's age cipher, chosen at run time", () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it("is the WebAssembly SIMD kernel where SIMD validates", async () => {
    expect((await browserAead()).name).toMatch(/SIMD/)
  })

  it("falls back to libsodium's WebAssembly where SIMD does not validate", async () => {
    vi.spyOn(WebAssembly, "validate").mockReturnValue(false)
    expect((await browserAead()).name).toMatch(/libsodium/)
  })
})
