import { randomBytes } from "@noble/hashes/utils.js"
import { Duration, Effect } from "effect"
import { derive } from "../derive/derive.js"
import type { DeriveParams } from "../derive/DeriveParams.js"
import type { OutputFailed, WorkerError } from "../engine/errors.js"
import { Deadline, type TaskPolicy } from "../engine/pool/TaskPolicy.js"
import { WorkerPool } from "../engine/pool/WorkerPool.js"
import { EncodingFailed, type KeygenError, keygenError } from "./KeyError.js"
import { type EncodedKey, type GeneratedKeys, type GenerateKeysRequest, KeygenRpcs } from "./KeygenRpcs.js"
import type { KeyType } from "./KeyType.js"
import { copyPbes2Key, PBES2_KEY_BYTES, PBES2_SALT_BYTES, type Pbes2Kdf, type Pbes2Key, PBKDF2_ITERATIONS, SCRYPT, SCRYPT_LOG_N } from "./Pbes2Key.js"
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
 * Encrypted PKCS#8's key for a run of many keys: one new random salt, one derivation (scrypt
 * N=2^14 r=8 p=1, or PBKDF2-HMAC-SHA256 600,000 rounds) as a `Derive` task on the pool,
 * never on a page's main thread (scrypt's policy forbids the fallback). The passphrase
 * sent is a copy; the key returned is the caller's to send (`pbes2Key`) and to wipe
 * (`key.fill(0)`) when the run ends. `type` only names the key type in an error.
 */
export const derivePbes2Key = (
  passphrase: Uint8Array,
  kdf: Pbes2Kdf = "scrypt",
  type: KeyType = "ed25519"
): Effect.Effect<Pbes2Key, KeygenError | WorkerError, WorkerPool> =>
  Effect.suspend(() => {
    const salt = randomBytes(PBES2_SALT_BYTES)
    // A plain copy, wiped below: `derive` copies with `slice`, a view of a Node Buffer.
    const password = new Uint8Array(passphrase)
    const params: DeriveParams = kdf === "scrypt"
      ? { algorithm: "scrypt", password, salt, logN: SCRYPT_LOG_N, r: SCRYPT.r, p: SCRYPT.p, length: PBES2_KEY_BYTES }
      : { algorithm: "pbkdf2-sha256", password, salt, iterations: PBKDF2_ITERATIONS, length: PBES2_KEY_BYTES }
    return derive(params).pipe(
      // Parameters are Sluice's own: a refusal is a fault here, told without its inputs.
      Effect.catchTag("DeriveError", () =>
        Effect.fail(keygenError(new EncodingFailed({ type, format: `encrypted PKCS#8 (${kdf} key derivation)` })))),
      Effect.map((derived): Pbes2Key => {
        // A plain array of its own (a kernel may give a Node Buffer, whose `slice` is a view), the original wiped.
        const key = new Uint8Array(derived)
        derived.fill(0)
        return kdf === "scrypt" ? { kdf, salt, key, ...SCRYPT } : { kdf, salt, key, iterations: PBKDF2_ITERATIONS }
      }),
      Effect.ensuring(Effect.sync(() => password.fill(0)))
    )
  })

/**
 * Generates a batch of keys on the pool: checks the request on this thread before any
 * work, then runs one `GenerateKeys` task. The passphrase and derived key sent are copies
 * (the handler wipes what it is given); the keys returned are the caller's alone to write
 * and wipe. Given only a passphrase, each encrypted PKCS#8 key derives its own key on the
 * worker; a caller with many keys derives one first (`derivePbes2Key`) and sends it.
 */
export const generateKeys = (
  request: GenerateKeysRequest
): Effect.Effect<ReadonlyArray<EncodedKey>, KeygenError | WorkerError | OutputFailed, WorkerPool> =>
  Effect.map(generateKeyBatch(request), (batch) => batch.keys)

/**
 * `generateKeys` with the whole answer: the keys, or with `request.lines` the batch's JSON
 * Lines, or with `request.files` its files (`OutputFailed` when the worker was to write
 * them and could not).
 */
export const generateKeyBatch = (
  request: GenerateKeysRequest
): Effect.Effect<GeneratedKeys, KeygenError | WorkerError | OutputFailed, WorkerPool> =>
  Effect.gen(function*() {
    yield* validateKeygen(request)
    const pool = yield* WorkerPool
    return yield* pool.client(KeygenRpcs).run(keygenPolicy(request), (client) =>
      Effect.suspend(() => {
        // Copies per attempt, wiped here once sent: the handler wipes the ones it gets.
        const passphrase = request.passphrase === undefined ? undefined : new Uint8Array(request.passphrase)
        const pbes2Key = request.pbes2Key === undefined ? undefined : copyPbes2Key(request.pbes2Key)
        return client.GenerateKeys({
          ...request,
          ...(passphrase === undefined ? {} : { passphrase }),
          ...(pbes2Key === undefined ? {} : { pbes2Key })
        }).pipe(
          Effect.ensuring(Effect.sync(() => {
            passphrase?.fill(0)
            pbes2Key?.key.fill(0)
          }))
        )
      }))
  })

/**
 * age-keygen -pq's key file made on the pool (`GenerateAgeHybridKeyFile`): the text, which
 * holds the secret key (the caller's to write and wipe), and its recipient. The main thread
 * runs no ML-KEM: a cold key generation costs ~60 ms of CPU in noble, a warm one 2-5 ms.
 * The deadline is generous (a cold worker loads the code first); the calling thread may
 * make it where there is no worker, as keygen's other tasks.
 */
export const generateAgeHybridKeyFile = (): Effect.Effect<{ readonly file: Uint8Array; readonly recipient: string }, KeygenError | WorkerError, WorkerPool> =>
  Effect.flatMap(WorkerPool, (pool) =>
    pool.client(KeygenRpcs).run({ deadline: Deadline.cpu(Duration.seconds(5)), idempotent: false, fallback: true }, (client) => client.GenerateAgeHybridKeyFile({})))
