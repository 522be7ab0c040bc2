/**
 * `@sluice/core/node/derive`: key derivation alone, for a Node program that derives and
 * does nothing else (`sluice derive`). It reaches derive's operation, its checks, its
 * errors and an inline pool that serves derive's group only, and none of the hash and
 * keygen operations, the result cache or the worker platform that `@sluice/core/node`
 * brings: a program that imports only this evaluates a fraction of the engine before its
 * first call. The same modules as the full entries: a `DeriveError` from here is the one
 * `@sluice/core` exports.
 */
import { Layer } from "effect"
import { DeriveHandlersInline, DeriveRequests } from "../derive/request.js"
import { layerInline } from "../engine/pool/inlinePool.js"
import type { WorkerPool } from "../engine/pool/poolService.js"
import * as NodeKdfKernel from "./NodeKdfKernel.js"

export { derive, derivePolicy } from "../derive/derive.js"
export { DERIVE_LIMITS, validateDerive } from "../derive/validateDerive.js"
export { type DeriveError, isInvalidParameters } from "../derive/DeriveError.js"
export type { DeriveParams, KdfAlgorithm } from "../derive/params.js"
export { secretsOf } from "../derive/params.js"
export { phcString, phcSupported } from "../derive/phc.js"
export { WorkerPool } from "../engine/pool/poolService.js"
/** `writeAtomically` (atomicFile.ts), loaded when a key is to be written to a file: after the derivation. */
export const loadWriteAtomically = (): Promise<typeof import("./atomicFile.js").writeAtomically> =>
  import("./atomicFile.js").then((m) => m.writeAtomically)

/**
 * Derivations on the calling thread, node:crypto's kernels on libuv's threads: the pool
 * `@sluice/core/node`'s `layerInline` is for derive's tasks (the same deadline, retries and
 * typed errors), without the other operations' handlers. Derive's handlers are here from
 * the start, not loaded on the first request: a program that imports this derives.
 */
export const layerDeriveInline: Layer.Layer<WorkerPool> = layerInline({ group: DeriveRequests, handlers: DeriveHandlersInline }).pipe(
  Layer.provide(NodeKdfKernel.layer)
)
