/** Stage ten of the page's load (main.tsx; see nobleSha2.ts): noble's AES. */
import { ctr } from "@noble/ciphers/aes.js"

export const loaded = ctr
