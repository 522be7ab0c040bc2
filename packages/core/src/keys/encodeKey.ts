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
    // Under the run's key when there is one (its salt, this key's own IV); else a key derived for this one.
    case "pkcs8-encrypted-pem":
      return utf8(options.pbes2Key !== undefined
        ? armor("ENCRYPTED PRIVATE KEY", encryptedPkcs8DerWithKey(pair, options.pbes2Key))
        : await encryptedPkcs8Pem(pair, needPassphrase(options), options.pbe))
    case "pkcs8-encrypted-der":
      return options.pbes2Key !== undefined
        ? encryptedPkcs8DerWithKey(pair, options.pbes2Key)
        : encryptedPkcs8Der(pair, needPassphrase(options), options.pbe)
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

