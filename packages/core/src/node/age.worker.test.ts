/**
 * age on the engine in Node: the same bytes from the calling thread, one worker and two,
 * with pieces of 1 and 16 chunks (a fixed file key, nonce and ephemeral share through the
 * test seam), equal to the format's one-call reference; decryption of each back; the tamper
 * matrix to a file (typed reason and chunk, nothing at the destination, no temporary file);
 * and a bounded number of pieces in flight against a slow consumer.
 */
import { x25519 } from "@noble/curves/ed25519.js"
import { Cause, Effect, Exit, Layer, Stream } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { AgeError } from "../age/AgeError.js"
import { decrypt } from "../age/decrypt.js"
import { encryptToSinkWith, encryptWith, type EncryptSeam } from "../age/encrypt.js"
import { ageHandlers } from "../age/handlers.js"
import { encodeHeader } from "../age/header.js"
import { x25519Identity } from "../age/identities.js"
import { headerMac, payloadKey } from "../age/keySchedule.js"
import { nobleAead } from "../age/nobleAead.js"
import * as X25519 from "../age/stanzas/x25519.js"
import { type Aead, sealPayload } from "../age/stream.js"
import * as WorkerPool from "../engine/pool/WorkerPool.js"
import { PathSink } from "../engine/Sink.js"
import { PathSource } from "../engine/Source.js"
import { operationHandlers, Operations } from "../operations.js"
import { decryptToFile } from "./ageFiles.js"
import { writeAtomically } from "./atomicFile.js"
import * as NodeByteSink from "./NodeByteSink.js"
import * as NodeByteSource from "./NodeByteSource.js"
import * as NodeHashKernel from "./NodeHashKernel.js"
import * as NodeKdfKernel from "./NodeKdfKernel.js"
import { faultyPool, killEvery, removeFaultWorker } from "./faults.testkit.js"
import { layer, layerInline } from "./node.js"

// Real worker threads run the built worker entry: `test` runs after `build`.
const workerUrl = new URL("../../dist/platform/node-worker.js", import.meta.url)
const dir = mkdtempSync(join(tmpdir(), "sluice-age-engine-"))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  removeFaultWorker()
})
let n = 0
const path = (name: string) => join(dir, `${n++}-${name}`)

const secret = new Uint8Array(32).fill(7)
const identity = x25519Identity(secret)
const recipient = x25519.getPublicKey(secret)
const seam: EncryptSeam = {
  fileKey: new Uint8Array(16).fill(1),
  nonce: new Uint8Array(16).fill(2),
  stanzas: (fileKey) => [X25519.wrapWithEphemeral(fileKey, recipient, new Uint8Array(32).fill(3))]
}

/** The reference: header, nonce and the payload sealed in one call with noble. */
const reference = (plaintext: Uint8Array): Uint8Array => {
  const header = encodeHeader(seam.stanzas!(seam.fileKey), (macInput) => headerMac(seam.fileKey, macInput))
  const payload = sealPayload(nobleAead, payloadKey(seam.fileKey, seam.nonce), plaintext)
  return new Uint8Array(Buffer.concat([header, seam.nonce, payload]))
}

const plaintextOf = (size: number) => {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 16)) & 0xff
  return bytes
}

const concat = (chunks: Iterable<Uint8Array>) => new Uint8Array(Buffer.concat(Array.from(chunks)))

/** The calling thread with noble's cipher, which cannot seal in place: each chunk goes through the scratch buffer. */
const nobleInline = WorkerPool.layerInline({ group: Operations, handlers: operationHandlers(undefined, () => Promise.resolve(ageHandlers(nobleAead))) }).pipe(
  Layer.provide([NodeByteSource.layer, NodeByteSink.layer, NodeHashKernel.layer, NodeKdfKernel.layer])
)

