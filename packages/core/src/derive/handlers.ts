import { Effect } from "effect"
import { isPbkdf2 } from "./DeriveParams.js"
import { DeriveRpcs } from "./DeriveRpcs.js"
import { KdfKernel } from "./KdfKernel.js"
import { validateDerive } from "./validateDerive.js"

/**
 * The worker's side of `derive`: checks the request again (a worker trusts no caller),
 * derives with the environment's kernel, and wipes the secret it was sent. The caller
 * sends a copy (`derive` does), so this never touches the caller's own bytes.
 */
export const DeriveHandlersLive = DeriveRpcs.toLayer(Effect.gen(function*() {
  const kernel = yield* KdfKernel
  return DeriveRpcs.of({
    Derive: ({ params }) =>
      validateDerive(params).pipe(
        Effect.andThen(kernel.derive(params)),
        Effect.map((key) => ({ key })),
        Effect.ensuring(Effect.sync(() => (isPbkdf2(params) ? params.password : params.ikm).fill(0)))
      )
  })
}))
