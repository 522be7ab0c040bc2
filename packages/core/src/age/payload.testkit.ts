/**
 * The CCTV payload checks for one `Aead` (design §2): every vector with a `payload` hash,
 * opened from its `file key` with the release semantics of `openPayload`, releases exactly
 * the plaintext whose SHA-256 the vector gives, and fails with the reason PAYLOAD_FAILURES
 * pins; every success vector re-sealed from its file key and nonce gives the same payload.
 * Armored vectors are dearmored first by `dearmor` when given, else left out.
 */
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex } from "@noble/hashes/utils.js"
import { describe, expect, it } from "vitest"
import { type CctvVector, cctvVectors, PAYLOAD_FAILURES } from "./cctv.testkit.js"
import { parseHeader } from "./header.js"
import { payloadKey } from "./keySchedule.js"
import { type Aead, openPayload, openRun, plaintextSize, sealPayload, sealRun } from "./stream.js"

const reasonOf = (failure: ReturnType<typeof openPayload>): string | undefined =>
  failure === undefined ? undefined : "chunk" in failure ? `${failure._tag}(${failure.chunk})` : failure._tag

/** The first index where `a` and `b` differ, or -1 (a large payload's diff is no use to print). */
const firstDifference = (a: Uint8Array, b: Uint8Array): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : Math.min(a.length, b.length)
}

export const describeCctvPayloads = (aead: Aead, dearmor?: (armored: Uint8Array) => Uint8Array) =>
  describe(`CCTV payloads on ${aead.name}${dearmor === undefined ? "" : " (armored too)"}`, () => {
    const vectors = cctvVectors().filter((v) => v.payload !== undefined && (dearmor !== undefined || !v.armored))
    const fileOf = (v: CctvVector) => (v.armored ? dearmor!(v.file) : v.file)

    const open = (v: CctvVector) => {
      const file = fileOf(v)
      const header = parseHeader(file)
      const key = payloadKey(v.fileKey!, header.nonce)
      const released: Array<Uint8Array> = []
      const failure = openPayload(aead, key, file.subarray(header.headerLength + header.nonce.length), (plaintext) => released.push(plaintext.slice()))
      return { file, header, key, released, failure }
    }

    it("finds the vectors with a payload hash", () => {
      expect(vectors.length).toBe(dearmor === undefined ? 37 : 45)
    })

    it.each(vectors.map((v) => [v.name, v] as const))("%s: releases the plaintext the vector hashes, and fails as pinned", (name, v) => {
      const { released, failure } = open(v)
      const hash = sha256.create()
      for (const chunk of released) hash.update(chunk)
      expect(bytesToHex(hash.digest())).toBe(v.payload)
      if (v.expect === "payload failure") expect(reasonOf(failure)).toBe(PAYLOAD_FAILURES[name])
      else expect(failure).toBeUndefined()
    })

    it.each(vectors.filter((v) => v.expect === "success").map((v) => [v.name, v] as const))(
      "%s: re-sealed from its file key and nonce, gives the identical payload",
      (_name, v) => {
        const { file, header, key, released } = open(v)
        const plaintext = new Uint8Array(released.reduce((n, chunk) => n + chunk.length, 0))
        let at = 0
        for (const chunk of released) {
          plaintext.set(chunk, at)
          at += chunk.length
        }
        const payload = file.subarray(header.headerLength + header.nonce.length)
        const sealed = sealPayload(aead, key, plaintext)
        expect(sealed.length).toBe(payload.length)
        expect(firstDifference(sealed, payload)).toBe(-1)
      }
    )

    // The runs a worker seals and opens (`sealRun`, `openRun`: the AEAD's `sealChunks` and
    // `openChunks` where it has them), the whole payload as one run, in one buffer and apart.
    it.each(vectors.map((v) => [v.name, v] as const))("%s: opened as one run, releases the same plaintext and fails the same", (name, v) => {
      const { file, header, key } = open(v)
      const payload = file.subarray(header.headerLength + header.nonce.length)
      for (const inBuffer of [false, true]) {
        const ciphertext = payload.slice()
        const out = inBuffer ? ciphertext : new Uint8Array(payload.length)
        const { released, failure } = openRun(aead, key, 0, true, ciphertext, out)
        expect(bytesToHex(sha256(out.subarray(0, released)))).toBe(v.payload)
        if (v.expect === "payload failure") expect(reasonOf(failure)).toBe(PAYLOAD_FAILURES[name])
        else expect(failure).toBeUndefined()
      }
    })

    it.each(vectors.filter((v) => v.expect === "success").map((v) => [v.name, v] as const))(
      "%s: sealed as one run, in one buffer and apart, gives the identical payload",
      (_name, v) => {
        const { file, header, key } = open(v)
        const payload = file.subarray(header.headerLength + header.nonce.length)
        const plaintext = new Uint8Array(plaintextSize(payload.length)!)
        expect(openRun(aead, key, 0, true, payload.slice(), plaintext).failure).toBeUndefined()
        const apart = new Uint8Array(payload.length)
        sealRun(aead, key, 0, true, plaintext, apart)
        expect(firstDifference(apart, payload)).toBe(-1)
        const one = new Uint8Array(payload.length)
        one.set(plaintext, payload.length - plaintext.length)
        sealRun(aead, key, 0, true, one.subarray(payload.length - plaintext.length), one)
        expect(firstDifference(one, payload)).toBe(-1)
      }
    )
  })
