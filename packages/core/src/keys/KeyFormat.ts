import { Schema } from "effect"
import type { Pbes2Kdf, Pbes2Key } from "./Pbes2Key.js"
import { hasOpenSsh, type KeyType } from "./KeyType.js"

/**
 * Every form Sluice writes a key in. Text forms are UTF-8 and end with a newline, as the
 * tools write their files; the two fingerprints are bare values.
 */
export const KEY_FORMATS = [
  "pkcs8-pem",
  "pkcs8-der",
  "pkcs8-encrypted-pem",
  "pkcs8-encrypted-der",
  "spki-pem",
  "spki-der",
  "jwk",
  "jwk-public",
  "openssh-private",
  "openssh-private-encrypted",
  "openssh-public",
  "age-identity",
  "age-recipient",
  "ssh-fingerprint",
  "jwk-thumbprint"
] as const

export const KeyFormat = Schema.Literals(KEY_FORMATS)
export type KeyFormat = typeof KeyFormat.Type

/** The forms that hold the private key: written 0600, never logged, wiped when done. */
export const SECRET_FORMATS: ReadonlySet<KeyFormat> = new Set([
  "pkcs8-pem",
  "pkcs8-der",
  "pkcs8-encrypted-pem",
  "pkcs8-encrypted-der",
  "jwk",
  "openssh-private",
  "openssh-private-encrypted",
  "age-identity"
])

export const ENCRYPTED_FORMATS: ReadonlySet<KeyFormat> = new Set(["pkcs8-encrypted-pem", "pkcs8-encrypted-der", "openssh-private-encrypted"])

export const isKeyFormat = (s: string): s is KeyFormat => (KEY_FORMATS as ReadonlyArray<string>).includes(s)

/** Whether `format` has an encoding of `type`: OpenSSH's three families; age's X25519 only. */
export const formatSupports = (format: KeyFormat, type: KeyType): boolean => {
  if (format.startsWith("openssh") || format === "ssh-fingerprint") return hasOpenSsh(type)
  if (format.startsWith("age")) return type === "x25519"
  return true
}

export interface EncodeOptions {
  /** Required by encrypted OpenSSH, and by encrypted PKCS#8 unless `pbes2Key` is given; unused by the others. */
  readonly passphrase?: Uint8Array | undefined
  /** Encrypted PKCS#8's key, derived once for the run: each key gets its own IV under it. */
  readonly pbes2Key?: Pbes2Key | undefined
  /** The OpenSSH comment (the `authorized_keys` line's and the private file's). */
  readonly comment?: string | undefined
  /** PBES2's key derivation for encrypted PKCS#8. */
  readonly pbe?: Pbes2Kdf | undefined
  /** age-keygen's `# created:` line. */
  readonly createdMillis: number
}

/** bcrypt_pbkdf rounds of an encrypted OpenSSH key: ssh-keygen's default (`-a 16`). */
export const BCRYPT_ROUNDS = 16
