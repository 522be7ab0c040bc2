import { deriveError, KdfFailed } from "./DeriveError.js"
import { DeriveRpcs } from "./DeriveRpcs.js"
import { lazyHandlers } from "../engine/pool/lazyHandlers.js"

/** The kernel a request names when derive's code could not be loaded where it ran. */
export const UNLOADED_KERNEL = "unloadable"

/**
 * Derive's handlers, loaded on the first request (`lazyHandlers`): a worker that only
 * hashes never evaluates the KDF code. Code that cannot be loaded (a chunk missing from a
 * split bundle) fails each request as its kernel failing would. A new layer on each call,
 * as each pool builds its own with its own kernel.
 */
export const deriveHandlersLazy = () => lazyHandlers(
  DeriveRpcs,
  () => import("./handlers.js").then((m) => m.DeriveHandlersLive),
  ({ params }) => deriveError(new KdfFailed({ algorithm: params.algorithm, kernel: UNLOADED_KERNEL }))
)
