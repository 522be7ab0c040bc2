/** Keygen's handlers over node:crypto, writing key files where a request asks: what a Node worker loads on its first key. */
import { Layer } from "effect"
import { AgeSealKernel } from "../keys/AgeSealKernel.js"
import { KeygenHandlersLive } from "../keys/handlers.js"
import * as NodeKeyFiles from "./NodeKeyFiles.js"
import * as NodeKeyKernel from "./NodeKeyKernel.js"
import { makeNodeSealKernel } from "./NodeSealKernel.js"

export const handlers = KeygenHandlersLive.pipe(Layer.provide(Layer.mergeAll(NodeKeyKernel.layer, NodeKeyFiles.layer, Layer.sync(AgeSealKernel)(() => makeNodeSealKernel()))))

/** Loads what the first request would (libsodium, through the kernel; this module's code is loaded by now). */
export const warm = (): void => {
  NodeKeyKernel.make()
}