const POOLS: ReadonlyArray<readonly [string, Layer.Layer<WorkerPool.WorkerPool>]> = [
  ["the calling thread", layerInline],
  ["the calling thread with an AEAD that does not work in place", nobleInline],
  ["1 worker", layer({ workers: 1, workerUrl })],
  ["2 workers", layer({ workers: 2, workerUrl })]
]
const SIZES = [0, 1, 65535, 65536, 65537, 131072, 5 * 1024 * 1024 + 12345]

describe.each(POOLS)("age on %s", (_name, pool) => {
  it.each([1, 16])("gives the reference bytes at every size, to a stream and to a file, with pieces of %i chunks", async (chunksPerPiece) => {
    await Effect.runPromise(Effect.gen(function*() {
      for (const size of SIZES) {
        const plaintext = plaintextOf(size)
        const expected = reference(plaintext)
        const input = path("plain")
        writeFileSync(input, plaintext)
        // A file the workers read by ranges, and a byte stream read here.
        const fromFile = concat(yield* Stream.runCollect(encryptWith(new PathSource({ path: input }), { chunksPerPiece }, seam)))
        const fromStream = concat(yield* Stream.runCollect(encryptWith(Stream.make(plaintext), { chunksPerPiece }, seam)))
        const output = path("age")
        yield* writeAtomically(output, (file) => encryptToSinkWith(new PathSource({ path: input }), new PathSink({ path: file.tempPath }), { chunksPerPiece }, seam))
        for (const got of [fromFile, fromStream, new Uint8Array(readFileSync(output))]) expect(Buffer.compare(got, expected), `size ${size}`).toBe(0)
        // And back: by ranges to a file, and as a stream.
        const back = path("back")
        yield* decryptToFile(new PathSource({ path: output }), back, { identities: [identity], chunksPerPiece })
        expect(Buffer.compare(readFileSync(back), plaintext), `size ${size}`).toBe(0)
        const streamed = concat(yield* Stream.runCollect(decrypt(Stream.make(expected), { identities: [identity], chunksPerPiece })))
        expect(Buffer.compare(streamed, plaintext), `size ${size}`).toBe(0)
        // By ranges the workers read, in order back here (standard output's path).
        const ranged = concat(yield* Stream.runCollect(decrypt(new PathSource({ path: output }), { identities: [identity], chunksPerPiece })))
        expect(Buffer.compare(ranged, plaintext), `size ${size}`).toBe(0)
      }
    }).pipe(Effect.provide(pool)))
  }, 120_000)
})

const ageFailure = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "success"
  const error = Cause.squash(exit.cause)
  if (!(error instanceof AgeError)) return `not an AgeError: ${String(error)}`
  return "chunk" in error.reason ? `${error.reason._tag}(${error.reason.chunk})` : error.reason._tag
}

