import type { Layer } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"
import { lazyHandlers } from "../engine/pool/lazyHandlers.js"
import type { ByteSource } from "../engine/ByteSource.js"
import { AgeRpcs } from "./AgeRpcs.js"

/** Age's handlers with a platform's AEAD kernel (Node: `nodeAead()`; a browser: its own), as a layer. */
export type AgeHandlersLoader = () => Promise<Layer.Layer<Rpc.ToHandler<RpcGroup.Rpcs<typeof AgeRpcs>>, never, ByteSource>>

/** Age's handlers over noble's ChaCha20-Poly1305: where a platform gives no kernel of its own. */
export const portableAge: AgeHandlersLoader = () => import("./handlers.js").then((m) => m.AgeHandlersPortable)

/**
 * Age's handlers, loaded on the first request: a worker that only hashes never evaluates a
 * cipher. Code that cannot be loaded fails the request as a defect of its worker.
 */
export const ageHandlersLazy = (load: AgeHandlersLoader = portableAge) => lazyHandlers(AgeRpcs, load)
