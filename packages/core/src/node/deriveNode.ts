/**
 * `@sluice/core/node/derive`: what a Node program that derives one key needs before its
 * derivation starts, without Effect: the checks (`checkDerive`), the parameters' types,
 * the key's encodings, and `startDerivation`, which begins node:crypto's call on libuv's
 * threads. The pool that runs the derivation as a task (its deadline, retries and typed
 * errors) is `@sluice/core/node/derive-engine`, loaded while the call runs; its task takes
 * the call over, and its typed errors (`deriveErrorOf` a problem found here) are there. Neither
 * brings the hash and keygen operations, the result cache or the worker platform that
 * `@sluice/core/node` does. The same modules as the full entries: a `DeriveError` from
 * there is the one `@sluice/core` exports.
 */
import type { DeriveParams } from "../derive/params.js"
import { startDerivation as start, type StartedDerivation } from "../derive/startedDerivation.js"
import { functions } from "./nodeKdfFunctions.js"

export { checkDerive, DERIVE_LIMITS, type DeriveProblem } from "../derive/checkDerive.js"
export type { DeriveParams, KdfAlgorithm } from "../derive/params.js"
export { secretsOf } from "../derive/params.js"
export { phcString, phcSupported } from "../derive/phc.js"
export type { StartedDerivation } from "../derive/startedDerivation.js"

/**
 * Starts node:crypto's derivation of `params` (checked: `checkDerive`) now; the pool
 * of `@sluice/core/node/derive-engine`'s `layerDeriveStarted` takes it over.
 */
export const startDerivation = (params: DeriveParams): StartedDerivation => start(functions, params)
