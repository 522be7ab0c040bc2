/**
 * Every operation the engine serves, in one place: the pool serves the union of their
 * RPC groups (with the engine's own), and each worker runs the union of their handlers.
 * An operation is added here and nowhere else in the engine (docs/ARCHITECTURE.md).
 */
import { Layer } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"
import { AgeRpcs } from "./age/AgeRpcs.js"
import { type AgeHandlersLoader, ageHandlersLazy, portableAge } from "./age/lazyHandlers.js"
import { DeriveRpcs } from "./derive/DeriveRpcs.js"
import { deriveHandlersLazy, UNLOADED_KERNEL } from "./derive/lazyHandlers.js"
import { EngineHandlersLive, EngineRpcs } from "./engine/pool/EngineRpcs.js"
import { lazyHandlers } from "./engine/pool/lazyHandlers.js"
import { HashHandlersLive } from "./hash/handlers.js"
import { HashRpcs } from "./hash/HashRpcs.js"
import { GenerationFailed, keygenError } from "./keys/KeyError.js"
import { KeygenRpcs } from "./keys/KeygenRpcs.js"

export const Operations = EngineRpcs.merge(HashRpcs, DeriveRpcs, KeygenRpcs, AgeRpcs)

/** The keygen handlers with a platform's key kernel, loaded when the first key is asked for. */
export type KeygenHandlersLoader = () => Promise<Layer.Layer<Rpc.ToHandler<RpcGroup.Rpcs<typeof KeygenRpcs>>>>

/** Keygen's handlers over the portable kernel (noble): where a platform gives none of its own. */
export const portableKeygen: KeygenHandlersLoader = () => import("./keys/handlers.js").then((m) => m.KeygenHandlersLive)

/** The kernel a request names when its operation's code could not be loaded where it ran. */
const UNLOADED = UNLOADED_KERNEL

/**
 * What a worker (or the calling thread) runs; needs the platform's sources and kernels.
 * Derive and keygen load on their first request, not when a worker starts: a worker that
 * only hashes never evaluates their tables, ciphers and WebAssembly. `age` loads age's
 * handlers with the platform's ChaCha20-Poly1305 (noble's by default). `keygen` is the
 * platform's way to load keygen with its own kernel (node:crypto, WebCrypto). Code that
 * cannot be loaded (a chunk missing from a split bundle) fails each request as its kernel
 * failing would ("ed25519: the unloadable kernel failed"), not as a defect.
 */
export const operationHandlers = (keygen: KeygenHandlersLoader = portableKeygen, age: AgeHandlersLoader = portableAge) =>
  Layer.mergeAll(
    EngineHandlersLive,
    HashHandlersLive,
    deriveHandlersLazy(),
    lazyHandlers(KeygenRpcs, keygen, (request) => keygenError(new GenerationFailed({ type: "type" in request ? request.type : "ml-kem-768", kernel: UNLOADED }))),
    ageHandlersLazy(age)
  )

/** Every operation's handlers, keygen over the portable kernel. */
export const OperationHandlers = operationHandlers()
