import { Clock, Effect, Option } from "effect"
import { encodeKey } from "./encodeKey.js"
import type { KeyFormat } from "./KeyFormat.js"
import { EncodingFailed, GenerationFailed, type KeygenError, keygenError } from "./KeyError.js"
import type { EncodeOptions } from "./KeyFormat.js"
import type { KeyType } from "./KeyType.js"
import type { EncodedKey } from "./KeygenRpcs.js"
import { KeygenRpcs } from "./KeygenRpcs.js"
import { KeyKernel, portableKeyKernel } from "./KeyKernel.js"
import { type KeyPair, wipe } from "./KeyPair.js"
import { validateKeygen } from "./validateKeygen.js"

/** Why a key of the hot path failed, carried out of its promise. */
class KeygenFailure {
  constructor(readonly error: KeygenError) {}
}

/** One key pair written in every form, its parts wiped whatever happens. */
const encodeAll = async (
  pair: KeyPair,
  type: KeyType,
  formats: ReadonlyArray<KeyFormat>,
  options: EncodeOptions
): Promise<EncodedKey["outputs"]> => {
  try {
    const outputs: Array<EncodedKey["outputs"][number]> = []
    for (const format of formats) {
      let bytes: EncodedKey["outputs"][number]["bytes"]
      try {
        bytes = await encodeKey(pair, format, options)
      } catch {
        throw new KeygenFailure(keygenError(new EncodingFailed({ type, format })))
      }
      outputs.push({ format, bytes })
    }
    return outputs
  } finally {
    wipe(pair)
  }
}

/**
 * The worker's side of key generation: checks the request again (a worker trusts no
 * caller), generates each key with the environment's kernel, writes it in every form
 * asked, and wipes the key's parts and the passphrase and derived key it was sent. The
 * caller sends copies of both (`generateKeys` does), so its own bytes are untouched. With
 * a derived key, each encrypted PKCS#8 key is encrypted under it with its own IV, and no
 * KDF runs here; without one, each derives its own (as encrypted OpenSSH keys always do).
 *
 * The kernel is the platform's `KeyKernel` (node:crypto, WebCrypto) where its worker entry
 * provides one, noble's otherwise (every type but RSA).
 */
export const KeygenHandlersLive = KeygenRpcs.toLayer(Effect.gen(function*() {
  const kernel = Option.getOrElse(yield* Effect.serviceOption(KeyKernel), () => portableKeyKernel)
  return KeygenRpcs.of({
    GenerateKeys: (request) =>
      Effect.gen(function*() {
        yield* validateKeygen(request)
        const createdMillis = yield* Clock.currentTimeMillis
        const options = { passphrase: request.passphrase, pbes2Key: request.pbes2Key, comment: request.comment, pbe: request.pbe, createdMillis }
        const one = Effect.acquireUseRelease(
          kernel.generate(request.type),
          (pair) =>
            Effect.forEach(request.formats, (format: KeyFormat) =>
              Effect.tryPromise({
                try: () => encodeKey(pair, format, options),
                catch: () => keygenError(new EncodingFailed({ type: request.type, format }))
              }).pipe(Effect.map((bytes) => ({ format, bytes })))),
          (pair) => Effect.sync(() => wipe(pair))
        )
        const now = kernel.generateNow
        const first = yield* Effect.try({
          try: () => now?.(request.type),
          catch: () => keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name }))
        })
        if (now !== undefined && first !== undefined) {
          // The hot path (curves, ML-*): the whole batch in one promise, no Effect per key.
          // It checks for an interrupt between keys and lets the event loop turn every
          // 20 ms, so a cancel or a deadline still stops it within about that long.
          return yield* Effect.tryPromise({
            try: async (signal) => {
              const keys: Array<EncodedKey> = []
              let turned = Date.now()
              for (let i = 0; i < request.count && !signal.aborted; i++) {
                let pair: KeyPair | undefined
                try {
                  pair = i === 0 ? first : now(request.type)
                } catch {
                  throw new KeygenFailure(keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name })))
                }
                if (pair === undefined) throw new KeygenFailure(keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name })))
                keys.push({ outputs: await encodeAll(pair, request.type, request.formats, options) })
                if (Date.now() - turned >= 20) {
                  await new Promise((resolve) => setTimeout(resolve, 0))
                  turned = Date.now()
                }
              }
              return { keys }
            },
            catch: (error) => error instanceof KeygenFailure ? error.error : keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name }))
            // The first key is wiped here too, should the batch stop before it was written.
          }).pipe(Effect.ensuring(Effect.sync(() => wipe(first))))
        }
        const keys: Array<EncodedKey> = []
        for (let i = 0; i < request.count; i++) {
          keys.push({ outputs: yield* one })
          // A batch of RSA keys is long: let an interrupt in between keys.
          yield* Effect.yieldNow
        }
        return { keys }
      }).pipe(Effect.ensuring(Effect.sync(() => {
        request.passphrase?.fill(0)
        request.pbes2Key?.key.fill(0)
      })))
  })
}))
