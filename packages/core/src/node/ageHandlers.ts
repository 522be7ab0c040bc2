/** Age's handlers over Node's fastest ChaCha20-Poly1305 (sodium-native, else node:crypto), loaded on the first age task. */
import { ageHandlers } from "../age/handlers.js"
import { nodeAead } from "./NodeAgeAead.js"

export const handlers = ageHandlers(nodeAead())
