/**
 * How the Keys tool shows and writes a key's forms: text forms as text, DER in base64
 * (as `sluice keygen --jsonl` writes them), JWKs as objects; and which forms the tool
 * asks for besides the ones picked (the fingerprints it shows and writes).
 */
import { type GeneratedKey, type KeyFormat, formatSupports, type KeyType, SECRET_FORMATS } from "@sluice/core/browser"

export const BINARY_FORMATS: ReadonlySet<KeyFormat> = new Set(["pkcs8-der", "pkcs8-encrypted-der", "spki-der"])
export const FINGERPRINT_FORMATS: ReadonlySet<KeyFormat> = new Set(["ssh-fingerprint", "jwk-thumbprint"])

export const FORMAT_LABELS: Readonly<Record<KeyFormat, string>> = {
  "pkcs8-pem": "PKCS#8 PEM (private)",
  "pkcs8-der": "PKCS#8 DER (private)",
  "pkcs8-encrypted-pem": "Encrypted PKCS#8 PEM (private)",
  "pkcs8-encrypted-der": "Encrypted PKCS#8 DER (private)",
  "spki-pem": "SPKI PEM (public)",
  "spki-der": "SPKI DER (public)",
  "jwk": "JWK (private)",
  "jwk-public": "JWK (public)",
  "openssh-private": "OpenSSH (private)",
  "openssh-private-encrypted": "Encrypted OpenSSH (private)",
  "openssh-public": "OpenSSH authorized_keys (public)",
  "age-identity": "age identity (private)",
  "age-recipient": "age recipient (public)",
  "ssh-fingerprint": "SSH fingerprint (SHA-256)",
  "jwk-thumbprint": "JWK thumbprint (RFC 7638)"
}

/** The forms a person picks from (the fingerprints are always shown and written). */
export const PICKABLE_FORMATS = (Object.keys(FORMAT_LABELS) as Array<KeyFormat>).filter((f) => !FINGERPRINT_FORMATS.has(f))

/** The forms `type` has, in the pickers' order. */
export const formatsFor = (type: KeyType): Array<KeyFormat> => PICKABLE_FORMATS.filter((f) => formatSupports(f, type))

/** What is ticked when a type is chosen: its usual private and public files. */
export const defaultFormats = (type: KeyType): Array<KeyFormat> =>
  (["pkcs8-pem", "spki-pem", "openssh-public", "age-identity", "age-recipient"] as Array<KeyFormat>).filter((f) => formatSupports(f, type))

/** What the tool asks the pool for: the picked forms, then the type's fingerprints. */
export const requestedFormats = (type: KeyType, picked: ReadonlyArray<KeyFormat>): Array<KeyFormat> => [
  ...picked.filter((f) => formatSupports(f, type) && !FINGERPRINT_FORMATS.has(f)),
  ...[...FINGERPRINT_FORMATS].filter((f) => formatSupports(f, type))
]

const utf8 = new TextDecoder()

const base64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** A form as the page shows it: text, or base64 for DER. */
export const formText = (format: KeyFormat, bytes: Uint8Array): string =>
  BINARY_FORMATS.has(format) ? base64(bytes) : utf8.decode(bytes)

export const isSecret = (format: KeyFormat): boolean => SECRET_FORMATS.has(format)

/**
 * One key as a JSON line, the shape `sluice keygen --jsonl` writes: its index (from 1),
 * its type, each picked form (DER in base64, JWK as an object), its fingerprints.
 */
export const jsonLine = (type: KeyType, key: GeneratedKey): string => {
  const forms: Record<string, unknown> = {}
  let sshFingerprint: string | undefined
  let jwkThumbprint: string | undefined
  for (const { bytes, format } of key.outputs) {
    if (format === "ssh-fingerprint") sshFingerprint = utf8.decode(bytes)
    else if (format === "jwk-thumbprint") jwkThumbprint = utf8.decode(bytes)
    else forms[format] = format === "jwk" || format === "jwk-public" ? JSON.parse(utf8.decode(bytes)) : formText(format, bytes)
  }
  return JSON.stringify({
    index: key.index + 1,
    type,
    ...forms,
    ...(sshFingerprint === undefined ? {} : { sshFingerprint }),
    ...(jwkThumbprint === undefined ? {} : { jwkThumbprint })
  }) + "\n"
}

/** Zeroes a key's private forms once they are written or shown. */
export const wipeSecrets = (key: GeneratedKey): void => {
  for (const output of key.outputs) if (SECRET_FORMATS.has(output.format)) output.bytes.fill(0)
}
