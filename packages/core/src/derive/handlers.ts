import { Effect } from "effect"
import { DeriveRpcs } from "./DeriveRpcs.js"
import { handleDerive, kdfKernel } from "./request.js"

/**
 * The worker's side of `derive` (`handleDerive`): checks the request again, derives with
 * the environment's kernel, and wipes the secret it was sent.
 *
 * The kernel is the platform's `KdfKernel` (node:crypto, WebCrypto) where its worker entry
 * provides one, noble's otherwise: an environment without one still derives, only slower.
 */
export const DeriveHandlersLive = DeriveRpcs.toLayer(Effect.map(kdfKernel, (kernel) => DeriveRpcs.of({ Derive: handleDerive(kernel) })))
