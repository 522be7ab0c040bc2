/** Keygen's handlers over WebCrypto (noble for what the browser lacks): what a page's worker loads on its first key. */
import { Layer } from "effect"
import { KeygenHandlersLive } from "../keys/handlers.js"
import * as WebCryptoKeyKernel from "./WebCryptoKeyKernel.js"

export const handlers = KeygenHandlersLive.pipe(Layer.provide(WebCryptoKeyKernel.layerBest))
