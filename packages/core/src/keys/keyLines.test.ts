import { ed25519 } from "@noble/curves/ed25519.js"
import { Effect, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { JobProgress } from "../engine/job/JobProgress.js"
import { layerInline } from "../engine/pool/WorkerPool.js"
import { KeygenHandlersLive } from "./handlers.js"
import { spkiDer as spkiDerOf } from "./formats/pkcs8.js"
import type { KeyFormat } from "./KeyFormat.js"
import { KeygenRpcs } from "./KeygenRpcs.js"
import { ecFromScalar, KeyKernel } from "./KeyKernel.js"
import { keyFileName, keyJsonLine, keyLineTemplate, keyShardName, keyShardWidth, lineValueOfBytes } from "./keyLines.js"
import type { KeyPair } from "./KeyPair.js"
import { generateKeyBatch } from "./keygen.js"
import { type GeneratedKeyBatch, generateKeyBatches, type KeyStreamRequest } from "./keyStream.js"
import type { KeyType } from "./KeyType.js"

/** The n-th key of a run, the same in every run: seed (or scalar) n+1 in its last bytes. */
const nth = (type: KeyType, n: number): KeyPair => {
  const secret = new Uint8Array(32)
  new DataView(secret.buffer).setUint32(28, n + 1)
  return type === "ed25519"
    ? { family: "okp", type, seed: secret, publicKey: ed25519.getPublicKey(secret) }
    : ecFromScalar("ecdsa-p256", secret)
}

/** A kernel that makes the same keys in every run, on the hot path (`generateNow`) or only through `generate`. */
const replaying = (hot: boolean) => {
  let made = 0
  const kernel: KeyKernel["Service"] = {
    name: "replay",
    supports: () => true,
    generate: (type) => Effect.sync(() => nth(type, made++)),
    ...(hot ? { generateNow: (type: KeyType) => nth(type, made++) } : {})
  }
  return layerInline({ group: KeygenRpcs, handlers: KeygenHandlersLive }).pipe(Layer.provide(Layer.succeed(KeyKernel)(kernel)))
}

const batches = (request: KeyStreamRequest, hot: boolean) =>
  Effect.runPromise(Stream.runCollect(generateKeyBatches(request)).pipe(Effect.provide(replaying(hot)))).then((events) =>
    (events as ReadonlyArray<GeneratedKeyBatch | JobProgress>).filter((e): e is GeneratedKeyBatch => !(e instanceof JobProgress))
  )

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")

/** The definition: `JSON.stringify` of the key's object, forms by name, then the fingerprints. */
const expectedLine = (type: KeyType, index: number, formats: ReadonlyArray<KeyFormat>, fields: number, outputs: ReadonlyArray<{ format: KeyFormat; bytes: Uint8Array }>) => {
  const object: Record<string, unknown> = { index: index + 1, type }
  for (const { format, bytes } of outputs.slice(0, fields)) {
    object[format] = format.endsWith("-der") ? base64(bytes) : format.startsWith("jwk") && format !== "jwk-thumbprint" ? JSON.parse(decode(bytes)) : decode(bytes)
  }
  const ssh = formats.indexOf("ssh-fingerprint")
  if (ssh !== -1) object["sshFingerprint"] = decode(outputs[ssh]!.bytes)
  const jwk = formats.indexOf("jwk-thumbprint")
  if (jwk !== -1) object["jwkThumbprint"] = decode(outputs[jwk]!.bytes)
  return JSON.stringify(object) + "\n"
}

describe("keys as JSON Lines", () => {
  const cases: ReadonlyArray<readonly [KeyType, ReadonlyArray<KeyFormat>, number]> = [
    ["ed25519", ["pkcs8-pem", "spki-pem", "ssh-fingerprint", "jwk-thumbprint"], 2],
    // (Not openssh-private: its check bytes are random in every run.)
    ["ed25519", ["openssh-public", "pkcs8-der", "jwk", "jwk-public", "ssh-fingerprint", "jwk-thumbprint"], 4],
    ["ecdsa-p256", ["pkcs8-pem", "spki-der", "jwk-thumbprint"], 2],
    // A fingerprint asked for is a field, and the fingerprint too.
    ["ecdsa-p256", ["jwk-thumbprint", "spki-pem"], 2]
  ]
  for (const hot of [true, false]) {
    for (const [type, formats, fields] of cases) {
      it(`a worker's lines are the bytes JSON.stringify gives of the same keys (${type}, ${formats.join(",")}, ${hot ? "hot path" : "one Effect per key"})`, async () => {
        const request: KeyStreamRequest = { type, count: 7, formats, batchSize: 3, start: 10, comment: "ci@example" }
        const split = await batches({ ...request, lines: { fields } }, hot)
        expect(split.map((b) => [b.first, b.count, b.keys.length])).toEqual([[10, 3, 0], [13, 3, 0], [16, 1, 0]])
        // The bytes, compared in one batch: batches in flight together take the replayed keys in whichever order they run.
        const whole = { ...request, batchSize: 7 }
        const [asLines, asKeys] = [await batches({ ...whole, lines: { fields } }, hot), await batches(whole, hot)]
        const expected = asKeys.flatMap((b) => b.keys.map((k, i) => expectedLine(type, b.first + i, formats, fields, k.outputs))).join("")
        expect(asLines.map((b) => decode(b.lines!)).join("")).toBe(expected)
      })
    }
  }

  /** The definition of a manifest line (`sluice keygen --out-dir`): `JSON.stringify` of the key's object. */
  const expectedManifestLine = (
    type: KeyType,
    index: number,
    formats: ReadonlyArray<KeyFormat>,
    suffixes: ReadonlyArray<string>,
    width: number,
    outputs: ReadonlyArray<{ format: KeyFormat; bytes: Uint8Array }>
  ) => {
    const text = (format: KeyFormat) => decode(outputs[formats.indexOf(format)]!.bytes)
    const object: Record<string, unknown> = {
      index: index + 1,
      type,
      files: Object.fromEntries(suffixes.map((suffix, i) => [formats[i], keyFileName(index, width, suffix)]))
    }
    if (formats.includes("openssh-public")) {
      object["ssh"] = text("openssh-public").trimEnd()
      object["sshFingerprint"] = text("ssh-fingerprint")
    }
    object["jwk"] = JSON.parse(text("jwk-public"))
    object["jwkThumbprint"] = text("jwk-thumbprint")
    return JSON.stringify(object) + "\n"
  }

  it("with subdirectories, a manifest line names each file under its own, and no batch spans two (a run resumed inside one)", async () => {
    const all = await batches({
      type: "ed25519",
      count: 1600,
      start: 1500,
      formats: ["pkcs8-pem", "spki-pem", "jwk-public", "jwk-thumbprint"],
      files: { fields: 2, width: 6, suffixes: [".pem", ".pub.pem"], shardWidth: 4 }
    }, true)
    expect(all.reduce((n, b) => n + b.count, 0)).toBe(1600)
    for (const b of all) expect(Math.floor(b.first / 1000)).toBe(Math.floor((b.first + b.count - 1) / 1000))
    const lines = all.flatMap((b) => decode(b.files!.manifest).trimEnd().split("\n")).map((l) => JSON.parse(l) as { index: number; files: object })
    expect(lines[0]).toMatchObject({ index: 1501, files: { "pkcs8-pem": "0001/key-001501.pem", "spki-pem": "0001/key-001501.pub.pem" } })
    expect(lines[500]).toMatchObject({ index: 2001, files: { "pkcs8-pem": "0002/key-002001.pem" } })
    expect(lines[1599]).toMatchObject({ index: 3100, files: { "spki-pem": "0003/key-003100.pub.pem" } })
  })

  it("names subdirectories by thousands of keys, at least four digits", () => {
    expect([0, 999, 1000, 123_456].map((i) => keyShardName(i, 4))).toEqual(["0000", "0000", "0001", "0123"])
    expect([1001, 10_000_000, 10_000_001, 100_000_000].map(keyShardWidth)).toEqual([4, 4, 5, 5])
  })

  const fileCases: ReadonlyArray<readonly [KeyType, ReadonlyArray<KeyFormat>, ReadonlyArray<string>]> = [
    ["ed25519", ["openssh-public", "pkcs8-der", "spki-pem", "ssh-fingerprint", "jwk-public", "jwk-thumbprint"], [".pub", ".der", ".pub.pem"]],
    ["ecdsa-p256", ["pkcs8-pem", "spki-der", "jwk-public", "jwk-thumbprint"], [".pem", ".pub.der"]]
  ]
  for (const hot of [true, false]) {
    for (const [type, formats, suffixes] of fileCases) {
      it(`a worker's files are each form's bytes, back to back, and its manifest lines JSON.stringify's (${type}, ${formats.join(",")}, ${hot ? "hot path" : "one Effect per key"})`, async () => {
        const request: KeyStreamRequest = { type, count: 7, formats, batchSize: 3, start: 10 }
        const files = { fields: suffixes.length, width: 6, suffixes }
        const [asFiles, asKeys] = [await batches({ ...request, files }, hot), await batches(request, hot)]
        expect(asFiles.map((b) => [b.first, b.count, b.keys.length, b.files?.sizes.length])).toEqual([[10, 3, 0, 9], [13, 3, 0, 9], [16, 1, 0, 3]].map(([f, c, k]) => [f, c, k, c! * suffixes.length]))
        const keys = asKeys.flatMap((b) => b.keys.map((k, i) => ({ index: b.first + i, outputs: k.outputs })))
        expect(asFiles.map((b) => decode(b.files!.manifest)).join(""))
          .toBe(keys.map((k) => expectedManifestLine(type, k.index, formats, suffixes, 6, k.outputs)).join(""))
        const data = Buffer.concat(asFiles.map((b) => b.files!.data))
        const sizes = asFiles.flatMap((b) => Array.from(b.files!.sizes))
        expect(data.equals(Buffer.concat(keys.flatMap((k) => k.outputs.slice(0, suffixes.length).map((o) => o.bytes))))).toBe(true)
        expect(sizes).toEqual(keys.flatMap((k) => k.outputs.slice(0, suffixes.length).map((o) => o.bytes.length)))
      })
    }
  }

  it("refuses a files layout that does not fit the forms", async () => {
    const exit = await Effect.runPromiseExit(
      Stream.runCollect(generateKeyBatches({ type: "ed25519", count: 2, formats: ["spki-pem"], files: { fields: 1, width: 6, suffixes: ["/x"] } }))
        .pipe(Effect.provide(replaying(true)))
    )
    expect(String(exit)).toContain("files (a layout")
  })

  it("two batches sent to one worker at once are made in turn, not interleaved", async () => {
    // 300 keys from noble take well over the hot loop's 20 ms between turns of the event loop.
    const request = { type: "ed25519" as const, count: 300, formats: ["spki-der"] as ReadonlyArray<KeyFormat>, lines: { first: 0, fields: 1 } }
    const [a, b] = await Effect.runPromise(
      Effect.all([generateKeyBatch(request), generateKeyBatch(request)], { concurrency: 2 }).pipe(Effect.provide(replaying(true)))
    )
    // Which of the run's keys (`nth`) each line holds.
    const made = Array.from({ length: 600 }, (_, n) => base64(spkiDerOf(nth("ed25519", n))))
    const indices = (lines: Uint8Array) => decode(lines).trimEnd().split("\n").map((line) => made.indexOf(JSON.parse(line)["spki-der"]))
    // Past its first key (made before its turn), one batch's keys all come before the other's.
    const [restA, restB] = [indices(a!.lines!).slice(1), indices(b!.lines!).slice(1)]
    const [early, late] = Math.min(...restA) < Math.min(...restB) ? [restA, restB] : [restB, restA]
    expect(Math.max(...early)).toBeLessThan(Math.min(...late))
    expect([...early].sort((x, y) => x - y)).toEqual(early)
    expect([...late].sort((x, y) => x - y)).toEqual(late)
  })

  it("keyJsonLine builds a line from values, with the index from 1", () => {
    const template = keyLineTemplate({ type: "x25519", formats: ["age-recipient", "jwk-thumbprint"], fields: 1 })
    const values = [lineValueOfBytes("age-recipient", new TextEncoder().encode("age1x\n")), lineValueOfBytes("jwk-thumbprint", new TextEncoder().encode("t\"u"))]
    expect(keyJsonLine(template, 0, values)).toBe(`{"index":1,"type":"x25519","age-recipient":"age1x\\n","jwkThumbprint":"t\\"u"}\n`)
  })

  it("refuses a layout that does not fit the forms", async () => {
    const exit = await Effect.runPromiseExit(
      Stream.runCollect(generateKeyBatches({ type: "ed25519", count: 2, formats: ["spki-pem"], lines: { fields: 2 } })).pipe(Effect.provide(replaying(true)))
    )
    expect(String(exit)).toContain("JSON Lines")
  })
})
