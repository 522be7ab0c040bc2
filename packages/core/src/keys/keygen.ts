import { Duration, Effect } from "effect"
import type { WorkerError } from "../engine/errors.js"
import { Deadline, type TaskPolicy } from "../engine/pool/TaskPolicy.js"
import { WorkerPool } from "../engine/pool/WorkerPool.js"
import type { KeygenError } from "./KeyError.js"
import { type EncodedKey, type GenerateKeysRequest, KeygenRpcs } from "./KeygenRpcs.js"
import { estimateCpuMillis, validateKeygen } from "./validateKeygen.js"

/**
 * How the pool runs a batch of key generations:
 * - a CPU deadline from the type, the count and the passphrase KDFs (no progress is sent,
 *   so only a batch far past its estimate has hung);
 * - not idempotent: a batch run again gives other keys. Nothing of a failed attempt was
 *   seen (its keys die with its worker), so running it again would be harmless, but the
 *   engine's `idempotent` promises the same result, and a silent retry of a long RSA
 *   batch would spend minutes unseen: a failed batch fails, and the job runner (or the
 *   user) asks for a new one, knowingly;
 * - allowed on the calling thread where the platform lets tasks fall back;
 * - never cached: no result of it goes near the result cache (keys are secrets, and a
 *   cached key would be handed out twice).
 */
export const keygenPolicy = (request: GenerateKeysRequest): TaskPolicy => ({
  deadline: Deadline.cpu(Duration.millis(estimateCpuMillis(request))),
  idempotent: false,
  fallback: true
})

/**
 * Generates a batch of keys on the pool: checks the request on this thread before any
 * work, then runs one `GenerateKeys` task. The passphrase sent is a copy (the handler
 * wipes what it is given); the keys returned are the caller's alone to write and wipe.
 */
export const generateKeys = (
  request: GenerateKeysRequest
): Effect.Effect<ReadonlyArray<EncodedKey>, KeygenError | WorkerError, WorkerPool> =>
  Effect.gen(function*() {
    yield* validateKeygen(request)
    const pool = yield* WorkerPool
    const { keys } = yield* pool.client(KeygenRpcs).run(keygenPolicy(request), (client) =>
      Effect.suspend(() => {
        // A copy per attempt, wiped here once sent: the handler wipes the one it gets.
        const passphrase = request.passphrase?.slice()
        return client.GenerateKeys(passphrase === undefined ? request : { ...request, passphrase }).pipe(
          Effect.ensuring(Effect.sync(() => passphrase?.fill(0)))
        )
      }))
    return keys
  })
