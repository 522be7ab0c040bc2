/** Stage seven of the page's load (main.tsx; see nobleSha2.ts): noble's Curve25519, X25519 and Ed25519. */
import { ed25519, x25519 } from "@noble/curves/ed25519.js"

export const loaded = [ed25519, x25519] as const
