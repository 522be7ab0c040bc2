/** Keygen's handlers over node:crypto, writing key files where a request asks: what a Node worker loads on its first key. */
import { Layer } from "effect"
import type { SealKernel } from "../age/sealKey.js"
import { AgeSealKernel } from "../keys/AgeSealKernel.js"
import { KeygenHandlersLive } from "../keys/handlers.js"
import * as NodeKeyFiles from "./NodeKeyFiles.js"
import * as NodeKeyKernel from "./NodeKeyKernel.js"

/** Node's sealing kernel (libsodium's X25519), loaded by the first request that seals, once. */
let sealKernelMade: Promise<SealKernel> | undefined
const sealKernel = (): Promise<SealKernel> => sealKernelMade ??= import("./NodeSealKernel.js").then((m) => m.makeNodeSealKernel())

export const handlers = KeygenHandlersLive.pipe(Layer.provide(Layer.mergeAll(NodeKeyKernel.layer, NodeKeyFiles.layer, Layer.succeed(AgeSealKernel)(sealKernel))))

/** Loads what the first request would (libsodium, through the kernel; this module's code is loaded by now). */
export const warm = (): void => {
  NodeKeyKernel.make()
}