describe("the tamper matrix, decrypted to a file on 2 workers", () => {
  const plaintext = plaintextOf(5 * 65536 + 1000) // 6 chunks: 0..5
  const file = reference(plaintext)
  const headerLength = file.length - (plaintext.length + 6 * 16) // header and nonce
  const chunkAt = (i: number) => headerLength + i * 65552
  const flip = (at: number) => {
    const copy = file.slice()
    copy[at]! ^= 0x01
    return copy
  }
  /** The MAC's first base64 character swapped for another: still canonical, another MAC. */
  const macChanged = () => {
    const copy = file.slice()
    const at = Buffer.from(copy).indexOf("--- ") + 4
    copy[at] = copy[at] === 0x41 ? 0x42 : 0x41
    return copy
  }
  const full = reference(plaintextOf(6 * 65536))
  const CASES: ReadonlyArray<readonly [string, Uint8Array, string]> = [
    ["a character of the header's MAC changed", macChanged(), "BadHeaderMac"],
    ["a byte of the nonce flipped", flip(headerLength - 3), "Tampered(0)"],
    ["a byte in a middle chunk flipped", flip(chunkAt(3) + 100), "Tampered(3)"],
    ["a byte in the last chunk flipped", flip(file.length - 1), "Tampered(5)"],
    ["truncated at a chunk boundary", file.subarray(0, chunkAt(5)), "Truncated(5)"],
    ["truncated inside a chunk", file.subarray(0, chunkAt(4) + 1000), "Tampered(4)"],
    ["bytes appended to a short last chunk", new Uint8Array(Buffer.concat([file, new Uint8Array(20)])), "Tampered(5)"],
    ["bytes appended after a full last chunk", new Uint8Array(Buffer.concat([full, new Uint8Array(20)])), "TrailingData(5)"]
  ]

  it.each(CASES.map(([name, bytes, reason]) => ({ name, bytes, reason })))("$name: $reason, nothing at the destination", async ({ bytes, reason }) => {
    const input = path("tampered.age")
    writeFileSync(input, bytes)
    const output = path("out")
    const exit = await Effect.runPromise(decryptToFile(new PathSource({ path: input }), output, { identities: [identity], chunksPerPiece: 1 }).pipe(
      Effect.exit,
      Effect.provide(layer({ workers: 2, workerUrl }))
    ))
    expect(ageFailure(exit)).toBe(reason)
    expect(readdirSync(dir).filter((f) => f.startsWith(output.slice(dir.length + 1)) || f.includes("sluice-tmp"))).toEqual([])
  }, 30_000)

  it.each(CASES.map(([name, bytes, reason]) => ({ name, bytes, reason })))(
    "$name, pieces of 4 chunks opened through the scratch buffer: $reason, nothing at the destination",
    async ({ bytes, reason }) => {
      const input = path("tampered.age")
      writeFileSync(input, bytes)
      const output = path("out")
      const exit = await Effect.runPromise(decryptToFile(new PathSource({ path: input }), output, { identities: [identity], chunksPerPiece: 4 }).pipe(
        Effect.exit,
        Effect.provide(nobleInline)
      ))
      expect(ageFailure(exit)).toBe(reason)
      expect(readdirSync(dir).filter((f) => f.startsWith(output.slice(dir.length + 1)) || f.includes("sluice-tmp"))).toEqual([])
    },
    30_000
  )

  it("the untampered file decrypts", async () => {
    const input = path("good.age")
    writeFileSync(input, file)
    const output = path("out")
    await Effect.runPromise(decryptToFile(new PathSource({ path: input }), output, { identities: [identity] }).pipe(Effect.provide(layer({ workers: 2, workerUrl }))))
    expect(Buffer.compare(readFileSync(output), plaintext)).toBe(0)
  })
})

describe("tasks a worker goes through in steps of STEP_CHUNKS, to a file on 2 workers", () => {
  // 40 chunks and a bit: one task (at least 64 chunks each by default), three steps and a short one.
  const plaintext = plaintextOf(40 * 65536 + 777)
  const file = reference(plaintext)
  const headerLength = file.length - (plaintext.length + 41 * 16)
  const chunkAt = (i: number) => headerLength + i * 65552

  it("seals and opens the reference bytes", async () => {
    await Effect.runPromise(Effect.gen(function*() {
      const input = path("plain")
      writeFileSync(input, plaintext)
      const output = path("age")
      yield* writeAtomically(output, (f) => encryptToSinkWith(new PathSource({ path: input }), new PathSink({ path: f.tempPath }), {}, seam))
      expect(Buffer.compare(readFileSync(output), file)).toBe(0)
      const back = path("back")
      yield* decryptToFile(new PathSource({ path: output }), back, { identities: [identity] })
      expect(Buffer.compare(readFileSync(back), plaintext)).toBe(0)
    }).pipe(Effect.provide(layer({ workers: 2, workerUrl }))))
  }, 60_000)

  it.each([
    ["a byte flipped in the second step", (f: Uint8Array): Uint8Array => {
      const copy = f.slice()
      copy[chunkAt(20) + 5]! ^= 1
      return copy
    }, "Tampered(20)"],
    ["truncated at a chunk boundary in the third step", (f: Uint8Array): Uint8Array => f.subarray(0, chunkAt(33)), "Truncated(33)"]
  ] as const)("%s: the right reason, nothing at the destination", async (_name, tamper, reason) => {
    const input = path("tampered.age")
    writeFileSync(input, tamper(file))
    const output = path("out")
    const exit = await Effect.runPromise(decryptToFile(new PathSource({ path: input }), output, { identities: [identity] }).pipe(
      Effect.exit,
      Effect.provide(layer({ workers: 2, workerUrl }))
    ))
    expect(ageFailure(exit)).toBe(reason)
    expect(readdirSync(dir).filter((f) => f.startsWith(output.slice(dir.length + 1)) || f.includes("sluice-tmp"))).toEqual([])
  }, 30_000)
})

