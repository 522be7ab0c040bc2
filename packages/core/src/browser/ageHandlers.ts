/**
 * Age's handlers for a page's workers (and the page's own fallback), their ChaCha20-Poly1305
 * chosen at run time: our WebAssembly SIMD kernel where SIMD validates (~1.65x libsodium's
 * bytes per CPU-second), else libsodium's WebAssembly where it starts, else noble's. Loaded
 * on a worker's first age task (`operationHandlers`' age seam), so a worker that only
 * hashes never compiles a cipher, and one with SIMD never fetches libsodium.
 */
import { ageHandlers } from "../age/handlers.js"
import { simdAead } from "../age/kernels/chacha20poly1305Simd.js"
import { nobleAead } from "../age/nobleAead.js"
import type { Aead } from "../age/stream.js"
import { loadSodiumAead } from "./sodiumAead.js"

/** The fastest ChaCha20-Poly1305 that runs here. */
export const browserAead = async (): Promise<Aead> => simdAead() ?? (await loadSodiumAead()) ?? nobleAead

export const load = async () => ageHandlers(await browserAead())
