/** Stage nine of the page's load (main.tsx; see nobleHashes.ts): noble's ML-DSA and AES. */
import { ctr } from "@noble/ciphers/aes.js"
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js"

export const loaded = [ctr, ml_dsa65] as const
