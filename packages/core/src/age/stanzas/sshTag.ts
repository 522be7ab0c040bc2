import { sha256 } from "@noble/hashes/sha2.js"
import type { PublicKey } from "../../keys/KeyPair.js"
import { publicBlob } from "../../keys/formats/openssh.js"
import { encodeBase64 } from "../base64.js"

/**
 * The tag of an SSH key in its stanzas (agessh.go `sshFingerprint`, not in the C2SP spec):
 * the first 4 bytes of SHA-256 over the key's SSH wire encoding (RFC 4253 §6.6, RFC 8709
 * §4), in age's base64: 6 characters. It names which key a stanza is for, so an identity
 * can pass over others' stanzas, and an encrypted key is unlocked only for its own.
 */
export const sshTag = (key: PublicKey): string => encodeBase64(sha256(publicBlob(key)).subarray(0, 4))
