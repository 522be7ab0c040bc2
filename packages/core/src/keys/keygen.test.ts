import { Cause, Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerInline, WorkerPool } from "../engine/pool/WorkerPool.js"
import * as NodeKeyKernel from "../node/NodeKeyKernel.js"
import { parseAgeIdentity } from "./formats/age.js"
import { parseOpensshPrivateKey, sshFingerprint } from "./formats/openssh.js"
import { parsePkcs8Der } from "./formats/pkcs8.js"
import { KeygenHandlersLive } from "./handlers.js"
import { KeygenError } from "./KeyError.js"
import type { GenerateKeysRequest } from "./KeygenRpcs.js"
import { KeygenRpcs } from "./KeygenRpcs.js"
import { KeyKernel, layerPortable } from "./KeyKernel.js"
import { samePublic } from "./KeyPair.js"
import { generateKeys, keygenPolicy } from "./keygen.js"
import { estimateCpuMillis } from "./validateKeygen.js"

const text = (s: string) => new TextEncoder().encode(s)
const decode = (b: Uint8Array) => new TextDecoder().decode(b)

/** The keygen operation alone on the calling thread, over `kernel`. */
const inline = (kernel: Layer.Layer<KeyKernel>): Layer.Layer<WorkerPool> =>
  layerInline({ group: KeygenRpcs, handlers: KeygenHandlersLive }).pipe(Layer.provide(kernel))
const run = (request: GenerateKeysRequest, kernel: Layer.Layer<KeyKernel> = NodeKeyKernel.layer) =>
  Effect.runPromiseExit(generateKeys(request).pipe(Effect.provide(inline(kernel))))
const failure = (exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = Cause.squash(exit.cause)
  expect(error).toBeInstanceOf(KeygenError)
  return error as KeygenError
}

