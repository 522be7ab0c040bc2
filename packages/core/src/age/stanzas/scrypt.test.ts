import { describe, expect, it } from "vitest"
import { nodeAgeKeyKernel } from "../../node/NodeAgeKeyKernel.js"
import type { AgeKeyKernel } from "../AgeKeyKernel.js"
import { encodeBase64 } from "../base64.js"
import type { Stanza } from "../stanza.js"
import { checkScryptAlone, unwrap, wrap } from "./scrypt.js"

const encoder = new TextEncoder()
const passphrase = encoder.encode("correct horse battery staple")
const fileKey = Uint8Array.from({ length: 16 }, (_, i) => 100 + i)

/** node's kernel, counting its scrypt calls. */
const counting = () => {
  let calls = 0
  const kernel: AgeKeyKernel = { ...nodeAgeKeyKernel, scrypt: (...args) => (calls++, nodeAgeKeyKernel.scrypt(...args)) }
  return { kernel, calls: () => calls }
}

describe("the scrypt stanza", () => {
  it("unwraps what it wraps under the same passphrase, and is no match under another", async () => {
    const stanza = await wrap(fileKey, passphrase, nodeAgeKeyKernel, 10)
    expect(stanza.type).toBe("scrypt")
    expect(stanza.args[1]).toBe("10")
    expect(stanza.body).toHaveLength(32)
    expect(await unwrap(stanza, { passphrase }, nodeAgeKeyKernel)).toEqual({ _tag: "FileKey", fileKey })
    expect(await unwrap(stanza, { passphrase: encoder.encode("wrong") }, nodeAgeKeyKernel)).toEqual({ _tag: "NoMatch" })
  })

  it("wraps with age's work factor 18 by default and a new 16-byte salt each time", async () => {
    const [a, b] = [await wrap(fileKey, passphrase, nodeAgeKeyKernel), await wrap(fileKey, passphrase, nodeAgeKeyKernel, 10)]
    expect(a.args[1]).toBe("18")
    expect(a.args[0]).toHaveLength(22)
    expect(a.args[0]).not.toBe(b.args[0])
  })

  it("refuses an empty passphrase for encryption", async () => {
    await expect(wrap(fileKey, new Uint8Array(0), nodeAgeKeyKernel, 10)).rejects.toThrow("empty")
  })

  it("refuses every work factor spelling but plain decimal, before running scrypt", async () => {
    const { kernel, calls } = counting()
    const stanza = await wrap(fileKey, passphrase, nodeAgeKeyKernel, 10)
    const salt = stanza.args[0]!
    for (const factor of ["0", "010", "+10", "-10", "0x0a", "1e1", "10 ", " 10", "", "10a", "99999999999999999999999"]) {
      const result = await unwrap({ ...stanza, args: [salt, factor] }, { passphrase }, kernel)
      expect([factor, result._tag]).toEqual([factor, "Malformed"])
    }
    expect(calls()).toBe(0)
  })

  it("refuses a work factor above the maximum without running scrypt (22 by default)", async () => {
    const { kernel, calls } = counting()
    const stanza = await wrap(fileKey, passphrase, nodeAgeKeyKernel, 10)
    const at = (factor: string) => ({ ...stanza, args: [stanza.args[0]!, factor] })
    expect(await unwrap(at("23"), { passphrase }, kernel)).toEqual({ _tag: "WorkFactorTooLarge", logN: 23, max: 22 })
    expect(await unwrap(at("64"), { passphrase }, kernel)).toEqual({ _tag: "WorkFactorTooLarge", logN: 64, max: 22 })
    expect(await unwrap(stanza, { passphrase, maxLogN: 9 }, kernel)).toEqual({ _tag: "WorkFactorTooLarge", logN: 10, max: 9 })
    expect(calls()).toBe(0)
  })

  it("rejects a wrong argument count, a bad salt and a body not of 32 bytes", async () => {
    const stanza = await wrap(fileKey, passphrase, nodeAgeKeyKernel, 10)
    const [salt, factor] = stanza.args as [string, string]
    const cases: Array<Stanza> = [
      { ...stanza, args: [salt] },
      { ...stanza, args: [salt, factor, "x"] },
      { ...stanza, args: [encodeBase64(new Uint8Array(15)), factor] },
      { ...stanza, args: [encodeBase64(new Uint8Array(17)), factor] },
      { ...stanza, args: [`${salt}==`, factor] },
      { ...stanza, body: new Uint8Array([...stanza.body, 0]) }
    ]
    for (const c of cases) expect((await unwrap(c, { passphrase }, nodeAgeKeyKernel))._tag).toBe("Malformed")
  })

  it("is no match for another type (case-sensitive)", async () => {
    const stanza = await wrap(fileKey, passphrase, nodeAgeKeyKernel, 10)
    expect(await unwrap({ ...stanza, type: "Scrypt" }, { passphrase }, nodeAgeKeyKernel)).toEqual({ _tag: "NoMatch" })
  })

  it("holds an scrypt stanza to be the only one in the header", async () => {
    const stanza = await wrap(fileKey, passphrase, nodeAgeKeyKernel, 10)
    const other: Stanza = { type: "X25519", args: [encodeBase64(new Uint8Array(32).fill(9))], body: new Uint8Array(32) }
    expect(checkScryptAlone([stanza])).toBeUndefined()
    expect(checkScryptAlone([other, other])).toBeUndefined()
    expect(checkScryptAlone([other, stanza])?._tag).toBe("Malformed")
    expect(checkScryptAlone([stanza, stanza])?._tag).toBe("Malformed")
  })
})
