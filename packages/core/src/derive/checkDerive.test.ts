import { Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { checkDerive } from "./checkDerive.js"
import { deriveErrorOf } from "./DeriveError.js"
import type { DeriveParams } from "./params.js"
import { validateDerive } from "./validateDerive.js"

const bytes = (n: number) => new Uint8Array(n).fill(1)
const BAD: ReadonlyArray<DeriveParams> = [
  { algorithm: "pbkdf2-sha256", password: bytes(8), salt: bytes(16), iterations: 0, length: 32 },
  { algorithm: "scrypt", password: bytes(8), salt: bytes(4), logN: 10, r: 8, p: 1, length: 32 },
  { algorithm: "argon2id", password: bytes(8), salt: bytes(16), memoryKiB: 1024, passes: 0, parallelism: 1, length: 32 },
  { algorithm: "argon2id", password: bytes(1024 * 1024 + 1), salt: bytes(16), memoryKiB: 1024, passes: 1, parallelism: 1, length: 32 },
  { algorithm: "argon2id", password: bytes(8), salt: bytes(16), memoryKiB: 2 ** 22, passes: 1, parallelism: 1, length: 32 }
]

describe("checkDerive", () => {
  it("finds what validateDerive refuses, as plain data that makes the same typed error", () => {
    for (const params of BAD) {
      const problem = checkDerive(params, { maxMemoryBytes: 1024 ** 3 })
      expect(problem, params.algorithm).toBeDefined()
      const exit = Effect.runSyncExit(validateDerive(params, { maxMemoryBytes: 1024 ** 3 }))
      const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
      expect(failure?._tag === "Fail" ? failure.error : undefined).toEqual(deriveErrorOf(problem!))
    }
  })

  it("accepts sensible parameters", () => {
    expect(checkDerive({ algorithm: "argon2id", password: bytes(8), salt: bytes(16), memoryKiB: 65536, passes: 3, parallelism: 4, length: 32 })).toBeUndefined()
  })

  it("never holds an input's bytes, only names and numbers", () => {
    for (const params of BAD) {
      const problem = checkDerive(params, { maxMemoryBytes: 1024 ** 3 })!
      expect(Object.values(problem).every((v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean")).toBe(true)
    }
  })

  it("imports no Effect, so a program checks a request before it loads it", () => {
    const imports = [...readFileSync(new URL("./checkDerive.ts", import.meta.url), "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1])
    expect(imports).toEqual(["./params.js"])
    expect(readFileSync(new URL("./params.ts", import.meta.url), "utf8")).not.toMatch(/from "effect/)
  })
})
