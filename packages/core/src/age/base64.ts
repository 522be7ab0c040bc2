/**
 * age's base64 [C2SP age §Conventions]: RFC 4648's standard alphabet without `=` padding,
 * canonical only (the unused low bits of the last character are zero). A decoder refuses
 * anything else, padding, line breaks and non-canonical text included: two spellings of one
 * value would let a header be changed without changing what it decodes to. Never decode age
 * data with `Buffer.from(text, "base64")`, which accepts all of these.
 */
import { base64nopad } from "@scure/base"

/** Bytes as canonical unpadded base64. */
export const encodeBase64 = (bytes: Uint8Array): string => base64nopad.encode(bytes)

/** Canonical unpadded base64 decoded, or undefined for any other text (padding, CR/LF, bad tail bits). */
export const decodeBase64 = (text: string): Uint8Array | undefined => {
  try {
    return base64nopad.decode(text)
  } catch {
    return undefined
  }
}
