import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { ageHybridIdentity, ageHybridRecipient, parseAgeHybridRecipient, parseAgeRecipient } from "../keys/formats/age.js"
import { nodeAgeKeyKernel } from "../node/NodeAgeKeyKernel.js"
import { makeNodeSealKernel } from "../node/NodeSealKernel.js"
import { parseHeader } from "./header.js"
import { parseIdentityFile } from "./identities.js"
import { payloadKey, verifyHeaderMac } from "./keySchedule.js"
import { nobleAead } from "./nobleAead.js"
import { MIXED_PQ_MESSAGE as RECIPIENTS_MESSAGE } from "./recipients.js"
import { MIXED_PQ_MESSAGE, nobleSealKernel, type SealRecipient, sealRecipientsProblem, sealToAge } from "./sealKey.js"
import { hybridPublicKey } from "./stanzas/hybrid.js"
import { unwrapFileKey } from "./unwrap.js"
import { CHUNK_SIZE, chunkNonce, TAG_SIZE } from "./stream.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-seal-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

const ageKeygen = (): { identity: string; recipient: SealRecipient } => {
  const identity = join(dir, `${n++}.key`)
  execFileSync("age-keygen", ["-o", identity], { stdio: "ignore" })
  const text = execFileSync("age-keygen", ["-y", identity], { encoding: "utf8" }).trim()
  const key = parseAgeRecipient(text)
  if (key.family !== "okp") throw new Error("not X25519")
  return { identity, recipient: { kind: "X25519", publicKey: key.publicKey } }
}

const ageDecrypt = (identity: string, file: Uint8Array): Buffer => {
  const path = join(dir, `${n++}.age`)
  writeFileSync(path, file)
  return execFileSync("age", ["-d", "-i", identity, path])
}

/** Our own reading of a sealed file (for the post-quantum type, which age 1.1.1 lacks). */
const open = async (file: Uint8Array, identityText: string): Promise<Uint8Array> => {
  const header = parseHeader(file)
  const ids = parseIdentityFile(identityText)
  if (ids._tag !== "Identities") throw new Error(ids.problem)
  const result = await unwrapFileKey(header.stanzas, ids.identities, {
    kernel: nodeAgeKeyKernel,
    verifyMac: (fileKey) => verifyHeaderMac(fileKey, header.macInput, header.mac)
  })
  if (result._tag !== "FileKey") throw new Error(result._tag)
  const key = payloadKey(result.fileKey, header.nonce)
  const body = file.subarray(header.headerLength + 16)
  const out: Array<number> = []
  for (let i = 0, at = 0; at < body.length; i++) {
    const chunk = body.subarray(at, Math.min(body.length, at + CHUNK_SIZE + TAG_SIZE))
    at += chunk.length
    const plain = new Uint8Array(chunk.length - TAG_SIZE)
    if (!nobleAead.open(key, chunkNonce(i, at === body.length), chunk, plain)) throw new Error(`chunk ${i}`)
    out.push(...plain)
  }
  return Uint8Array.from(out)
}

const KEY_TEXT = new TextEncoder().encode("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n")

describe("sealToAge", () => {
  for (const [name, kernel] of [
    ["noble", nobleSealKernel],
    ["node (libsodium X25519)", makeNodeSealKernel()],
    ["node (node:crypto X25519)", makeNodeSealKernel({ native: false })],
    ["node (noble X25519)", makeNodeSealKernel({ native: false, x25519: "noble" })]
  ] as const) {
    it(`makes a file Debian's age -d opens to the exact bytes, with the ${name} kernel`, () => {
      const { identity, recipient } = ageKeygen()
      expect(ageDecrypt(identity, sealToAge(KEY_TEXT, [recipient], kernel)).equals(Buffer.from(KEY_TEXT))).toBe(true)
    })
  }

  it("seals to several X25519 recipients, each of which opens it, and at chunk sizes 0, 65536 and 65537", () => {
    const a = ageKeygen()
    const b = ageKeygen()
    const kernel = makeNodeSealKernel()
    for (const size of [0, 65536, 65537]) {
      const plain = new Uint8Array(size).map((_, i) => i * 7)
      const sealed = sealToAge(plain, [a.recipient, b.recipient], kernel)
      expect(ageDecrypt(a.identity, sealed).equals(Buffer.from(plain))).toBe(true)
      expect(ageDecrypt(b.identity, sealed).equals(Buffer.from(plain))).toBe(true)
    }
  })

  it("seals to an age1pq1 recipient: the header holds one mlkem768x25519 stanza that the identity opens", async () => {
    const seed = crypto.getRandomValues(new Uint8Array(32))
    const recipient = parseAgeHybridRecipient(ageHybridRecipient(hybridPublicKey(seed)))
    const sealed = sealToAge(KEY_TEXT, [{ kind: "mlkem768x25519", publicKey: recipient }], makeNodeSealKernel())
    expect(parseHeader(sealed).stanzas.map((s) => s.type)).toEqual(["mlkem768x25519"])
    expect(await open(sealed, `${ageHybridIdentity(seed)}\n`)).toEqual(KEY_TEXT)
  })

  it("refuses a low-order X25519 recipient on every kernel", () => {
    for (const kernel of [nobleSealKernel, makeNodeSealKernel(), makeNodeSealKernel({ native: false })]) {
      expect(() => sealToAge(KEY_TEXT, [{ kind: "X25519", publicKey: new Uint8Array(32) }], kernel)).toThrow(/low-order/)
    }
  })

  it("gives every file its own file key and nonce: two seals of the same key differ", () => {
    const { recipient } = ageKeygen()
    const kernel = makeNodeSealKernel()
    expect(Buffer.from(sealToAge(KEY_TEXT, [recipient], kernel)).equals(Buffer.from(sealToAge(KEY_TEXT, [recipient], kernel)))).toBe(false)
  })

  it("refuses post-quantum and classic recipients together, with age's message, and no recipients", () => {
    const seed = new Uint8Array(32).fill(3)
    const x = ageKeygen().recipient
    expect(sealRecipientsProblem([x, { kind: "mlkem768x25519", publicKey: hybridPublicKey(seed) }])).toMatch(/can't mix post-quantum and classic recipients/)
    expect(MIXED_PQ_MESSAGE).toBe(RECIPIENTS_MESSAGE)
    expect(sealRecipientsProblem([])).toBe("no recipients to seal to")
    expect(sealRecipientsProblem([x])).toBeUndefined()
  })
})
