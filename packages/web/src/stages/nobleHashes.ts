/** Stage six of the page's load (main.tsx; see nobleSha2.ts): noble's SHA-3, HKDF and ChaCha20-Poly1305. */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { hkdf } from "@noble/hashes/hkdf.js"
import { sha3_256 } from "@noble/hashes/sha3.js"

export const loaded = [chacha20poly1305, hkdf, sha3_256] as const
