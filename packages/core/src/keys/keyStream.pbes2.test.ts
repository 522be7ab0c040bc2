/**
 * A run of encrypted keys derives encrypted PKCS#8's key once, on the pool: every file
 * of the run has the run's salt and its own IV, and each decrypts with the passphrase on
 * its own. Encrypted OpenSSH keys still derive their own (one salt each). The KDF is
 * counted at the kernel the `Derive` task runs on, not timed.
 */
import { Cause, Effect, Exit, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { DeriveHandlersLive } from "../derive/handlers.js"
import { DeriveRpcs } from "../derive/DeriveRpcs.js"
import { KdfKernel } from "../derive/KdfKernel.js"
import { JobProgress } from "../engine/job/JobProgress.js"
import { layerInline, type WorkerPool } from "../engine/pool/WorkerPool.js"
import * as NodeKdfKernel from "../node/NodeKdfKernel.js"
import * as NodeKeyKernel from "../node/NodeKeyKernel.js"
import { encryptionParametersOf, parseEncryptedPkcs8Der, parseEncryptedPkcs8Pem } from "./formats/encryptedPkcs8.js"
import { parseOpensshPrivateKey } from "./formats/openssh.js"
import { unarmor } from "./formats/pem.js"
import { parseSpkiDer } from "./formats/pkcs8.js"
import { KeygenHandlersLive } from "./handlers.js"
import type { KeygenError } from "./KeyError.js"
import { type GenerateKeysRequest, KeygenRpcs } from "./KeygenRpcs.js"
import { samePublic } from "./KeyPair.js"
import { type GeneratedKey, generateKeyStream, keyBatchSizes, type KeyStreamRequest } from "./keyStream.js"
import type { Pbes2Key } from "./Pbes2Key.js"
import { estimateCpuMillis, validateKeygen } from "./validateKeygen.js"

const text = (s: string) => new TextEncoder().encode(s)
const decode = (b: Uint8Array) => new TextDecoder().decode(b)
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")
const PASS = "correct horse battery staple"

/** Derive and keygen on this thread over node:crypto, the KDF kernel counting its derivations and keeping what it gave. */
const counting = () => {
  const kdf = { runs: 0, keys: [] as Array<Uint8Array> }
  const kernel = Layer.effect(KdfKernel)(Effect.gen(function*() {
    const k = yield* KdfKernel
    return KdfKernel.of({
      ...k,
      derive: (params) => k.derive(params).pipe(Effect.tap((key) => Effect.sync(() => {
        kdf.runs++
        kdf.keys.push(key)
      })))
    })
  })).pipe(Layer.provide(NodeKdfKernel.layer))
  const pool: Layer.Layer<WorkerPool> = layerInline({
    group: DeriveRpcs.merge(KeygenRpcs),
    handlers: Layer.mergeAll(DeriveHandlersLive, KeygenHandlersLive)
  }).pipe(Layer.provide([kernel, NodeKeyKernel.layer]))
  return { kdf, pool }
}

const run = async (request: KeyStreamRequest) => {
  const { kdf, pool } = counting()
  const events = await Effect.runPromise(Stream.runCollect(generateKeyStream(request)).pipe(Effect.provide(pool)))
  return { kdf, keys: (events as ReadonlyArray<GeneratedKey | JobProgress>).filter((e): e is GeneratedKey => !(e instanceof JobProgress)) }
}

const output = (key: GeneratedKey, format: string) => key.outputs.find((o) => o.format === format)!.bytes

describe("a run of encrypted PKCS#8 keys", () => {
  it.each([["scrypt"], ["pbkdf2-sha256"]] as const)("%s: derives its key once for 40 keys in 5 batches; one salt, 40 IVs", async (pbe) => {
    const passphrase = text(PASS)
    const { kdf, keys } = await run({ type: "ed25519", count: 40, batchSize: 8, formats: ["pkcs8-encrypted-der", "spki-der"], passphrase, pbe })
    expect(keys).toHaveLength(40)
    expect(kdf.runs).toBe(1)
    const params = keys.map((k) => encryptionParametersOf(output(k, "pkcs8-encrypted-der")))
    expect(params.every((p) => p.kdf === pbe)).toBe(true)
    expect(new Set(params.map((p) => hex(p.salt))).size).toBe(1)
    expect(params[0]!.salt).toHaveLength(16)
    expect(new Set(params.map((p) => hex(p.iv))).size).toBe(40)
    // Each file on its own, from the passphrase: the first key and the last batch's last.
    for (const key of [keys[0]!, keys[39]!]) {
      const pair = await parseEncryptedPkcs8Der(output(key, "pkcs8-encrypted-der"), text(PASS))
      expect(samePublic(pair, parseSpkiDer(output(key, "spki-der")))).toBe(true)
    }
    // The caller's passphrase is untouched; the run's key is wiped once the stream is done.
    expect(decode(passphrase)).toBe(PASS)
    expect(kdf.keys[0]!.every((b) => b === 0)).toBe(true)
  }, 60_000)

  it("with encrypted OpenSSH too: PKCS#8 shares one derivation, each OpenSSH key has its own salt", async () => {
    const passphrase = Buffer.from(PASS)
    const { kdf, keys } = await run({
      type: "ed25519",
      count: 3,
      batchSize: 2,
      formats: ["pkcs8-encrypted-pem", "openssh-private-encrypted"],
      // A Node Buffer, as `readFileSync` gives: its `slice` is a view, and no copy of it may be wiped through it.
      passphrase
    })
    expect(passphrase.toString()).toBe(PASS)
    expect(kdf.runs).toBe(1)
    const pems = keys.map((k) => decode(output(k, "pkcs8-encrypted-pem")))
    expect(new Set(pems.map((p) => hex(encryptionParametersOf(unarmor(p, "ENCRYPTED PRIVATE KEY", "t")).salt))).size).toBe(1)
    const sshSalts = keys.map((k) => {
      // PROTOCOL.key: magic, cipher, kdf, kdfoptions = string(string(salt) ‖ uint32 rounds).
      const file = unarmor(decode(output(k, "openssh-private-encrypted")), "OPENSSH PRIVATE KEY", "t")
      const at = "openssh-key-v1\0".length + 4 + "aes256-ctr".length + 4 + "bcrypt".length + 4 + 4
      return hex(file.subarray(at, at + 16))
    })
    expect(new Set(sshSalts).size).toBe(3)
    for (const key of keys) {
      const ssh = parseOpensshPrivateKey(decode(output(key, "openssh-private-encrypted")), text(PASS)).pair
      expect(samePublic(await parseEncryptedPkcs8Pem(decode(output(key, "pkcs8-encrypted-pem")), text(PASS)), ssh)).toBe(true)
    }
  }, 60_000)

  it("with no encrypted PKCS#8 form, derives nothing on the pool", async () => {
    const { kdf, keys } = await run({ type: "ed25519", count: 2, formats: ["openssh-private-encrypted"], passphrase: text(PASS) })
    expect(keys).toHaveLength(2)
    expect(kdf.runs).toBe(0)
  }, 60_000)
})

describe("a batch's derived key is checked before any key is made", () => {
  const key = (overrides: Partial<Pbes2Key> = {}): Pbes2Key =>
    ({ kdf: "scrypt", salt: new Uint8Array(16), key: new Uint8Array(32).fill(7), N: 2 ** 14, r: 8, p: 1, ...overrides }) as Pbes2Key
  const reason = (request: GenerateKeysRequest) => {
    const exit = Effect.runSyncExit(validateKeygen(request))
    return Exit.isFailure(exit) ? (Cause.squash(exit.cause) as KeygenError).message : "ok"
  }
  const base = { type: "ed25519", count: 1 } as const

  it("encrypted PKCS#8 needs no passphrase with the run's key; encrypted OpenSSH still does", () => {
    expect(reason({ ...base, formats: ["pkcs8-encrypted-pem"], pbes2Key: key() })).toBe("ok")
    expect(reason({ ...base, formats: ["pkcs8-encrypted-pem", "openssh-private-encrypted"], pbes2Key: key() })).toBe("openssh-private-encrypted needs a passphrase")
    expect(reason({ ...base, formats: ["pkcs8-encrypted-pem", "openssh-private-encrypted"], pbes2Key: key(), passphrase: text("p") })).toBe("ok")
  })

  it("refuses a key with no encrypted PKCS#8 form, for another KDF, of other parameters or sizes, naming no byte", () => {
    expect(reason({ ...base, formats: ["pkcs8-pem"], pbes2Key: key() })).toBe("encrypted PKCS#8's derived key: sent, but no encrypted PKCS#8 form was asked for")
    expect(reason({ ...base, formats: ["pkcs8-encrypted-der"], pbe: "pbkdf2-sha256", pbes2Key: key() })).toBe("encrypted PKCS#8's derived key: derived with scrypt, not pbkdf2-sha256")
    expect(reason({ ...base, formats: ["pkcs8-encrypted-der"], pbes2Key: key({ N: 2 ** 10 } as Partial<Pbes2Key>) })).toBe("encrypted PKCS#8's derived key: parameters other than Sluice's")
    expect(reason({ ...base, formats: ["pkcs8-encrypted-der"], pbes2Key: key({ salt: new Uint8Array(8) }) })).toBe("encrypted PKCS#8's derived key: a salt of 8 bytes, not 16")
    expect(reason({ ...base, formats: ["pkcs8-encrypted-der"], pbes2Key: key({ key: new Uint8Array(16).fill(7) }) })).toBe("encrypted PKCS#8's derived key: a key of 16 bytes, not 32")
  })

  it("a batch under the run's key is estimated without a KDF per key", () => {
    const request: GenerateKeysRequest = { ...base, count: 100, formats: ["pkcs8-encrypted-pem"], passphrase: text("p") }
    expect(estimateCpuMillis(request)).toBeGreaterThan(100 * 250)
    expect(estimateCpuMillis({ ...base, count: 100, formats: ["pkcs8-encrypted-pem"], pbes2Key: key() })).toBeLessThan(1000)
    expect(Math.max(...keyBatchSizes({ type: "ed25519", formats: ["pkcs8-encrypted-pem"], count: 1e6 }))).toBe(4096)
  })
})
