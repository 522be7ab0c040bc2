/**
 * Key generation on real worker threads of `@sluice/core/node`: a batch comes back from a
 * worker in every form asked, an RSA-4096 batch silent for far longer than the stall limit
 * is not taken for a hung worker, a worker's refusal crosses as a typed KeygenError, and a
 * worker writes a batch's key files itself where asked.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Stream, SubscriptionRef } from "effect"
import { Worker } from "node:worker_threads"
import { describe, expect, it } from "vitest"
import { OutputFailed } from "../engine/errors.js"
import { WorkerPool } from "../engine/pool/WorkerPool.js"
import { encryptionParametersOf, parseEncryptedPkcs8Der } from "../keys/formats/encryptedPkcs8.js"
import { parseOpensshPrivateKey, sshFingerprint } from "../keys/formats/openssh.js"
import { parseSpkiDer } from "../keys/formats/pkcs8.js"
import { samePublic } from "../keys/KeyPair.js"
import { type GeneratedKey, generateKeyStream } from "../keys/keyStream.js"
import { KeygenError } from "../keys/KeyError.js"
import { ageRecipientsOf } from "../keys/ageKeyFiles.js"
import { generateAgeHybridKeyFile, generateKeyBatch, generateKeys, keygenPolicy } from "../keys/keygen.js"
import { type GenerateKeysRequest, KeygenRpcs } from "../keys/KeygenRpcs.js"
import * as SluiceNode from "./node.js"

// Real worker threads run the built worker entry: `test` runs after `build`.
const workerUrl = new URL("../../dist/platform/node-worker.js", import.meta.url)
const decode = (b: Uint8Array) => new TextDecoder().decode(b)

const Impatient = SluiceNode.layer({
  workers: 1,
  workerUrl,
  supervision: { stallTimeout: "50 millis", deadline: () => "50 millis", retryCrashedInline: false }
})

describe("keygen on worker threads", () => {
  it("makes age-keygen -pq's key file on a worker, not on this thread: its key's recipient is the file's public key line", async () => {
    const { health, made } = await Effect.runPromise(Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(pool.kind).toBe("workers")
      const made = yield* generateAgeHybridKeyFile()
      return { made, health: yield* SubscriptionRef.get(pool.health) }
    }).pipe(Effect.provide(SluiceNode.layer({ workers: 1, workerUrl }))))
    expect(health).toMatchObject({ restarts: 0, fallbackTasks: 0 })
    const lines = decode(made.file).split("\n")
    expect(lines[0]).toMatch(/^# created: /)
    expect(lines[1]).toBe(`# public key: ${made.recipient}`)
    expect(lines[2]).toMatch(/^AGE-SECRET-KEY-PQ-1/)
    const recipients = ageRecipientsOf(decode(made.file))
    expect(recipients).toEqual({ _tag: "Recipients", recipients: [made.recipient] })
  })

  it("gives a batch of keys from a worker that ssh-keygen reads, with the fingerprints it prints", async () => {
    const { health, keys } = await Effect.runPromise(Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(pool.kind).toBe("workers")
      const keys = yield* generateKeys({ type: "ed25519", count: 3, formats: ["openssh-private", "ssh-fingerprint"], comment: "from a worker" })
      return { keys, health: yield* SubscriptionRef.get(pool.health) }
    }).pipe(Effect.provide(SluiceNode.layer({ workers: 2, workerUrl }))))
    // On a worker, not on this thread after a worker failed.
    expect(health).toMatchObject({ restarts: 0, fallbackTasks: 0 })
    expect(keys).toHaveLength(3)
    const dir = mkdtempSync(join(tmpdir(), "sluice-keygen-"))
    try {
      for (const [i, key] of keys.entries()) {
        const path = join(dir, `id${i}`)
        writeFileSync(path, key.outputs[0]!.bytes, { mode: 0o600 })
        expect(execFileSync("ssh-keygen", ["-lf", path], { encoding: "utf8" }).split(" ")[1]).toBe(decode(key.outputs[1]!.bytes))
        expect(sshFingerprint(parseOpensshPrivateKey(decode(key.outputs[0]!.bytes)).pair)).toBe(decode(key.outputs[1]!.bytes))
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("a run's derived PBES2 key crosses to two worker threads: every key has the run's salt and opens with the passphrase", async () => {
    const passphrase = new TextEncoder().encode("hunter2 hunter2")
    const { health, keys } = await Effect.runPromise(Effect.gen(function*() {
      const pool = yield* WorkerPool
      const events = yield* Stream.runCollect(generateKeyStream({ type: "ed25519", count: 12, batchSize: 3, formats: ["pkcs8-encrypted-der", "spki-der"], passphrase }))
      return { keys: events.filter((e): e is GeneratedKey => e._tag === "GeneratedKey"), health: yield* SubscriptionRef.get(pool.health) }
    }).pipe(Effect.provide(SluiceNode.layer({ workers: 2, workerUrl }))))
    expect(health).toMatchObject({ restarts: 0, fallbackTasks: 0 })
    expect(keys).toHaveLength(12)
    const salts = new Set(keys.map((k) => Buffer.from(encryptionParametersOf(k.outputs[0]!.bytes).salt).toString("hex")))
    expect(salts.size).toBe(1)
    for (const key of [keys[0]!, keys[11]!]) {
      expect(samePublic(await parseEncryptedPkcs8Der(key.outputs[0]!.bytes, passphrase), parseSpkiDer(key.outputs[1]!.bytes))).toBe(true)
    }
  }, 60_000)

  it("makes two RSA-4096 keys, silent far past the 50 ms limits, without being killed as hung", async () => {
    const request: GenerateKeysRequest = { type: "rsa-4096", count: 2, formats: ["spki-der"] }
    const { health, keys } = await Effect.runPromise(Effect.gen(function*() {
      const pool = yield* WorkerPool
      const keys = yield* generateKeys(request)
      return { keys, health: yield* SubscriptionRef.get(pool.health) }
    }).pipe(Effect.provide(Impatient)))
    expect(keys).toHaveLength(2)
    expect(health).toMatchObject({ timeouts: 0, restarts: 0, retries: 0, fallbackTasks: 0 })
    expect(keygenPolicy(request)).toMatchObject({ deadline: { _tag: "Cpu" }, idempotent: false })
  }, 120_000)

  it("a worker's refusal crosses the thread as a typed KeygenError, and names no passphrase", async () => {
    const exit = await Effect.runPromiseExit(Effect.gen(function*() {
      const pool = yield* WorkerPool
      // Past the caller's own check: the worker checks again.
      return yield* pool.client(KeygenRpcs).run(keygenPolicy({ type: "ed25519", count: 1, formats: [] }), (client) =>
        client.GenerateKeys({ type: "ed25519", count: 1, formats: ["pkcs8-pem"], passphrase: new TextEncoder().encode("hunter2") }))
    }).pipe(Effect.provide(SluiceNode.layer({ workers: 1, workerUrl }))))
    if (Exit.isSuccess(exit)) throw new Error("expected a refusal")
    const error = Cause.squash(exit.cause)
    expect(error).toBeInstanceOf(KeygenError)
    expect((error as KeygenError).reason._tag).toBe("BadPassphrase")
    expect(JSON.stringify(error) + String(error)).not.toContain("hunter2")
  })

  it("a worker writes a batch's files itself into its staging directory: private ones 0600, only the manifest lines sent back", async () => {
    const root = mkdtempSync(join(tmpdir(), "sluice-keyfiles-"))
    const dir = join(root, ".0001.abc.sluice-tmp")
    try {
      // A file left by an earlier attempt of the same batch is replaced.
      mkdirSync(dir)
      writeFileSync(join(dir, "key-001001.pem"), "torn")
      const batch = await Effect.runPromise(generateKeyBatch({
        type: "ed25519",
        count: 3,
        formats: ["pkcs8-pem", "spki-pem", "jwk-public", "jwk-thumbprint"],
        files: { first: 1000, fields: 2, width: 6, suffixes: [".pem", ".pub.pem"], shardWidth: 4, dir }
      }).pipe(Effect.provide(SluiceNode.layer({ workers: 1, workerUrl }))))
      expect(batch.files!.data).toHaveLength(0)
      expect(batch.files!.sizes).toHaveLength(0)
      expect(readdirSync(dir).sort()).toEqual(["key-001001.pem", "key-001001.pub.pem", "key-001002.pem", "key-001002.pub.pem", "key-001003.pem", "key-001003.pub.pem"])
      const lines = decode(batch.files!.manifest).trimEnd().split("\n").map((l) => JSON.parse(l) as { index: number; files: Record<string, string> })
      expect(lines.map((l) => l.files)).toEqual([1001, 1002, 1003].map((n) => ({ "pkcs8-pem": `0001/key-00${n}.pem`, "spki-pem": `0001/key-00${n}.pub.pem` })))
      for (const n of [1001, 1002, 1003]) {
        const pem = join(dir, `key-00${n}.pem`)
        expect(statSync(pem).mode & 0o777).toBe(0o600)
        expect(statSync(join(dir, `key-00${n}.pub.pem`)).mode & 0o777).toBe(0o644)
        expect(readFileSync(pem, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/)
        // The file's private key is the one whose public key is beside it.
        expect(execFileSync("openssl", ["pkey", "-in", pem, "-pubout"], { encoding: "utf8" })).toBe(readFileSync(join(dir, `key-00${n}.pub.pem`), "utf8"))
      }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it("a batch whose staging directory is gone fails with OutputFailed naming its first file, and makes no directory", async () => {
    const root = mkdtempSync(join(tmpdir(), "sluice-keyfiles-"))
    try {
      const dir = join(root, ".0000.abc.sluice-tmp")
      const exit = await Effect.runPromiseExit(generateKeyBatch({
        type: "ed25519",
        count: 2,
        formats: ["pkcs8-pem"],
        files: { first: 0, fields: 1, width: 6, suffixes: [".pem"], dir }
      }).pipe(Effect.provide(SluiceNode.layer({ workers: 1, workerUrl }))))
      if (Exit.isSuccess(exit)) throw new Error("expected a failure")
      const error = Cause.squash(exit.cause)
      expect(error).toBeInstanceOf(OutputFailed)
      expect(error).toMatchObject({ path: join(dir, "key-000001.pem"), code: "ENOENT" })
      expect(readdirSync(root)).toEqual([])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

describe("a worker given two tasks at once (tasksPerWorker: 2)", () => {
  it("answers two batches sent together, each whole and in its own order, with no worker lost", async () => {
    const request = { type: "ed25519" as const, count: 2000, formats: ["spki-pem", "ssh-fingerprint"] as const, lines: { first: 0, fields: 1 } }
    const { batches, health } = await Effect.runPromise(Effect.gen(function*() {
      const pool = yield* WorkerPool
      const batches = yield* Effect.all([generateKeyBatch(request), generateKeyBatch({ ...request, lines: { first: 2000, fields: 1 } })], { concurrency: 2 })
      return { batches, health: yield* SubscriptionRef.get(pool.health) }
    }).pipe(Effect.provide(SluiceNode.layer({ workers: 1, workerUrl, supervision: { tasksPerWorker: 2 } }))))
    expect(health).toMatchObject({ restarts: 0, fallbackTasks: 0 })
    const lines = batches.flatMap((b) => decode(b.lines!).trimEnd().split("\n").map((line) => JSON.parse(line) as { index: number; "spki-pem": string }))
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 4000 }, (_, i) => i + 1))
    expect(new Set(lines.map((l) => l["spki-pem"])).size).toBe(4000)
  })
})

/** Preloaded into a worker: says on its standard error when keygen's handlers (their chunk) resolve. */
const REPORT_KEYGEN_LOAD = "data:text/javascript," + encodeURIComponent(`
import { registerHooks } from "node:module"
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); if (/keygenHandlers-[^/]*\\.js$/.test(r.url)) process.stderr.write("KEYGEN LOADED\\n"); return r } })
`)

describe("a worker started for key generation", () => {
  it("loads keygen's handlers before any request when its workerData asks ({ warm: ['keygen'] })", async () => {
    const worker = new Worker(workerUrl, { workerData: { warm: ["keygen"] }, execArgv: ["--import", REPORT_KEYGEN_LOAD], stderr: true })
    try {
      const loaded = await new Promise<boolean>((resolve) => {
        let text = ""
        worker.stderr.on("data", (chunk: Buffer) => {
          text += chunk.toString()
          if (text.includes("KEYGEN LOADED")) resolve(true)
        })
        worker.once("exit", () => resolve(false))
      })
      expect(loaded).toBe(true)
    } finally {
      await worker.terminate()
    }
  })
})
