/**
 * A whole age file around stanzas, for interop tests only: the header written as the spec
 * lays it out [C2SP age §Header], its MAC, a nonce and one final STREAM chunk [§Payload]
 * (plaintext under 64 KiB). The real header and STREAM modules are another engineer's
 * (age/header.ts, age/stream.ts); this lets a peer read our stanzas meanwhile.
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { hkdf } from "@noble/hashes/hkdf.js"
import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { encodeBase64 } from "../base64.js"
import type { Stanza } from "../stanza.js"
import { concatBytes, randomBytes } from "./wrapKey.js"

const encoder = new TextEncoder()

const bodyLines = (body: Uint8Array): string => {
  const text = encodeBase64(body)
  const lines: Array<string> = []
  for (let at = 0; at < text.length; at += 64) lines.push(text.slice(at, at + 64))
  // The body ends with a line shorter than 64 columns, empty if need be.
  if (lines.length === 0 || lines.at(-1)!.length === 64) lines.push("")
  return lines.join("\n")
}

export const ageFile = (stanzas: ReadonlyArray<Stanza>, fileKey: Uint8Array, plaintext: Uint8Array): Uint8Array => {
  if (plaintext.length >= 65536) throw new Error("one chunk only")
  const header = encoder.encode(
    `age-encryption.org/v1\n${stanzas.map((s) => `-> ${[s.type, ...s.args].join(" ")}\n${bodyLines(s.body)}\n`).join("")}---`
  )
  const mac = hmac(sha256, hkdf(sha256, fileKey, new Uint8Array(0), encoder.encode("header"), 32), header)
  const nonce = randomBytes(16)
  const payloadKey = hkdf(sha256, fileKey, nonce, encoder.encode("payload"), 32)
  const chunk = chacha20poly1305(payloadKey, Uint8Array.of(...new Uint8Array(11), 1)).encrypt(plaintext)
  return concatBytes(header, encoder.encode(` ${encodeBase64(mac)}\n`), nonce, chunk)
}
