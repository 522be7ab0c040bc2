/**
 * age to and from files in Node: the output appears whole or not at all
 * (`writeAtomically`): the workers write into its temporary file, renamed only after the
 * last piece sealed or authenticated. On any failure the destination is untouched.
 */
import { Effect, Stream } from "effect"
import type { OutputFailed } from "../engine/errors.js"
import type { WorkerPool } from "../engine/pool/poolService.js"
import { PathSink } from "../engine/Sink.js"
import type { Source } from "../engine/Source.js"
import type { AgeSummary, DecryptOptions, EncryptOptions } from "../age/AgeOptions.js"
import { type DecryptError, decryptToSink } from "../age/decrypt.js"
import { armorStream } from "../age/armor.js"
import { encrypt, type EncryptError, encryptToSink } from "../age/encrypt.js"
import { plaintextSize } from "../age/stream.js"
import { nodeAgeKeyKernel } from "./NodeAgeKeyKernel.js"
import * as NodeByteSource from "./NodeByteSource.js"
import { type AtomicFile, type AtomicFileOptions, writeAtomically } from "./atomicFile.js"

/**
 * Armor is a stream: the sealed pieces come back in order, are armored here and appended
 * to the temporary file. The first element of `encrypt`'s stream is the header and nonce.
 */
const armoredTo = (temp: AtomicFile, input: Source, options: EncryptOptions) =>
  Effect.gen(function*() {
    let prefix = -1
    let binary = 0
    let ciphertextBytes = 0
    yield* encrypt(input, { ...options, armor: false }).pipe(
      Stream.tap((bytes) =>
        Effect.sync(() => {
          if (prefix < 0) prefix = bytes.length
          binary += bytes.length
        })
      ),
      armorStream,
      Stream.runForEach((bytes) => {
        ciphertextBytes += bytes.length
        return temp.write(bytes)
      })
    )
    return { plaintextBytes: plaintextSize(binary - prefix) ?? 0, ciphertextBytes }
  })

/** `input` encrypted to the file `path`, atomically (armored with `options.armor`); RSA-OAEP from node:crypto unless `options.kernel`. */
export const encryptToFile = (
  input: Source,
  path: string,
  options: EncryptOptions,
  file: AtomicFileOptions = {}
): Effect.Effect<AgeSummary, EncryptError | OutputFailed, WorkerPool> =>
  writeAtomically(path, (temp) =>
    options.armor === true
      ? armoredTo(temp, input, { kernel: nodeAgeKeyKernel, ...options })
      : encryptToSink(input, new PathSink({ path: temp.tempPath }), { kernel: nodeAgeKeyKernel, ...options }), file).pipe(
    // A pipe or an armored file is read on this thread.
    Effect.provide(NodeByteSource.layer)
  )

/**
 * `input` decrypted to the file `path`: renamed into place only after every chunk (the last
 * one too) authenticated; 0600 while written (plaintext no other user may read before it
 * is whole), then the mode age's `-o` gives it: 0666 less the umask, or the replaced file's.
 */
export const decryptToFile = (
  input: Source,
  path: string,
  options: DecryptOptions,
  file: AtomicFileOptions = {}
): Effect.Effect<AgeSummary, DecryptError | OutputFailed, WorkerPool> =>
  writeAtomically(path, (temp) => decryptToSink(input, new PathSink({ path: temp.tempPath }), { kernel: nodeAgeKeyKernel, ...options }), {
    privateUntilCommitted: true,
    ...file
  }).pipe(
    // A pipe or an armored file is read on this thread.
    Effect.provide(NodeByteSource.layer)
  )
