/**
 * Age's handlers for a page's workers (and the page's own fallback): libsodium's
 * WebAssembly ChaCha20-Poly1305 where it starts, noble's otherwise. Loaded on a worker's
 * first age task (`operationHandlers`' age seam), so a worker that only hashes never
 * fetches libsodium.
 */
import { ageHandlers } from "../age/handlers.js"
import { nobleAead } from "../age/nobleAead.js"
import { loadSodiumAead } from "./sodiumAead.js"

export const load = async () => ageHandlers((await loadSodiumAead()) ?? nobleAead)
