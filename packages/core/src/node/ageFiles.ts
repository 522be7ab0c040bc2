/**
 * age to and from files in Node: the output appears whole or not at all
 * (`writeAtomically`): the workers write into its temporary file, renamed only after the
 * last piece sealed or authenticated. On any failure the destination is untouched.
 */
import { Effect } from "effect"
import type { OutputFailed } from "../engine/errors.js"
import type { WorkerPool } from "../engine/pool/poolService.js"
import { PathSink } from "../engine/Sink.js"
import type { Source } from "../engine/Source.js"
import type { AgeSummary, DecryptOptions, EncryptOptions } from "../age/AgeOptions.js"
import { type DecryptError, decryptToSink } from "../age/decrypt.js"
import { type EncryptError, encryptToSink } from "../age/encrypt.js"
import { nodeAgeKeyKernel } from "./NodeAgeKeyKernel.js"
import * as NodeByteSource from "./NodeByteSource.js"
import { type AtomicFileOptions, writeAtomically } from "./atomicFile.js"

/** `input` encrypted to the file `path`, atomically; RSA-OAEP from node:crypto unless `options.kernel`. */
export const encryptToFile = (
  input: Source,
  path: string,
  options: EncryptOptions,
  file: AtomicFileOptions = {}
): Effect.Effect<AgeSummary, EncryptError | OutputFailed, WorkerPool> =>
  writeAtomically(path, (temp) => encryptToSink(input, new PathSink({ path: temp.tempPath }), { kernel: nodeAgeKeyKernel, ...options }), file).pipe(
    // A pipe or an armored file is read on this thread.
    Effect.provide(NodeByteSource.layer)
  )

/**
 * `input` decrypted to the file `path`: renamed into place only after every chunk (the last
 * one too) authenticated; created 0600 while written, like age's umask default after.
 */
export const decryptToFile = (
  input: Source,
  path: string,
  options: DecryptOptions,
  file: AtomicFileOptions = {}
): Effect.Effect<AgeSummary, DecryptError | OutputFailed, WorkerPool> =>
  writeAtomically(path, (temp) => decryptToSink(input, new PathSink({ path: temp.tempPath }), { kernel: nodeAgeKeyKernel, ...options }), file).pipe(
    // A pipe or an armored file is read on this thread.
    Effect.provide(NodeByteSource.layer)
  )
