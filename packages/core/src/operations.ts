/**
 * Every operation the engine serves, in one place: the pool serves the union of their
 * RPC groups (with the engine's own), and each worker runs the union of their handlers.
 * An operation is added here and nowhere else in the engine (docs/ARCHITECTURE.md).
 */
import { Layer } from "effect"
import { DeriveRpcs } from "./derive/DeriveRpcs.js"
import { EngineHandlersLive, EngineRpcs } from "./engine/pool/EngineRpcs.js"
import { lazyHandlers } from "./engine/pool/lazyHandlers.js"
import { HashHandlersLive } from "./hash/handlers.js"
import { HashRpcs } from "./hash/HashRpcs.js"

export const Operations = EngineRpcs.merge(HashRpcs, DeriveRpcs)

/**
 * What a worker (or the calling thread) runs; needs the platform's sources and kernels.
 * `KdfKernel` is optional: without one, derivations use the portable kernel.
 */
export const OperationHandlers = Layer.mergeAll(
  EngineHandlersLive,
  HashHandlersLive,
  // Loaded by a worker (or this thread) on its first derivation, not when it starts.
  lazyHandlers(DeriveRpcs, () => import("./derive/handlers.js").then((m) => m.DeriveHandlersLive))
)
