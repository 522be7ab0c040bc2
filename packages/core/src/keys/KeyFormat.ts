import { Schema } from "effect"
import { type Bytes } from "./der.js"
import { ageKeyFile, ageRecipient } from "./formats/age.js"
import { encryptedPkcs8Der, encryptedPkcs8Pem, type Pbes2Kdf } from "./formats/encryptedPkcs8.js"
import { privateJwk, publicJwk, thumbprintOf } from "./formats/jwk.js"
import { authorizedKeysLine, opensshPrivateKey, sshFingerprint } from "./formats/openssh.js"
import { utf8 } from "./formats/pem.js"
import { pkcs8Der, pkcs8Pem, spkiDer, spkiPem } from "./formats/pkcs8.js"
import type { KeyPair } from "./KeyPair.js"
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
  /** Required by the encrypted forms, unused by the others. */
  readonly passphrase?: Uint8Array | undefined
  /** The OpenSSH comment (the `authorized_keys` line's and the private file's). */
  readonly comment?: string | undefined
  /** PBES2's key derivation for encrypted PKCS#8. */
  readonly pbe?: Pbes2Kdf | undefined
  /** age-keygen's `# created:` line. */
  readonly createdMillis: number
}

const line = (s: string) => utf8(`${s}\n`)
const json = (o: object) => line(JSON.stringify(o))

const needPassphrase = (options: EncodeOptions): Uint8Array => {
  if (options.passphrase === undefined) throw new Error("no passphrase")
  return options.passphrase
}

/**
 * One key in one form, as bytes. Formats and passphrase are checked before this is
 * called (validateKeygen); what this throws must be reported without its text.
 */
export const encodeKey = async (pair: KeyPair, format: KeyFormat, options: EncodeOptions): Promise<Bytes> => {
  switch (format) {
    case "pkcs8-pem":
      return utf8(pkcs8Pem(pair))
    case "pkcs8-der":
      return pkcs8Der(pair)
    case "pkcs8-encrypted-pem":
      return utf8(await encryptedPkcs8Pem(pair, needPassphrase(options), options.pbe))
    case "pkcs8-encrypted-der":
      return encryptedPkcs8Der(pair, needPassphrase(options), options.pbe)
    case "spki-pem":
      return utf8(spkiPem(pair))
    case "spki-der":
      return spkiDer(pair)
    case "jwk":
      return json(privateJwk(pair))
    case "jwk-public":
      return json(publicJwk(pair))
    case "openssh-private":
      return utf8(opensshPrivateKey(pair, options.comment ?? ""))
    case "openssh-private-encrypted":
      return utf8(opensshPrivateKey(pair, options.comment ?? "", needPassphrase(options)))
    case "openssh-public":
      return line(authorizedKeysLine(pair, options.comment ?? ""))
    case "age-identity":
      return utf8(ageKeyFile(pair, options.createdMillis))
    case "age-recipient":
      return line(ageRecipient(pair))
    case "ssh-fingerprint":
      return utf8(sshFingerprint(pair))
    case "jwk-thumbprint":
      return utf8(thumbprintOf(pair))
  }
}

