/**
 * scrypt and Argon2id: refusals before any work (with the caller's memory ceiling), the
 * CPU estimate that sets their deadline, every kernel agreeing with node:crypto on random
 * parameters, and PHC strings as the reference tools write them (the Argon2 reference CLI,
 * Debian's `argon2`, run here; passlib's documented scrypt hash).
 */
import { Duration, Effect, type Layer, Schema } from "effect"
import { execFileSync } from "node:child_process"
import { argon2Sync, randomBytes, randomInt, scryptSync } from "node:crypto"
import { describe, expect, it } from "vitest"
import * as WebCryptoKdfKernel from "../browser/WebCryptoKdfKernel.js"
import { toHex } from "../engine/format.js"
import * as NodeKdfKernel from "../node/NodeKdfKernel.js"
import { DeriveError } from "./DeriveError.js"
import { DeriveErrorSchema } from "./DeriveErrorSchema.js"
import type { Argon2idParams, DeriveParams, ScryptParams } from "./DeriveParams.js"
import { KdfKernel, layerPortable } from "./KdfKernel.js"
import { base64Unpadded, phcString, phcSupported } from "./phc.js"
import { DERIVE_LIMITS, estimateCpu, validateDerive } from "./validateDerive.js"

const text = (s: string) => new TextEncoder().encode(s)
const MiB = 1024 * 1024
const salt = text("NaCl-and-pepper!")
const scrypt = (over: Partial<ScryptParams> = {}): DeriveParams => ({ algorithm: "scrypt", password: text("hunter2"), salt, logN: 17, r: 8, p: 1, length: 32, ...over })
const argon2id = (over: Partial<Argon2idParams> = {}): DeriveParams => ({
  algorithm: "argon2id", password: text("hunter2"), salt, memoryKiB: 65536, passes: 3, parallelism: 4, length: 32, ...over
})
const refusal = (params: DeriveParams, maxMemoryBytes?: number) => Effect.runPromise(Effect.flip(validateDerive(params, { maxMemoryBytes })))

