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
    // The core package's types have no DOM lib: WebAssembly through globalThis.
    const wasm = (globalThis as unknown as { readonly WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly
    vi.spyOn(wasm, "validate").mockReturnValue(false)
    expect((await browserAead()).name).toMatch(/libsodium/)
  })
})
