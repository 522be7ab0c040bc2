/** Keygen's handlers over node:crypto: what a Node worker loads on its first key. */
import { Layer } from "effect"
import { KeygenHandlersLive } from "../keys/handlers.js"
import * as NodeKeyKernel from "./NodeKeyKernel.js"

export const handlers = KeygenHandlersLive.pipe(Layer.provide(NodeKeyKernel.layer))
