/** Stage nine of the page's load (main.tsx; see nobleSha2.ts): noble's NIST curves. */
import { p256 } from "@noble/curves/nist.js"

export const loaded = p256
