/** Stage eight of the page's load (main.tsx; see nobleSha2.ts): noble's ML-KEM. */
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js"

export const loaded = ml_kem768
