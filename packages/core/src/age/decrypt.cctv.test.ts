/**
 * Every CCTV age vector through the public API (`decrypt` over a byte stream, and Node's
 * `decryptToFile`): a success releases the plaintext the vector hashes; a failure releases
 * exactly what a streaming decrypter may (the vector's hash) and fails with the reason of
 * its class; to a file, a failure leaves nothing at the destination and no temporary file.
 */
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex } from "@noble/hashes/utils.js"
import { Cause, Effect, Exit, Stream } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { PathSource } from "../engine/Source.js"
import { decryptToFile } from "../node/ageFiles.js"
import { layerInline } from "../node/node.js"
import { AgeError } from "./AgeError.js"
import type { DecryptOptions } from "./AgeOptions.js"
import { type CctvVector, cctvVectors, PAYLOAD_FAILURES } from "./cctv.testkit.js"
import { decrypt } from "./decrypt.js"
import { type AgeIdentity, parseIdentityFile } from "./identities.js"

const encoder = new TextEncoder()
const dir = mkdtempSync(join(tmpdir(), "sluice-age-cctv-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const identitiesOf = (vector: CctvVector): Array<AgeIdentity> =>
  vector.identities.flatMap((line) => {
    const parsed = parseIdentityFile(`${line}\n`)
    if (parsed._tag !== "Identities") throw new Error(`vector ${vector.name}: ${parsed.problem}`)
    return parsed.identities
  })

export const optionsOf = (vector: CctvVector): DecryptOptions => ({
  identities: identitiesOf(vector),
  ...(vector.passphrases.length > 0 ? { passphrase: encoder.encode(vector.passphrases[0]!) } : {})
})

/** The reason's name, with its chunk where it has one (as PAYLOAD_FAILURES pins it). */
const reasonOf = (error: AgeError): string => "chunk" in error.reason ? `${error.reason._tag}(${error.reason.chunk})` : error.reason._tag

const CLASSES: Record<string, ReadonlyArray<string>> = {
  "no match": ["NoIdentityMatch", "BadPassphrase"],
  "HMAC failure": ["BadHeaderMac"],
  "header failure": ["MalformedHeader", "UnsupportedVersion", "WorkFactorTooLarge"],
  "armor failure": ["MalformedArmor"]
}

/** Decrypts a vector's file as a stream: what it released (hashed) and how it ended. */
const streamed = (vector: CctvVector) =>
  Effect.runPromise(Effect.gen(function*() {
    const hash = sha256.create()
    const exit = yield* decrypt(Stream.make(vector.file), optionsOf(vector)).pipe(
      Stream.runForEach((bytes) => Effect.sync(() => hash.update(bytes))),
      Effect.exit
    )
    return { hash: bytesToHex(hash.digest()), exit }
  }).pipe(Effect.provide(layerInline)))

const failureOf = (exit: Exit.Exit<unknown, unknown>): AgeError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = Cause.squash(exit.cause)
  if (!(error instanceof AgeError)) throw new Error(`not an AgeError: ${String(error)}`)
  return error
}

const expectOutcome = (vector: CctvVector, exit: Exit.Exit<unknown, unknown>) => {
  if (vector.expect === "success") {
    expect(Exit.isSuccess(exit)).toBe(true)
    return
  }
  const error = failureOf(exit)
  if (vector.expect === "payload failure") expect(reasonOf(error)).toBe(PAYLOAD_FAILURES[vector.name])
  // Every armor failure is MalformedArmor, armor_garbage_leading too: armor with bytes
  // before its BEGIN line is detected as armor, and refused as such.
  else expect(CLASSES[vector.expect]).toContain(error.reason._tag)
}

const vectors = cctvVectors()
/** Every message an AgeError gave, with the secrets of its vector, for the scan below. */
const messages: Array<{ readonly vector: CctvVector; readonly message: string }> = []

describe("CCTV through decrypt (a byte stream, on the calling thread)", () => {
  it("reads all 143 vectors", () => {
    expect(vectors.length).toBe(143)
  })

  it.each(vectors.map((v) => [v.name, v] as const))("%s", async (_name, vector) => {
    const { exit, hash } = await streamed(vector)
    expectOutcome(vector, exit)
    if (vector.payload !== undefined) expect(hash).toBe(vector.payload)
    if (Exit.isFailure(exit)) messages.push({ vector, message: failureOf(exit).message })
  })
})

describe("CCTV through decryptToFile (workers' positional writes, atomic)", () => {
  it.each(vectors.map((v) => [v.name, v] as const))("%s", async (name, vector) => {
    const input = join(dir, `${name}.age`)
    const output = join(dir, `${name}.out`)
    writeFileSync(input, vector.file)
    const exit = await Effect.runPromise(decryptToFile(new PathSource({ path: input }), output, optionsOf(vector)).pipe(
      Effect.exit,
      Effect.provide(layerInline)
    ))
    expectOutcome(vector, exit)
    if (vector.expect === "success") {
      expect(bytesToHex(sha256(readFileSync(output)))).toBe(vector.payload)
    } else {
      expect(readdirSync(dir).filter((f) => f === `${name}.out` || f.includes(`${name}.out.`))).toEqual([])
      messages.push({ vector, message: failureOf(exit).message })
    }
  })
})

describe("AgeError messages", () => {
  it("hold no identity, passphrase, file key or plaintext of their vector", () => {
    expect(messages.length).toBeGreaterThan(150)
    for (const { message, vector } of messages) {
      const secrets = [...vector.identities, ...vector.passphrases, ...(vector.fileKey === undefined ? [] : [bytesToHex(vector.fileKey)])]
      for (const secret of secrets) expect(message.toLowerCase()).not.toContain(secret.toLowerCase())
      expect(message).not.toMatch(/AGE-SECRET-KEY/i)
    }
  })
})