describe("validateDerive: scrypt and Argon2id", () => {
  it("accepts explicit, sensible parameters", async () => {
    await Effect.runPromise(validateDerive(scrypt()))
    await Effect.runPromise(validateDerive(argon2id()))
    await Effect.runPromise(validateDerive(argon2id({ salt: text("somesalt"), allowShortSalt: true, memoryKiB: 16, passes: 1, parallelism: 2 })))
    await Effect.runPromise(validateDerive(scrypt({ logN: 15, r: 1, salt: new Uint8Array(0), allowShortSalt: true })))
    await Effect.runPromise(validateDerive(argon2id({ memoryKiB: 4 * 1024 * 1024 })))
  })

  it.each([
    ["zero passes", argon2id({ passes: 0 }), "argon2id: passes must be a whole number from 1 to 256 (got 0)"],
    ["memory under 8 KiB a lane", argon2id({ memoryKiB: 31 }), "argon2id: memoryKiB must be a whole number from 32 to 4294967295 (got 31)"],
    ["memory past 4 GiB", argon2id({ memoryKiB: 4 * 1024 * 1024 + 1 }), "argon2id: these parameters need 4096.0 MiB of memory, more than the ceiling of 4096 MiB"],
    ["memory past Argon2's 32 bits", argon2id({ memoryKiB: 2 ** 32 }), "argon2id: memoryKiB must be a whole number from 32 to 4294967295 (got 4294967296)"],
    ["zero lanes", argon2id({ parallelism: 0 }), "argon2id: parallelism must be a whole number from 1 to 255 (got 0)"],
    ["a 3-byte tag", argon2id({ length: 3 }), "argon2id: length must be a whole number from 4 to 1024 (got 3)"],
    ["a salt under 8 bytes, even when allowed", argon2id({ salt: text("short"), allowShortSalt: true }), "argon2id: the salt has 5 bytes, fewer than 8, the algorithm's minimum"],
    ["a salt under 16 bytes", argon2id({ salt: text("somesalt") }), "argon2id: the salt has 8 bytes, fewer than 16 (allow it explicitly to reproduce a key made with a short salt)"],
    ["N = 1 (log 0)", scrypt({ logN: 0 }), "scrypt: logN must be a whole number from 1 to 30 (got 0)"],
    ["N >= 2^(16 r) (RFC 7914 §2)", scrypt({ r: 1, logN: 16 }), "scrypt: logN must be a whole number from 1 to 15 (got 16)"],
    ["r = 0", scrypt({ r: 0 }), "scrypt: r must be a whole number from 1 to 32 (got 0)"],
    ["p = 17", scrypt({ p: 17 }), "scrypt: p must be a whole number from 1 to 16 (got 17)"],
    ["a fractional log N", scrypt({ logN: 14.5 }), "scrypt: logN must be a whole number from 1 to 30 (got 14.5)"],
    ["scrypt over 4 GiB", scrypt({ logN: 22, r: 32 }), "scrypt: these parameters need 16384.0 MiB of memory, more than the ceiling of 4096 MiB"],
    ["a secret over 1 MiB", argon2id({ secret: new Uint8Array(MiB + 1) }), "argon2id: the secret has 1048577 bytes, more than 1048576"],
    ["a short scrypt salt", scrypt({ salt: text("NaCl") }), "scrypt: the salt has 4 bytes, fewer than 16 (allow it explicitly to reproduce a key made with a short salt)"]
  ])("refuses %s", async (_name, params, message) => {
    const error = await refusal(params)
    expect(error).toBeInstanceOf(DeriveError)
    expect(error.message).toBe(message)
  })

  it("holds memory to the caller's ceiling, and never above 4 GiB", async () => {
    expect((await refusal(argon2id({ memoryKiB: 1024 * 1024 }), 512 * MiB)).message).toBe(
      "argon2id: these parameters need 1024 MiB of memory, more than the ceiling of 512 MiB"
    )
    expect((await refusal(scrypt({ logN: 20 }), 512 * MiB)).message).toBe(
      "scrypt: these parameters need 1024.0 MiB of memory, more than the ceiling of 512 MiB"
    )
    await Effect.runPromise(validateDerive(scrypt({ logN: 20 }), { maxMemoryBytes: 2048 * MiB }))
    // A ceiling above the fixed one is the fixed one.
    expect((await refusal(scrypt({ logN: 23, r: 8 }), 64 * 1024 * MiB)).message).toContain("more than the ceiling of 4096 MiB")
    expect(DERIVE_LIMITS.maxMemoryBytes).toBe(4 * 1024 * MiB)
  })

  it("never puts a password, secret or salt in an error, even encoded to cross threads", async () => {
    const secret = text("pepper-pepper")
    const errors = await Promise.all([refusal(argon2id({ passes: 0, secret })), refusal(scrypt({ logN: 40 })), refusal(argon2id({ memoryKiB: 1e9 }), MiB)])
    for (const error of errors) {
      const shown = `${error.message} ${JSON.stringify(Schema.encodeSync(DeriveErrorSchema)(error))}`
      for (const bytes of [text("hunter2"), secret, salt]) {
        expect(shown).not.toContain(new TextDecoder().decode(bytes))
        expect(shown).not.toContain(toHex(bytes))
      }
    }
  })
})

describe("estimateCpu: scrypt and Argon2id", () => {
  const ms = (p: DeriveParams) => Duration.toMillis(estimateCpu(p))
  it("grows with the memory walked, at the slowest healthy rate", () => {
    // 64 MiB x 3 passes at 25 MiB/s; 2 x 128 MiB at 50 MiB/s.
    expect(ms(argon2id())).toBe(7680)
    expect(ms(argon2id({ passes: 6 }))).toBe(15_360)
    expect(ms(scrypt())).toBe(5120)
    expect(ms(scrypt({ p: 2 }))).toBe(10_240)
  })
})

// Node 24 has WebCrypto and WebAssembly, so every kernel runs here.
const kernels: Record<string, Layer.Layer<KdfKernel>> = {
  portable: layerPortable,
  "node:crypto": NodeKdfKernel.layer,
  browser: WebCryptoKdfKernel.layer
}
const deriveWith = (layer: Layer.Layer<KdfKernel>, params: DeriveParams) =>
  Effect.runPromise(Effect.flatMap(KdfKernel, (kernel) => kernel.derive(params)).pipe(Effect.provide(layer)))

/** node:crypto's own answer, called directly: the reference the kernels are held to. */
const nodeCrypto = (params: DeriveParams): string => {
  if (params.algorithm === "scrypt") {
    return scryptSync(params.password, params.salt, params.length, { N: 2 ** params.logN, r: params.r, p: params.p, maxmem: 2 ** 30 }).toString("hex")
  }
  if (params.algorithm === "argon2id") {
    return argon2Sync("argon2id", {
      message: params.password, nonce: params.salt, memory: params.memoryKiB, passes: params.passes, parallelism: params.parallelism, tagLength: params.length,
      ...(params.secret ? { secret: params.secret } : {}), ...(params.associatedData ? { associatedData: params.associatedData } : {})
    }).toString("hex")
  }
  throw new Error("not memory-hard")
}

