import { Context, Effect, Layer, Option } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"
import type { Derive } from "./DeriveRpcs.js"
import { KdfKernel, makeKdfKernel, NOBLE_KERNEL, portableFunctions } from "./KdfKernel.js"
import { type DeriveParams, secretsOf } from "./params.js"
import { validateDerive } from "./validateDerive.js"

/**
 * Derive's one request as a pool and its handlers know it, without its schemas: its tag,
 * the key effect gives it (`Rpc.make`: `effect/rpc/Rpc/<tag>`), and that its answer is not
 * a stream. A pool on the calling thread needs no more, and a program that only derives so
 * never loads the RPC modules or Effect's Schema; requests that cross to a worker use
 * DeriveRpcs, whose request this stands for (request.test.ts holds the two together).
 */
export const DERIVE_TAG = "Derive"
export const DERIVE_KEY = `effect/rpc/Rpc/${DERIVE_TAG}`

/** `DeriveRpcs` for `pool.client(...)`: a pool checks the tags it serves, and a task calls `client.Derive`. */
export const DeriveRequests = {
  requests: new Map([[DERIVE_TAG, { _tag: DERIVE_TAG, key: DERIVE_KEY, successSchema: undefined }]])
} as unknown as RpcGroup.RpcGroup<typeof Derive>

/** The environment's kernel (node:crypto, WebCrypto) where it provides one, noble's otherwise. */
export const kdfKernel: Effect.Effect<KdfKernel["Service"]> = Effect.map(
  Effect.serviceOption(KdfKernel),
  Option.getOrElse(() => makeKdfKernel(NOBLE_KERNEL, portableFunctions))
)

/**
 * The handler of a `Derive` request: checks it again (a worker trusts no caller), derives
 * with `kernel`, and wipes the secret it was sent. The caller sends a copy (`derive` does),
 * so this never touches the caller's own bytes.
 */
export const handleDerive = (kernel: KdfKernel["Service"]) => ({ params }: { readonly params: DeriveParams }) =>
  validateDerive(params).pipe(
    Effect.andThen(kernel.derive(params)),
    Effect.map((key) => ({ key })),
    Effect.ensuring(Effect.sync(() => secretsOf(params).forEach((secret) => secret.fill(0))))
  )

/**
 * Derive's handler for a pool on the calling thread, as `DeriveRpcs.toLayer` would give it
 * (the handler under its request's key, with the services it was built with), without the
 * RPC modules.
 */
export const DeriveHandlersInline: Layer.Layer<Rpc.ToHandler<typeof Derive>> = Layer.effectContext(Effect.gen(function*() {
  const services = yield* Effect.context<never>()
  const kernel = yield* kdfKernel
  return Context.makeUnsafe(new Map([[DERIVE_KEY, { tag: DERIVE_TAG, handler: handleDerive(kernel), context: services }]]))
})) as unknown as Layer.Layer<Rpc.ToHandler<typeof Derive>>
