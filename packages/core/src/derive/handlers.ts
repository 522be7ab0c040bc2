import { Effect, Option } from "effect"
import { secretsOf } from "./DeriveParams.js"
import { DeriveRpcs } from "./DeriveRpcs.js"
import { KdfKernel, makeKdfKernel, NOBLE_KERNEL, portableFunctions } from "./KdfKernel.js"
import { validateDerive } from "./validateDerive.js"

/**
 * The worker's side of `derive`: checks the request again (a worker trusts no caller),
 * derives with the environment's kernel, and wipes the secret it was sent. The caller
 * sends a copy (`derive` does), so this never touches the caller's own bytes.
 *
 * The kernel is the platform's `KdfKernel` (node:crypto, WebCrypto) where its worker entry
 * provides one, noble's otherwise: an environment without one still derives, only slower.
 */
export const DeriveHandlersLive = DeriveRpcs.toLayer(Effect.gen(function*() {
  const kernel = Option.getOrElse(yield* Effect.serviceOption(KdfKernel), () => makeKdfKernel(NOBLE_KERNEL, portableFunctions))
  return DeriveRpcs.of({
    Derive: ({ params }) =>
      validateDerive(params).pipe(
        Effect.andThen(kernel.derive(params)),
        Effect.map((key) => ({ key })),
        Effect.ensuring(Effect.sync(() => secretsOf(params).forEach((secret) => secret.fill(0))))
      )
  })
}))
