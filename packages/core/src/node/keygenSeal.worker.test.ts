/**
 * `--seal-to` on real worker threads: each private form leaves the worker as an age file
 * (files: binary, written by the worker; JSON lines: armored) that Debian's age opens with
 * the recipient's identity to the very key the public forms name; no plaintext private key
 * is in any file written.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Stream } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { parseAgeRecipient } from "../keys/formats/age.js"
import { parseOpensshPrivateKey } from "../keys/formats/openssh.js"
import { parsePkcs8Pem, pkcs8Pem } from "../keys/formats/pkcs8.js"
import { generateKeyBatches, type GeneratedKeyBatch } from "../keys/keyStream.js"
import { generateKeys } from "../keys/keygen.js"
import * as SluiceNode from "./node.js"

const workerUrl = new URL("../../dist/platform/node-worker.js", import.meta.url)
const dir = mkdtempSync(join(tmpdir(), "sluice-keygen-seal-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

const identity = join(dir, "identity.txt")
execFileSync("age-keygen", ["-o", identity], { stdio: "ignore" })
const recipientText = execFileSync("age-keygen", ["-y", identity], { encoding: "utf8" }).trim()
const recipientKey = parseAgeRecipient(recipientText)
const recipients = [{ kind: "X25519" as const, publicKey: new Uint8Array(recipientKey.family === "okp" ? recipientKey.publicKey : []) }]

const ageDecrypt = (file: Uint8Array | string): string => {
  const path = join(dir, `${n++}.age`)
  writeFileSync(path, file)
  return execFileSync("age", ["-d", "-i", identity, path], { encoding: "utf8" })
}

const run = <A>(effect: Effect.Effect<A, unknown, import("../engine/pool/WorkerPool.js").WorkerPool>) =>
  Effect.runPromise(effect.pipe(Effect.provide(SluiceNode.layer({ workers: 2, workerUrl }))) as Effect.Effect<A>)

const PLAINTEXT_MARKERS = ["PRIVATE KEY", "AGE-SECRET-KEY", "OPENSSH PRIVATE KEY", "\"d\":"]

describe("keygen --seal-to on worker threads", () => {
  it("writes each private file as a binary age file that age -d opens to the key of the public file beside it", async () => {
    const stage = join(dir, "stage")
    mkdirSync(stage)
    const batches = await run(Stream.runCollect(generateKeyBatches({
      type: "ed25519",
      count: 40,
      formats: ["openssh-private", "openssh-public", "ssh-fingerprint"],
      comment: "sealed",
      seal: { recipients, armor: false },
      files: { fields: 2, width: 6, suffixes: [".age", ".pub"], stage: () => stage }
    })))
    expect(batches.filter((b): b is GeneratedKeyBatch => "_tag" in b && b._tag === "GeneratedKeyBatch").reduce((s, b) => s + b.count, 0)).toBe(40)
    const names = readdirSync(stage).sort()
    expect(names).toHaveLength(80)
    for (const name of names) {
      const bytes = readFileSync(join(stage, name))
      for (const marker of PLAINTEXT_MARKERS) expect(bytes.includes(marker)).toBe(false)
    }
    for (const k of [1, 17, 40]) {
      const base = join(stage, `key-${String(k).padStart(6, "0")}`)
      const sealed = readFileSync(`${base}.age`)
      expect(sealed.subarray(0, 22).toString()).toBe("age-encryption.org/v1\n")
      const opened = ageDecrypt(sealed)
      expect(opened).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/)
      const plain = join(dir, `${n++}-id`)
      writeFileSync(plain, opened, { mode: 0o600 })
      expect(execFileSync("ssh-keygen", ["-y", "-f", plain], { encoding: "utf8" }).trim()).toBe(readFileSync(`${base}.pub`, "utf8").trim())
      expect(parseOpensshPrivateKey(opened).comment).toBe("sealed")
    }
  })

  it("gives JSON lines whose private forms are armored age files (PEM and JWK alike), each opening to the exact PKCS#8 of the line's public key", async () => {
    const batches = await run(Stream.runCollect(generateKeyBatches({
      type: "ecdsa-p256",
      count: 30,
      formats: ["pkcs8-pem", "jwk", "spki-pem", "jwk-thumbprint"],
      seal: { recipients, armor: true },
      lines: { fields: 3 }
    })))
    const text = batches.filter((b): b is GeneratedKeyBatch => "_tag" in b && b._tag === "GeneratedKeyBatch").map((b) => new TextDecoder().decode(b.lines)).join("")
    for (const marker of PLAINTEXT_MARKERS) expect(text.includes(marker)).toBe(false)
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, string>)
    expect(lines).toHaveLength(30)
    for (const line of [lines[0]!, lines[29]!]) {
      expect(line["pkcs8-pem"]).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+-----END AGE ENCRYPTED FILE-----\n$/)
      const pem = ageDecrypt(line["pkcs8-pem"]!)
      // What Sluice writes unsealed for this key, byte for byte.
      expect(pkcs8Pem(parsePkcs8Pem(pem))).toBe(pem)
      expect(execFileSync("openssl", ["pkey", "-pubout"], { input: pem, encoding: "utf8" })).toBe(line["spki-pem"])
      const jwk = JSON.parse(ageDecrypt(line["jwk"]!)) as { d: string; x: string }
      expect(typeof jwk.d).toBe("string")
    }
  })

  it("seals an RSA key made on the slow path, returned as keys, armored", async () => {
    const keys = await run(generateKeys({ type: "rsa-2048", count: 1, formats: ["pkcs8-pem", "spki-pem"], seal: { recipients, armor: true } }))
    const sealed = new TextDecoder().decode(keys[0]!.outputs[0]!.bytes)
    expect(sealed).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/)
    const pem = ageDecrypt(sealed)
    expect(execFileSync("openssl", ["pkey", "-pubout"], { input: pem, encoding: "utf8" })).toBe(new TextDecoder().decode(keys[0]!.outputs[1]!.bytes))
  }, 60_000)

  it("refuses post-quantum and classic recipients together before any key is made", async () => {
    const exit = await Effect.runPromiseExit(generateKeys({
      type: "ed25519",
      count: 1,
      formats: ["pkcs8-pem"],
      seal: { recipients: [...recipients, { kind: "mlkem768x25519", publicKey: new Uint8Array(1216) }], armor: true }
    }).pipe(Effect.provide(SluiceNode.layer({ workers: 1, workerUrl }))))
    expect(JSON.stringify(exit)).toMatch(/post-quantum and classic recipients mixed/)
  })
})
