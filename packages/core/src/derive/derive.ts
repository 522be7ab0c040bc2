import { Effect, Layer } from "effect"
import { RpcTest } from "effect/rpc"
import type { DeriveError } from "./DeriveError.js"
import { type DeriveParams, isPbkdf2 } from "./DeriveParams.js"
import { DeriveRpcs } from "./DeriveRpcs.js"
import { DeriveHandlersLive } from "./handlers.js"
import type { KdfKernel } from "./KdfKernel.js"
import { estimateCpu, validateDerive } from "./validateDerive.js"

/**
 * What the request carries: the caller's bytes copied, since the handler wipes the
 * secret it is given, and a handler on this thread is given the very object sent.
 */
const request = (params: DeriveParams): DeriveParams =>
  isPbkdf2(params)
    ? { ...params, password: params.password.slice(), salt: params.salt.slice() }
    : { ...params, ikm: params.ikm.slice(), salt: params.salt.slice(), info: params.info.slice() }

/**
 * How the pool runs a derivation: one task, judged by a CPU deadline from its iteration
 * count (it sends no progress, so a stall timeout would kill a healthy PBKDF2), tried
 * again after a crash (the same inputs give the same key), and allowed on the calling
 * thread where the platform allows it.
 */
export const derivePolicy = (params: DeriveParams) => ({
  cpu: estimateCpu(params),
  idempotent: true,
  fallback: true
}) as const

/**
 * Derives a key: checks every parameter on this thread before any work, then runs one
 * `Derive` task. The key is the caller's alone: it is not cached, logged or kept, and the
 * copy of the secret sent to the task is wiped there once used.
 *
 * Until the generic pool lands, the task runs on the handlers over this thread's
 * `KdfKernel`; then it goes to `pool.client(DeriveRpcs).run(policy, ...)`.
 */
export const derive = (params: DeriveParams): Effect.Effect<Uint8Array<ArrayBuffer>, DeriveError, KdfKernel> =>
  validateDerive(params).pipe(
    Effect.andThen(Effect.scoped(Effect.gen(function*() {
      const client = yield* RpcTest.makeClient(DeriveRpcs)
      const { key } = yield* client.Derive({ params: request(params) })
      return key
    }).pipe(Effect.provide(Layer.fresh(DeriveHandlersLive)))))
  )
