/**
 * One key in one form, as bytes: the encoders of every format. Apart from `KeyFormat.ts`
 * (the names and what each holds), so that the Keygen group, which only names formats,
 * does not load the encoders and their ciphers: a worker loads them with the handlers, on
 * its first key.
 */
import { type Bytes } from "./der.js"
import { ageKeyFile, ageRecipient } from "./formats/age.js"
import { encryptedPkcs8Der, encryptedPkcs8DerWithKey, encryptedPkcs8Pem } from "./formats/encryptedPkcs8.js"
import { privateJwk, publicJwk, thumbprintOf } from "./formats/jwk.js"
import { authorizedKeysLine, opensshPrivateKey, sshFingerprint } from "./formats/openssh.js"
import { armor, utf8 } from "./formats/pem.js"
import { pkcs8Der, pkcs8Pem, spkiDer, spkiPem } from "./formats/pkcs8.js"
import type { EncodeOptions, KeyFormat } from "./KeyFormat.js"
import type { KeyPair } from "./KeyPair.js"

const needPassphrase = (options: EncodeOptions): Uint8Array => {
  if (options.passphrase === undefined) throw new Error("no passphrase")
  return options.passphrase
}

/**
 * A text form's text, made at once: undefined for the DER forms, and for encrypted PKCS#8
 * without the run's key (its own derivation is asynchronous). `encodeKey` gives the same
 * text's UTF-8; a bulk writer that wants text (a JSON line) takes it here, with no bytes,
 * promise or decoding in between. What this throws must be reported without its text.
 */
export const encodeKeyText = (pair: KeyPair, format: KeyFormat, options: EncodeOptions): string | undefined => {
  switch (format) {
    case "pkcs8-pem":
      return pkcs8Pem(pair)
    // Under the run's key (its salt, this key's own IV); without it, `encodeKey` derives one.
    case "pkcs8-encrypted-pem":
      return options.pbes2Key !== undefined ? armor("ENCRYPTED PRIVATE KEY", encryptedPkcs8DerWithKey(pair, options.pbes2Key)) : undefined
    case "spki-pem":
      return spkiPem(pair)
    case "jwk":
      return `${JSON.stringify(privateJwk(pair))}\n`
    case "jwk-public":
      return `${JSON.stringify(publicJwk(pair))}\n`
    case "openssh-private":
      return opensshPrivateKey(pair, options.comment ?? "")
    case "openssh-private-encrypted":
      return opensshPrivateKey(pair, options.comment ?? "", needPassphrase(options))
    case "openssh-public":
      return `${authorizedKeysLine(pair, options.comment ?? "")}\n`
    case "age-identity":
      return ageKeyFile(pair, options.createdMillis)
    case "age-recipient":
      return `${ageRecipient(pair)}\n`
    case "ssh-fingerprint":
      return sshFingerprint(pair)
    case "jwk-thumbprint":
      return thumbprintOf(pair)
    case "pkcs8-der":
    case "pkcs8-encrypted-der":
    case "spki-der":
      return undefined
  }
}

/**
 * A binary form's bytes, made at once: undefined for the text forms (`encodeKeyText`), and
 * for encrypted PKCS#8 without the run's key (its own derivation is asynchronous).
 */
export const encodeKeyNow = (pair: KeyPair, format: KeyFormat, options: EncodeOptions): Bytes | undefined => {
  switch (format) {
    case "pkcs8-der":
      return pkcs8Der(pair)
    case "spki-der":
      return spkiDer(pair)
    case "pkcs8-encrypted-der":
      return options.pbes2Key !== undefined ? encryptedPkcs8DerWithKey(pair, options.pbes2Key) : undefined
    default:
      return undefined
  }
}


/**
 * One key in one form, as bytes. Formats and passphrase are checked before this is
 * called (validateKeygen); what this throws must be reported without its text.
 */
export const encodeKey = async (pair: KeyPair, format: KeyFormat, options: EncodeOptions): Promise<Bytes> => {
  const text = encodeKeyText(pair, format, options)
  if (text !== undefined) return utf8(text)
  switch (format) {
    case "pkcs8-encrypted-pem":
      return utf8(await encryptedPkcs8Pem(pair, needPassphrase(options), options.pbe))
    case "pkcs8-der":
      return pkcs8Der(pair)
    // Under the run's key when there is one (its salt, this key's own IV); else a key derived for this one.
    case "pkcs8-encrypted-der":
      return options.pbes2Key !== undefined
        ? encryptedPkcs8DerWithKey(pair, options.pbes2Key)
        : encryptedPkcs8Der(pair, needPassphrase(options), options.pbe)
    case "spki-der":
      return spkiDer(pair)
    default:
      throw new Error(`no encoder for ${format}`)
  }
}
