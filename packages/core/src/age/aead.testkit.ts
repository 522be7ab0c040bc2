/**
 * Wycheproof's ChaCha20-Poly1305 vectors (C2SP/wycheproof `chacha20_poly1305_test`, in
 * @sluice/vectors) run against one `Aead`: a valid case seals to Wycheproof's ciphertext and
 * tag and opens back; an invalid one fails to open (or is refused for its nonce size).
 */
import { wycheproof, type WycheproofTest } from "@sluice/vectors"
import { describe, expect, it } from "vitest"
import { nobleAead } from "./nobleAead.js"
import { type Aead, TAG_SIZE } from "./stream.js"

interface AeadTest extends WycheproofTest {
  readonly key: string
  readonly iv: string
  readonly aad: string
  readonly msg: string
  readonly ct: string
  readonly tag: string
}

const hex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16))
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

const cases = () => {
  const file = wycheproof<AeadTest>("chacha20_poly1305_test")
  return file.testGroups.flatMap((group) => group.tests.map((t) => [`tcId ${t.tcId} ${t.result}${t.comment === "" ? "" : ` (${t.comment})`}`, t] as const))
}

export const describeWycheproofAead = (aead: Aead) =>
  describe(`Wycheproof chacha20_poly1305 on ${aead.name}`, () => {
    const all = cases()
    it("has every case of the file", () => {
      expect(all.length).toBe(325)
    })

    it.each(all)("%s", (_name, t) => {
      const [key, nonce, aad, msg] = [hex(t.key), hex(t.iv), hex(t.aad), hex(t.msg)]
      const sealed = hex(t.ct + t.tag)
      const opened = new Uint8Array(Math.max(0, sealed.length - TAG_SIZE))
      if (t.result === "valid") {
        const out = new Uint8Array(msg.length + TAG_SIZE)
        aead.seal(key, nonce, msg, out, aad)
        expect(toHex(out)).toBe(t.ct + t.tag)
        expect(aead.open(key, nonce, sealed, opened, aad)).toBe(true)
        expect(toHex(opened)).toBe(t.msg)
      } else {
        let accepted: boolean
        try {
          accepted = aead.open(key, nonce, sealed, opened, aad)
        } catch {
          accepted = false
        }
        expect(accepted).toBe(false)
      }
    })
  })

/** `aead` seals each size to noble's bytes (a random key and nonce) and opens them back. */
export const expectSealsLikeNoble = (aead: Aead, sizes: ReadonlyArray<number>) => {
  const key = crypto.getRandomValues(new Uint8Array(32))
  const nonce = crypto.getRandomValues(new Uint8Array(12))
  for (const size of sizes) {
    const plain = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 255)
    const [ours, noble] = [new Uint8Array(size + TAG_SIZE), new Uint8Array(size + TAG_SIZE)]
    aead.seal(key, nonce, plain, ours)
    nobleAead.seal(key, nonce, plain, noble)
    expect(ours).toEqual(noble)
    const opened = new Uint8Array(size)
    expect(aead.open(key, nonce, ours, opened)).toBe(true)
    expect(opened).toEqual(plain)
  }
}
