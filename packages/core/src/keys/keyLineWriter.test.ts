import { sha256 } from "@noble/hashes/sha2.js"
import { describe, expect, it } from "vitest"
import { encodeKeyNow, encodeKeyText } from "./encodeKey.js"
import { type EncodeOptions, formatSupports, KEY_FORMATS, type KeyFormat } from "./KeyFormat.js"
import { portableKeyKernel } from "./KeyKernel.js"
import { type KeyLineWriter, keyLineWriter, type LineSink, LineValueFailed, nobleSha256Into } from "./keyLineWriter.js"
import { keyJsonLine, keyLineTemplate, lineValueOfBytes, lineValueOfText } from "./keyLines.js"
import type { KeyPair } from "./KeyPair.js"
import { KEY_INFO, KEY_TYPES, type KeyType } from "./KeyType.js"

/** A growable buffer, as the handlers' ByteBuilder is, starting small so that lines outgrow it. */
class Sink implements LineSink {
  bytes = new Uint8Array(16)
  length = 0
  reserve(n: number): Uint8Array {
    if (this.length + n > this.bytes.length) {
      const grown = new Uint8Array(2 * (this.length + n))
      grown.set(this.bytes.subarray(0, this.length))
      this.bytes = grown
    }
    return this.bytes
  }
  advanceTo(end: number): void {
    this.length = end
  }
  append(text: string): number {
    const bytes = new TextEncoder().encode(text)
    this.reserve(bytes.length).set(bytes, this.length)
    this.length += bytes.length
    return bytes.length
  }
  text(): string {
    return new TextDecoder().decode(this.bytes.subarray(0, this.length))
  }
}

const options: EncodeOptions = { comment: "ci@example", createdMillis: Date.UTC(2026, 11, 5) }

/** The line as it is built from strings: each form's text (or bytes), then `keyJsonLine`. */
const fromStrings = (type: KeyType, formats: ReadonlyArray<KeyFormat>, fields: number, index: number, pair: KeyPair) =>
  keyJsonLine(
    keyLineTemplate({ type, formats, fields }),
    index,
    formats.map((format) => {
      const text = encodeKeyText(pair, format, options)
      return text !== undefined ? lineValueOfText(format, text) : lineValueOfBytes(format, encodeKeyNow(pair, format, options)!)
    })
  )

const written = (writer: KeyLineWriter, index: number, pair: KeyPair) => {
  const sink = new Sink()
  writer.write(sink, index, pair)
  return sink.text()
}

/** Every form of the type whose bytes are the same from run to run (not the encrypted ones, nor OpenSSH's private file: random salts, IVs, check bytes). */
const steadyFormats = (type: KeyType): Array<KeyFormat> =>
  KEY_FORMATS.filter((f) => formatSupports(f, type) && !f.startsWith("openssh-private") && !f.startsWith("pkcs8-encrypted"))

describe("keyLineWriter", () => {
  // noble's SHA-256 and one written through a copy (as a native kernel writes into the caller's 32 bytes).
  const hashes = [["noble's", nobleSha256Into], ["another", (data: Uint8Array, out: Uint8Array) => out.set(sha256(data))]] as const
  for (const type of KEY_TYPES.filter((t) => KEY_INFO[t].family !== "rsa")) {
    for (const [name, hash] of hashes) {
      it(`writes the bytes keyJsonLine gives from every form's text (${type}, every form a field then the fingerprints, ${name} SHA-256)`, () => {
        const formats = steadyFormats(type)
        const writer = keyLineWriter({ type, formats, fields: formats.length }, options, hash)!
        for (const index of [0, 9, 12_345_677]) {
          const pair = portableKeyKernel.generateNow!(type)!
          expect(written(writer, index, pair)).toBe(fromStrings(type, formats, formats.length, index, pair))
        }
      })
    }
  }

  it("writes only the fields and the fingerprints, wherever they are in the forms (PEM fields, fingerprints after)", () => {
    const formats: ReadonlyArray<KeyFormat> = ["jwk-thumbprint", "pkcs8-pem", "spki-der", "ssh-fingerprint", "jwk-public"]
    const writer = keyLineWriter({ type: "ecdsa-p384", formats, fields: 3 }, options)!
    const pair = portableKeyKernel.generateNow!("ecdsa-p384")!
    const line = written(writer, 41, pair)
    expect(line).toBe(fromStrings("ecdsa-p384", formats, 3, 41, pair))
    expect(Object.keys(JSON.parse(line))).toEqual(["index", "type", "jwk-thumbprint", "pkcs8-pem", "spki-der", "sshFingerprint", "jwkThumbprint"])
  })

  it("is not made where a form needs a derivation of its own (encrypted PKCS#8 without the run's key)", () => {
    const layout = { type: "ed25519" as const, formats: ["pkcs8-encrypted-pem", "jwk-thumbprint"] as const, fields: 1 }
    expect(keyLineWriter(layout, { ...options, passphrase: new TextEncoder().encode("pw") })).toBeUndefined()
  })

  it("names the form it could not write, and nothing of the key", () => {
    // X25519 has no OpenSSH form (validateKeygen refuses the request before a worker would write it).
    const writer = keyLineWriter({ type: "x25519", formats: ["ssh-fingerprint"], fields: 1 }, options)!
    const pair = portableKeyKernel.generateNow!("x25519")!
    let thrown: unknown
    try {
      written(writer, 0, pair)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(LineValueFailed)
    expect(thrown).toEqual(new LineValueFailed("ssh-fingerprint"))
  })
})
