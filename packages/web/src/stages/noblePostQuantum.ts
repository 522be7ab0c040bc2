/** Stage seven of the page's load (main.tsx; see nobleHashes.ts): noble's ML-KEM. */
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js"

export const loaded = ml_kem768
