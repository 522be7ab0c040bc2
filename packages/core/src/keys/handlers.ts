import { Clock, Effect, Option } from "effect"
import { encodeKey, encodeKeyText } from "./encodeKey.js"
import { utf8 } from "./formats/pem.js"
import { type KeyFormat, SECRET_FORMATS } from "./KeyFormat.js"
import { EncodingFailed, GenerationFailed, type KeygenError, keygenError } from "./KeyError.js"
import type { EncodeOptions } from "./KeyFormat.js"
import type { KeyType } from "./KeyType.js"
import type { EncodedKey, GeneratedKeys, GenerateKeysRequest } from "./KeygenRpcs.js"
import { keyJsonLine, keyLineTemplate, lineValueOfBytes, lineValueOfText } from "./keyLines.js"
import { KeygenRpcs } from "./KeygenRpcs.js"
import { KeyKernel, portableKeyKernel } from "./KeyKernel.js"
import { type KeyPair, wipe } from "./KeyPair.js"
import { validateKeygen } from "./validateKeygen.js"

/** Why a key of the hot path failed, carried out of its promise. */
class KeygenFailure {
  constructor(readonly error: KeygenError) {}
}

const encodingFailed = (type: KeyType, format: KeyFormat) => new KeygenFailure(keygenError(new EncodingFailed({ type, format })))

/**
 * One key pair written in every form, its parts wiped whatever happens: text forms at once
 * (`encodeKeyText`), only the DER forms and a derivation through a promise.
 */
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
        const text = encodeKeyText(pair, format, options)
        bytes = text !== undefined ? utf8(text) : await encodeKey(pair, format, options)
      } catch {
        throw encodingFailed(type, format)
      }
      outputs.push({ format, bytes })
    }
    return outputs
  } finally {
    wipe(pair)
  }
}

/**
 * One key pair's values in a JSON line (`keyLines.ts`), in the order of `formats`, its parts
 * wiped whatever happens. Text forms go straight from their text, with no bytes between.
 */
const lineValues = async (
  pair: KeyPair,
  type: KeyType,
  formats: ReadonlyArray<KeyFormat>,
  options: EncodeOptions,
  values: Array<string>
): Promise<void> => {
  try {
    for (let i = 0; i < formats.length; i++) {
      const format = formats[i]!
      try {
        const text = encodeKeyText(pair, format, options)
        values[i] = text !== undefined ? lineValueOfText(format, text) : lineValueOfBytes(format, await encodeKey(pair, format, options))
      } catch {
        throw encodingFailed(type, format)
      }
    }
  } finally {
    wipe(pair)
  }
}

const encoder = new TextEncoder()

/**
 * A batch's lines as UTF-8 in one buffer, written as each is made: sized from the first
 * line for the whole batch (a key type's lines differ by a few bytes at most), grown by
 * doubling past that, an outgrown buffer wiped (it holds private forms).
 */
class LineBytes {
  private bytes = new Uint8Array(0)
  private used = 0
  constructor(private readonly count: number) {}
  append(line: string): void {
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    const most = 3 * line.length
    if (this.used + most > this.bytes.length) {
      const size = this.used === 0
        ? Math.ceil(encoder.encode(line).length * this.count * 1.0625) + most + 1024
        : Math.max(2 * this.bytes.length, this.used + most)
      const grown = new Uint8Array(size)
      grown.set(this.bytes.subarray(0, this.used))
      this.bytes.fill(0)
      this.bytes = grown
    }
    this.used += encoder.encodeInto(line, this.bytes.subarray(this.used)).written
  }
  /** The lines written, a view of the buffer (transferred whole). */
  take(): Uint8Array<ArrayBuffer> {
    return this.bytes.subarray(0, this.used)
  }
  wipe(): void {
    this.bytes.fill(0)
  }
}

/** Keys already made, as the batch's lines (the slow path: RSA, or a kernel without `generateNow`). */
const linesOf = (request: GenerateKeysRequest, layout: { readonly first: number; readonly fields: number }, keys: ReadonlyArray<EncodedKey>): Uint8Array<ArrayBuffer> => {
  const template = keyLineTemplate({ type: request.type, formats: request.formats, fields: layout.fields })
  const lines = new LineBytes(keys.length)
  for (let k = 0; k < keys.length; k++) {
    const outputs = keys[k]!.outputs
    lines.append(keyJsonLine(template, layout.first + k, outputs.map((o) => lineValueOfBytes(o.format, o.bytes))))
    for (const output of outputs) if (SECRET_FORMATS.has(output.format)) output.bytes.fill(0)
  }
  return lines.take()
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
          const layout = request.lines
          const template = layout === undefined ? undefined : keyLineTemplate({ type: request.type, formats: request.formats, fields: layout.fields })
          return yield* Effect.tryPromise({
            try: async (signal): Promise<GeneratedKeys> => {
              const keys: Array<EncodedKey> = []
              const lines = new LineBytes(request.count)
              const values: Array<string> = []
              let turned = Date.now()
              try {
                for (let i = 0; i < request.count && !signal.aborted; i++) {
                  let pair: KeyPair | undefined
                  try {
                    pair = i === 0 ? first : now(request.type)
                  } catch {
                    throw new KeygenFailure(keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name })))
                  }
                  if (pair === undefined) throw new KeygenFailure(keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name })))
                  if (template === undefined) keys.push({ outputs: await encodeAll(pair, request.type, request.formats, options) })
                  else {
                    await lineValues(pair, request.type, request.formats, options, values)
                    lines.append(keyJsonLine(template, layout!.first + i, values))
                  }
                  if (Date.now() - turned >= 20) {
                    await new Promise((resolve) => setTimeout(resolve, 0))
                    turned = Date.now()
                  }
                }
              } catch (error) {
                lines.wipe()
                throw error
              }
              return template === undefined ? { keys } : { keys: [], lines: lines.take() }
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
        return request.lines === undefined ? { keys } : { keys: [], lines: linesOf(request, request.lines, keys) }
      }).pipe(Effect.ensuring(Effect.sync(() => {
        request.passphrase?.fill(0)
        request.pbes2Key?.key.fill(0)
      })))
  })
}))
