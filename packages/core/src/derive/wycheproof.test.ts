/**
 * Wycheproof's HKDF and PBKDF2 sets (C2SP/wycheproof, in @sluice/vectors) through every
 * kernel: valid cases give Wycheproof's key; invalid ones (sizes beyond the KDF's limit)
 * are refused, never answered with some other key.
 */
import { Effect, Exit } from "effect"
import { wycheproof } from "@sluice/vectors"
import { describe, expect, it } from "vitest"
import * as WebCryptoKdfKernel from "../browser/WebCryptoKdfKernel.js"
import { toHex } from "../engine/format.js"
import * as NodeKdfKernel from "../node/NodeKdfKernel.js"
import { HKDF_ALGORITHMS, PBKDF2_ALGORITHMS } from "./DeriveParams.js"
import { KdfKernel, layerPortable } from "./KdfKernel.js"
import { validateDerive } from "./validateDerive.js"
import { kdfCases, WYCHEPROOF_KDF_FILES } from "./wycheproof.testkit.js"

const kernels = { noble: layerPortable, "node:crypto": NodeKdfKernel.layer, WebCrypto: WebCryptoKdfKernel.layer }

describe.each([...HKDF_ALGORITHMS, ...PBKDF2_ALGORITHMS].map((a) => [a]))("Wycheproof %s", (algorithm) => {
  const cases = kdfCases(algorithm, wycheproof(WYCHEPROOF_KDF_FILES[algorithm]))
  it("has cases", () => expect(cases.length).toBeGreaterThan(50))
  describe.each(Object.entries(kernels))("kernel %s", (_k, layer) => {
    it.each(cases.map((c) => [c.name, c] as const))("%s", async (_n, c) => {
      const exit = await Effect.runPromise(Effect.exit(validateDerive(c.params).pipe(
        Effect.andThen(Effect.flatMap(KdfKernel, (kernel) => kernel.derive(c.params))),
        Effect.provide(layer)
      )))
      if (c.result === "valid") {
        expect(Exit.isSuccess(exit) ? toHex(exit.value) : exit).toBe(c.hex)
      } else {
        expect(Exit.isFailure(exit)).toBe(true)
      }
    })
  })
})
