/**
 * SSH RSA keys as age recipients and identities (agessh.go; not in the C2SP spec):
 * `-> ssh-rsa <tag>`, body = RSAES-OAEP(SHA-256, MGF1-SHA-256, label
 * "age-encryption.org/v1/ssh-rsa", file key), through the platform's kernel.
 */
import type { AgeKeyKernel, RsaKeyPair, RsaPublicKey } from "../AgeKeyKernel.js"
import type { Stanza } from "../stanza.js"
import { fileKeyResult, malformed, noMatch, type UnwrapResult } from "./result.js"
import { sshTag } from "./sshTag.js"
import { ascii, FILE_KEY_BYTES } from "./wrapKey.js"

export const SSH_RSA_TYPE = "ssh-rsa"
const LABEL = ascii("age-encryption.org/v1/ssh-rsa")
/** agessh refuses to encrypt to a smaller modulus. */
export const MIN_RSA_BITS = 2048

/** The modulus's size in bits. */
export const rsaBits = (key: RsaPublicKey): number => {
  let start = 0
  while (start < key.n.length && key.n[start] === 0) start++
  if (start === key.n.length) return 0
  return (key.n.length - start - 1) * 8 + (32 - Math.clz32(key.n[start]!))
}

export const wrap = async (fileKey: Uint8Array, recipient: RsaPublicKey, kernel: AgeKeyKernel): Promise<Stanza> => {
  if (rsaBits(recipient) < MIN_RSA_BITS) throw new Error(`an ssh-rsa recipient of fewer than ${MIN_RSA_BITS} bits`)
  const body = await kernel.rsaOaepEncrypt(recipient, LABEL, fileKey)
  return { type: SSH_RSA_TYPE, args: [sshTag(recipient)], body }
}

/**
 * The file key from an ssh-rsa stanza, as agessh reads it: another type or another key's
 * tag is no match; the wrong number of arguments is an error; with our tag, a body that
 * does not decrypt (or does not hold a 16-byte key) is an error, not a reason to try the
 * next identity.
 */
export const unwrap = async (stanza: Stanza, identity: RsaKeyPair, kernel: AgeKeyKernel): Promise<UnwrapResult> => {
  if (stanza.type !== SSH_RSA_TYPE) return noMatch
  if (stanza.args.length !== 1) return malformed(SSH_RSA_TYPE, `${stanza.args.length + 1} arguments, not 2`)
  if (stanza.args[0] !== sshTag(identity)) return noMatch
  const fileKey = await kernel.rsaOaepDecrypt(identity, LABEL, stanza.body)
  if (fileKey === undefined) return { _tag: "Undecryptable", stanza: SSH_RSA_TYPE }
  if (fileKey.length !== FILE_KEY_BYTES) {
    fileKey.fill(0)
    return malformed(SSH_RSA_TYPE, `a wrapped key of ${fileKey.length} bytes, not ${FILE_KEY_BYTES}`)
  }
  return fileKeyResult(fileKey)
}