describe("GenerateKeys", () => {
  it("makes a batch of distinct keys, each in every form asked, in that order", async () => {
    const exit = await run({ type: "ed25519", count: 5, formats: ["openssh-private", "openssh-public", "ssh-fingerprint", "pkcs8-der"], comment: "batch" })
    if (!Exit.isSuccess(exit)) throw Cause.squash(exit.cause)
    const keys = exit.value
    expect(keys).toHaveLength(5)
    const fingerprints = new Set<string>()
    for (const key of keys) {
      expect(key.outputs.map((o) => o.format)).toEqual(["openssh-private", "openssh-public", "ssh-fingerprint", "pkcs8-der"])
      const { pair, comment } = parseOpensshPrivateKey(decode(key.outputs[0]!.bytes))
      expect(comment).toBe("batch")
      expect(decode(key.outputs[1]!.bytes)).toMatch(/^ssh-ed25519 \S+ batch\n$/)
      expect(decode(key.outputs[2]!.bytes)).toBe(sshFingerprint(pair))
      expect(samePublic(parsePkcs8Der(key.outputs[3]!.bytes), pair)).toBe(true)
      fingerprints.add(sshFingerprint(pair))
    }
    expect(fingerprints.size).toBe(5)
  })

  it("runs on noble where no platform kernel is given, and refuses RSA there by name", async () => {
    const exit = await run({ type: "x25519", count: 2, formats: ["age-identity"] }, layerPortable)
    if (!Exit.isSuccess(exit)) throw Cause.squash(exit.cause)
    expect(exit.value.map((k) => parseAgeIdentity(decode(k.outputs[0]!.bytes)).type)).toEqual(["x25519", "x25519"])
    const rsa = failure(await run({ type: "rsa-2048", count: 1, formats: ["pkcs8-pem"] }, layerPortable))
    expect(rsa.reason._tag).toBe("KeyTypeUnavailable")
  })

  it("encrypts with the passphrase, wipes the copy it was sent and leaves the caller's bytes alone", async () => {
    const passphrase = text("a passphrase that never shows")
    const exit = await run({ type: "ecdsa-p256", count: 1, formats: ["openssh-private-encrypted"], passphrase })
    if (!Exit.isSuccess(exit)) throw Cause.squash(exit.cause)
    expect(decode(passphrase)).toBe("a passphrase that never shows")
    const file = decode(exit.value[0]!.outputs[0]!.bytes)
    expect(parseOpensshPrivateKey(file, passphrase).pair.type).toBe("ecdsa-p256")
    expect(() => parseOpensshPrivateKey(file, text("wrong"))).toThrow(/wrong passphrase/)
  })

  it.each([
    [{ type: "ml-kem-768", count: 1, formats: ["openssh-public"] }, "FormatNotForType", "ml-kem-768 keys have no openssh-public form"],
    [{ type: "ed25519", count: 1, formats: ["age-recipient"] }, "FormatNotForType", "ed25519 keys have no age-recipient form"],
    [{ type: "ed25519", count: 0, formats: ["jwk"] }, "CountOutOfRange", "from 1 to 4096 (got 0)"],
    [{ type: "ed25519", count: 1.5, formats: ["jwk"] }, "CountOutOfRange", "got 1.5"],
    [{ type: "rsa-1024", count: 1, formats: ["jwk"] }, "UnknownKeyType", "'rsa-1024'"],
    [{ type: "ed25519", count: 1, formats: ["ppk"] }, "UnknownKeyFormat", "'ppk'"],
    [{ type: "ed25519", count: 1, formats: ["pkcs8-encrypted-pem"] }, "BadPassphrase", "needs a passphrase"],
    [{ type: "ed25519", count: 1, formats: ["pkcs8-pem"], passphrase: text("hunter2") }, "BadPassphrase", "no encrypted format"],
    [{ type: "ed25519", count: 1, formats: ["pkcs8-encrypted-pem"], passphrase: new Uint8Array(0) }, "BadPassphrase", "empty"]
  ] as const)("refuses %o before any work: %s", async (request, tag, message) => {
    let calls = 0
    const counting = Layer.succeed(KeyKernel)({
      name: "counting",
      supports: () => true,
      generate: () => Effect.suspend(() => (calls++, Effect.die("must not be called")))
    })
    const error = failure(await run(request as unknown as GenerateKeysRequest, counting))
    expect(error.reason._tag).toBe(tag)
    expect(error.message).toContain(message)
    expect(error.message).not.toContain("hunter2")
    expect(calls).toBe(0)
  })

  it("an encoder's failure names the type and the form, never what it threw", async () => {
    const broken = Layer.succeed(KeyKernel)({
      name: "broken",
      supports: () => true,
      // No public key: writing the OpenSSH line throws, with whatever text the encoder has.
      generate: (type) => Effect.succeed({ family: "ec", type, d: text("SECRET-SCALAR") } as never)
    })
    const error = failure(await run({ type: "ecdsa-p256", count: 1, formats: ["openssh-public"] }, broken))
    expect(error.reason._tag).toBe("EncodingFailed")
    expect(error.message).toBe("ecdsa-p256: writing the openssh-public form failed")
    expect(JSON.stringify(error)).not.toContain("SECRET")
  })

  it("the policy: a CPU deadline from type, count and KDFs; not idempotent; may fall back", () => {
    const plain = keygenPolicy({ type: "rsa-4096", count: 4, formats: ["pkcs8-pem"] })
    expect(plain).toMatchObject({ idempotent: false, fallback: true, deadline: { _tag: "Cpu" } })
    expect(estimateCpuMillis({ type: "rsa-4096", count: 4, formats: ["pkcs8-pem"] })).toBeGreaterThan(
      estimateCpuMillis({ type: "rsa-4096", count: 1, formats: ["pkcs8-pem"] })
    )
    expect(estimateCpuMillis({ type: "ed25519", count: 1, formats: ["openssh-private-encrypted"], passphrase: text("p") })).toBeGreaterThan(
      estimateCpuMillis({ type: "ed25519", count: 1, formats: ["openssh-private"] })
    )
  })
})
