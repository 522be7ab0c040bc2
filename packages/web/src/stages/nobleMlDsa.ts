/** Stage eleven of the page's load (main.tsx; see nobleSha2.ts): noble's ML-DSA. */
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js"

export const loaded = ml_dsa65