describe("every kernel agrees with node:crypto on random parameters", () => {
  const cases: Array<DeriveParams> = Array.from({ length: 6 }, (_, i): DeriveParams => {
    const base = { password: randomBytes(randomInt(0, 40)), salt: randomBytes(randomInt(16, 40)), length: randomInt(4, 100) }
    if (i % 2 === 0) return { algorithm: "scrypt", ...base, logN: randomInt(1, 12), r: randomInt(1, 9), p: randomInt(1, 4) }
    const parallelism = randomInt(1, 5)
    return {
      algorithm: "argon2id", ...base, parallelism, memoryKiB: randomInt(8 * parallelism, 2048), passes: randomInt(1, 4),
      ...(i === 3 ? { secret: randomBytes(16) } : {}),
      ...(i === 5 ? { secret: randomBytes(8), associatedData: randomBytes(randomInt(1, 30)) } : {})
    }
  })
  // An empty password, which hash-wasm's Argon2id refuses and Argon2 allows (it once failed 1 run in 6).
  cases.push({ algorithm: "argon2id", password: new Uint8Array(0), salt: randomBytes(16), length: 61, parallelism: 2, memoryKiB: 406, passes: 1 })
  cases.push({ algorithm: "scrypt", password: new Uint8Array(0), salt: randomBytes(16), length: 16, logN: 4, r: 1, p: 1 })
  it.each(cases.map((c) => [JSON.stringify({ ...c, password: "password" in c ? `${c.password.length} bytes` : undefined, salt: undefined, secret: undefined, associatedData: undefined }), c] as const))("%s", async (_n, params) => {
    const expected = nodeCrypto(params)
    for (const [name, layer] of Object.entries(kernels)) {
      expect(toHex(await deriveWith(layer, params)), name).toBe(expected)
    }
  })
})

describe("PHC strings", () => {
  it("base64 as the PHC format wants it: standard alphabet, no padding", () => {
    for (let n = 0; n < 40; n++) {
      const bytes = randomBytes(n)
      expect(base64Unpadded(bytes)).toBe(bytes.toString("base64").replace(/=+$/, ""))
    }
  })

  it("Argon2id: the same string as the reference argon2 CLI (Debian's `argon2`, scripts/peers.sh installs it)", async () => {
    // echo -n password | argon2 somesalt -id -t 3 -m 16 -p 4 -l 32 -e
    const reference = execFileSync("argon2", ["somesalt", "-id", "-t", "3", "-m", "16", "-p", "4", "-l", "32", "-e"], { input: "password" }).toString().trim()
    expect(reference).toBe("$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$Zh/vvW8pvLyPRkarwyqdekZFu1wFlTf4pVh/Ma2+zM0")
    const params = argon2id({ password: text("password"), salt: text("somesalt"), allowShortSalt: true }) as Argon2idParams
    for (const layer of Object.values(kernels)) {
      expect(phcString(params, await deriveWith(layer, params))).toBe(reference)
    }
    // Other parameters and a salt that needs base64's '+' and '/' too.
    const other = argon2id({ password: text("pass"), salt: text("s>>>???pepper"), allowShortSalt: true, memoryKiB: 256, passes: 2, parallelism: 1, length: 17 }) as Argon2idParams
    const theirs = execFileSync("argon2", ["s>>>???pepper", "-id", "-t", "2", "-k", "256", "-p", "1", "-l", "17", "-e"], { input: "pass" }).toString().trim()
    expect(theirs).toContain("$cz4+Pj8/P3BlcHBlcg$")
    expect(phcString(other, await deriveWith(NodeKdfKernel.layer, other))).toBe(theirs)
  })

  it("scrypt: passlib's documented hash of 'password'", async () => {
    const phc = "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"
    const params = scrypt({ password: text("password"), salt: Uint8Array.from(Buffer.from("aM15713r3Xsvxbi31lqr1Q", "base64")), logN: 16 }) as ScryptParams
    expect(phcString(params, await deriveWith(NodeKdfKernel.layer, params))).toBe(phc)
  })

  it("is offered for scrypt and Argon2id without associated data only", () => {
    expect(phcSupported(scrypt())).toBe(true)
    expect(phcSupported(argon2id({ secret: text("k") }))).toBe(true)
    expect(phcSupported(argon2id({ associatedData: text("x") }))).toBe(false)
    expect(phcSupported({ algorithm: "pbkdf2-sha256", password: text("x"), salt, iterations: 1, length: 32 })).toBe(false)
  })
})
