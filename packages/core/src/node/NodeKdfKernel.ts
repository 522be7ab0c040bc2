import { Layer } from "effect"
import { KdfKernel, makeKdfKernel } from "../derive/KdfKernel.js"
import { adopting, type StartedDerivation } from "../derive/startedDerivation.js"
import { functions } from "./nodeKdfFunctions.js"

export { functions }

export const kernelName = (): string => `node:crypto (OpenSSL ${process.versions.openssl})`

export const layer: Layer.Layer<KdfKernel> = Layer.sync(KdfKernel)(() => makeKdfKernel(kernelName(), functions))

/**
 * The same kernel, whose first call for `started`'s derivation takes over that call, begun
 * before the pool loaded (`startDerivation`), instead of starting another.
 */
export const layerStarted = (started: StartedDerivation): Layer.Layer<KdfKernel> =>
  Layer.sync(KdfKernel)(() => makeKdfKernel(kernelName(), adopting(functions, started)))