describe("memory", () => {
  /** noble's cipher, recording the highest chunk sealed. */
  const instrumented = () => {
    let highest = -1
    const aead: Aead = {
      name: "instrumented",
      open: nobleAead.open,
      seal: (key, nonce, plaintext, out) => {
        const index = Number(Buffer.from(nonce.subarray(0, 11)).readBigUInt64BE(3))
        highest = Math.max(highest, index)
        nobleAead.seal(key, nonce, plaintext, out)
      }
    }
    return { aead, highest: () => highest }
  }

  it("seals no more than the pool's size × 2 pieces (and the stream's buffers) ahead of a slow consumer", async () => {
    const { aead, highest } = instrumented()
    const pool = WorkerPool.layerInline({ group: Operations, handlers: operationHandlers(undefined, () => Promise.resolve(ageHandlers(aead))) }).pipe(
      Layer.provide([NodeByteSource.layer, NodeByteSink.layer, NodeHashKernel.layer, NodeKdfKernel.layer])
    )
    const input = path("big")
    writeFileSync(input, plaintextOf(64 * 65536))
    let consumedChunks = 0
    let ahead = 0
    await Effect.runPromise(encryptWith(new PathSource({ path: input }), { chunksPerPiece: 1 }, seam).pipe(
      Stream.drop(1), // the header
      Stream.runForEach(() =>
        Effect.sync(() => {
          ahead = Math.max(ahead, highest() - consumedChunks)
          consumedChunks++
        }).pipe(Effect.andThen(Effect.sleep("2 millis")))
      ),
      Effect.provide(pool)
    ))
    expect(consumedChunks).toBe(64)
    // Pool size 1 on the calling thread: 2 pieces in flight, and what the stream holds between stages.
    expect(ahead).toBeLessThanOrEqual(2 + 4)
  }, 30_000)
})

describe("workers killed while age runs", () => {
  it("an encryption (stream out) and a decryption (to a file) under fire give the same bytes", async () => {
    const plaintext = plaintextOf(24 * 1024 * 1024 + 999)
    const input = path("fire-plain")
    writeFileSync(input, plaintext)
    const pool = await faultyPool({ workers: 2 })
    const stop = killEvery(pool, 100)
    const { back, encrypted } = await Effect.runPromise(Effect.gen(function*() {
      const encrypted = concat(yield* Stream.runCollect(encryptWith(new PathSource({ path: input }), { chunksPerPiece: 4 }, seam)))
      const file = path("fire.age")
      writeFileSync(file, encrypted)
      const back = path("fire-back")
      yield* decryptToFile(new PathSource({ path: file }), back, { identities: [identity], chunksPerPiece: 4 })
      return { back, encrypted }
    }).pipe(Effect.provide(pool.layer)))
    const kills = stop()
    expect(Buffer.compare(encrypted, reference(plaintext))).toBe(0)
    expect(Buffer.compare(readFileSync(back), plaintext)).toBe(0)
    expect(kills).toBeGreaterThan(0)
  }, 120_000)
})
