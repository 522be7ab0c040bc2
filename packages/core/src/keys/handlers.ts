import { Clock, Effect, Option } from "effect"
import { encodeKey } from "./encodeKey.js"
import type { KeyFormat } from "./KeyFormat.js"
import { EncodingFailed, keygenError } from "./KeyError.js"
import type { EncodedKey } from "./KeygenRpcs.js"
import { KeygenRpcs } from "./KeygenRpcs.js"
import { KeyKernel, portableKeyKernel } from "./KeyKernel.js"
import { wipe } from "./KeyPair.js"
import { validateKeygen } from "./validateKeygen.js"

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
