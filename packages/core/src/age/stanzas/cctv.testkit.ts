/**
 * A small reader of the CCTV age vectors for the stanza tests (file format: CCTV
 * age/README.md, design §2): the `key: value` lines, then the age file. Its header reader
 * is lenient on purpose and test-only: it finds the stanzas and the MAC'd bytes of
 * well-formed headers, and answers undefined where a header is not one (the real parser,
 * age/header.ts, is another module's). Armor is removed by a lenient decoder for the same reason.
 */
import { hkdf } from "@noble/hashes/hkdf.js"
import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { ageCctvVector } from "@sluice/vectors"
import { decodeBase64 } from "../base64.js"
import type { Stanza } from "../stanza.js"
import { equalBytes } from "./wrapKey.js"

export interface CctvVector {
  readonly name: string
  readonly expect: string
  readonly fileKey?: string
  readonly identities: ReadonlyArray<string>
  readonly passphrases: ReadonlyArray<string>
  readonly armored: boolean
  readonly file: Uint8Array
}

export const readCctv = (name: string): CctvVector => {
  const { fields, file } = ageCctvVector(name)
  const values = (key: string) => fields.filter(([k]) => k === key).map(([, v]) => v)
  return {
    name,
    expect: values("expect")[0]!,
    ...(values("file key").length > 0 ? { fileKey: values("file key")[0]! } : {}),
    identities: values("identity"),
    passphrases: values("passphrase"),
    armored: values("armored")[0] === "yes",
    file
  }
}

/** The bytes inside a PEM-like armor, leniently (test-only). */
const dearmor = (file: Uint8Array): Uint8Array | undefined => {
  const text = new TextDecoder().decode(file)
  const match = /-----BEGIN AGE ENCRYPTED FILE-----\r?\n([\s\S]*?)-----END AGE ENCRYPTED FILE-----/.exec(text)
  if (match === null) return undefined
  return new Uint8Array(Buffer.from(match[1]!.replace(/\s+/g, ""), "base64"))
}

export interface CctvHeader {
  readonly stanzas: ReadonlyArray<Stanza>
  /** The header bytes the MAC covers: from the version line through `---`. */
  readonly macInput: Uint8Array
  readonly mac: Uint8Array
}

/** The header's stanzas, or undefined where it is not a well-formed one. */
export const readHeader = (vector: CctvVector): CctvHeader | undefined => {
  const file = vector.armored ? dearmor(vector.file) : vector.file
  if (file === undefined) return undefined
  const text = new TextDecoder("latin1").decode(file)
  if (!text.startsWith("age-encryption.org/v1\n")) return undefined
  const stanzas: Array<Stanza> = []
  let at = "age-encryption.org/v1\n".length
  const line = () => {
    const nl = text.indexOf("\n", at)
    if (nl < 0) return undefined
    const l = text.slice(at, nl)
    at = nl + 1
    return l
  }
  for (;;) {
    const start = at
    const l = line()
    if (l === undefined) return undefined
    if (l.startsWith("--- ")) {
      const mac = decodeBase64(l.slice(4))
      if (mac === undefined || mac.length !== 32) return undefined
      return { stanzas, macInput: file.subarray(0, start + 3), mac }
    }
    if (!l.startsWith("-> ")) return undefined
    const [type, ...args] = l.slice(3).split(" ")
    if (type === undefined || type === "" || args.some((a) => a === "")) return undefined
    let b64 = ""
    for (;;) {
      const bodyLine = line()
      if (bodyLine === undefined || bodyLine.length > 64) return undefined
      b64 += bodyLine
      if (bodyLine.length < 64) break
    }
    const body = decodeBase64(b64)
    if (body === undefined) return undefined
    stanzas.push({ type, args, body })
  }
}

/** The header of an age file's bytes (not armored), or undefined. */
export const readAgeFile = (file: Uint8Array): CctvHeader | undefined =>
  readHeader({ name: "file", expect: "success", identities: [], passphrases: [], armored: false, file })

/** The header MAC check as the spec says it [§Header MAC]: HMAC-SHA-256 under HKDF(file key, "", "header"), compared in constant time. */
export const verifyMacOf = (header: CctvHeader) => (fileKey: Uint8Array): boolean => {
  const key = hkdf(sha256, fileKey, new Uint8Array(0), new TextEncoder().encode("header"), 32)
  return equalBytes(hmac(sha256, key, header.macInput), header.mac)
}

export const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
export const fromHex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16))
