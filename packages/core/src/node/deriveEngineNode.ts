/**
 * `@sluice/core/node/derive-engine`: derive's operation on an inline pool that serves
 * derive alone (its deadline, retries and typed errors), node:crypto's kernels on libuv's
 * threads. A program that derives imports `@sluice/core/node/derive` first, starts the
 * derivation, and loads this while it runs (`layerDeriveStarted`).
 */
import { Layer } from "effect"
import { DeriveHandlersInline, DeriveRequests } from "../derive/request.js"
import type { KdfKernel } from "../derive/KdfKernel.js"
import type { StartedDerivation } from "../derive/startedDerivation.js"
import { layerInline } from "../engine/pool/inlinePool.js"
import type { WorkerPool } from "../engine/pool/poolService.js"
import * as NodeKdfKernel from "./NodeKdfKernel.js"

export { derive, derivePolicy } from "../derive/derive.js"
export { type DeriveError, deriveErrorOf, isInvalidParameters } from "../derive/DeriveError.js"
export { validateDerive } from "../derive/validateDerive.js"
export { WorkerPool } from "../engine/pool/poolService.js"
/** `writeAtomically` (atomicFile.ts), loaded when a key is to be written to a file: after the derivation. */
export const loadWriteAtomically = (): Promise<typeof import("./atomicFile.js").writeAtomically> =>
  import("./atomicFile.js").then((m) => m.writeAtomically)

const inline = (kernel: Layer.Layer<KdfKernel>): Layer.Layer<WorkerPool> =>
  layerInline({ group: DeriveRequests, handlers: DeriveHandlersInline }).pipe(Layer.provide(kernel))

/**
 * Derivations on the calling thread, node:crypto's kernels on libuv's threads: the pool
 * `@sluice/core/node`'s `layerInline` is for derive's tasks (the same deadline, retries and
 * typed errors), without the other operations' handlers. Derive's handlers are here from
 * the start, not loaded on the first request: a program that imports this derives.
 */
export const layerDeriveInline: Layer.Layer<WorkerPool> = inline(NodeKdfKernel.layer)

/** The same, whose task for `started`'s derivation takes over that call instead of starting another. */
export const layerDeriveStarted = (started: StartedDerivation): Layer.Layer<WorkerPool> => inline(NodeKdfKernel.layerStarted(started))
