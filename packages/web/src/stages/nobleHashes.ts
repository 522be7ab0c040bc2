/**
 * Stage five of the page's load (main.tsx), the first of four for the cryptography core's
 * browser platform links statically for its age and key code (its workers' requests and
 * the age header's checks): noble's hashes and ChaCha20-Poly1305. Evaluated with core's
 * modules, noble's made the core stage one task of 16-24 ms of CPU (Chromium traces at
 * load 5), the longest of the load, as each module builds its tables while it is
 * evaluated; split over these stages, none takes more than a few ms. Each names only what
 * core uses, so the build keeps nothing more.
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { hkdf } from "@noble/hashes/hkdf.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { sha3_256 } from "@noble/hashes/sha3.js"

export const loaded = [chacha20poly1305, hkdf, sha256, sha3_256] as const
