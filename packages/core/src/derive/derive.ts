import { Effect } from "effect"
import type { WorkerError } from "../engine/errors.js"
import { Deadline, type TaskPolicy } from "../engine/pool/TaskPolicy.js"
import { WorkerPool } from "../engine/pool/poolService.js"
import type { DeriveError } from "./DeriveError.js"
import { copyParams, type DeriveParams, isMemoryHard } from "./params.js"
import { DeriveRequests } from "./request.js"
import { type DeriveLimitsOptions, estimateCpu, validateDerive } from "./validateDerive.js"

/**
 * What the request carries: the caller's bytes copied, since the handler wipes the
 * secret it is given, and a handler on the calling thread is given the very object sent.
 */
const request = copyParams

/**
 * How the pool runs a derivation: a CPU deadline from its iteration count (it sends no
 * progress, so silence says nothing: only a derivation far past its estimate has hung);
 * tried again after a crash (the same inputs give the same key); and allowed on the
 * calling thread where the platform's pool lets tasks fall back (Node's does after a
 * crash; a page's only while its workers cannot run, and WebCrypto does not block it).
 * scrypt and Argon2id never fall back: their kernels hold the thread they run on for the
 * whole derivation (WebAssembly), and a page's main thread must never be that thread.
 * Only a pool that has no workers at all (`-w 0`, `layerInline`) runs them there.
 */
export const derivePolicy = (params: DeriveParams): TaskPolicy => ({
  deadline: Deadline.cpu(estimateCpu(params)),
  idempotent: true,
  fallback: !isMemoryHard(params)
})

/**
 * Derives a key: checks every parameter on this thread before any work, then runs one
 * `Derive` task on the pool. `limits` is the caller's memory ceiling for scrypt and
 * Argon2id (the worker checks again against the fixed one). The key is the caller's
 * alone: it is not cached, logged or kept, and the copy of the secret sent to the task is
 * wiped there once used.
 */
export const derive = (
  params: DeriveParams,
  limits: DeriveLimitsOptions = {}
): Effect.Effect<Uint8Array<ArrayBuffer>, DeriveError | WorkerError, WorkerPool> =>
  Effect.gen(function*() {
    yield* validateDerive(params, limits)
    const pool = yield* WorkerPool
    const { key } = yield* pool.client(DeriveRequests).run(derivePolicy(params), (client) => client.Derive({ params: request(params) }))
    return key
  })
