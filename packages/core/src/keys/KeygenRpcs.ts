import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { Transferable } from "effect/workers"
import { OutputFailed } from "../engine/errors.js"
import { KeyFormat } from "./KeyFormat.js"
import { KeygenError } from "./KeyError.js"
import { KeyType } from "./KeyType.js"
import { Pbes2Key } from "./Pbes2Key.js"

/** What one task generates: `count` keys of `type`, each written in every one of `formats`. */
export const GenerateKeysRequest = Schema.Struct({
  type: KeyType,
  count: Schema.Number,
  formats: Schema.Array(KeyFormat),
  /**
   * For the encrypted forms only: encrypted OpenSSH always (each key derives its own key
   * and IV from it), encrypted PKCS#8 when no `pbes2Key` is sent. Wiped by the handler
   * once used; never logged or kept.
   */
  passphrase: Schema.optional(Schema.Uint8Array),
  /**
   * Encrypted PKCS#8's key, derived once for a run (`derivePbes2Key`), with its salt and
   * parameters: each key of the batch is encrypted under it with its own IV. Wiped by the
   * handler once used; never logged, cached or checkpointed.
   */
  pbes2Key: Schema.optional(Pbes2Key),
  /** The OpenSSH comment. */
  comment: Schema.optional(Schema.String),
  /** Encrypted PKCS#8's key derivation (scrypt unless said). */
  pbe: Schema.optional(Schema.Literals(["scrypt", "pbkdf2-sha256"])),
  /**
   * The batch as JSON Lines instead of keys (`keyLines.ts`): the lines of keys `first`
   * (counted from 0) onwards, the first `fields` of `formats` written under their names,
   * all in one buffer made on the worker. The caller then only writes it: no object or
   * array per key or form crosses between threads.
   */
  lines: Schema.optional(Schema.Struct({ first: Schema.Number, fields: Schema.Number })),
  /**
   * The batch as files and manifest lines instead of keys (`keyLines.ts`, `keyManifestLine`):
   * the first `fields` of `formats` are files, named `key-<index from first + 1, padded to
   * width><suffix of the field>`; the rest are there for the manifest. All the batch's file
   * bytes come in one buffer and its manifest lines in another, made on the worker: the
   * caller only writes them. With `shardWidth`, the manifest names each file under its
   * subdirectory (`keyShardName`).
   *
   * With `dir`, the worker writes the files itself, into that directory (a staging
   * directory the caller made; a file that cannot be written fails the batch with
   * `OutputFailed`), private forms 0600 and the others 0644, and sends
   * back only the manifest lines: a private key never leaves the thread that made it.
   */
  /**
   * Each private form sealed with age before it leaves the worker (`sluice keygen
   * --seal-to`, age/sealKey.ts): a whole age file to these recipients (X25519 or
   * MLKEM768-X25519, not mixed), with a fresh file key per key and form, the plaintext wiped
   * once sealed. `armor`: the file ASCII-armored (JSON lines, standard output), else
   * binary (files). Only public keys: nothing here is secret.
   */
  seal: Schema.optional(Schema.Struct({
    recipients: Schema.Array(Schema.Struct({
      kind: Schema.Literals(["X25519", "mlkem768x25519"]),
      publicKey: Schema.Uint8Array
    })),
    armor: Schema.Boolean
  })),
  files: Schema.optional(Schema.Struct({
    first: Schema.Number,
    fields: Schema.Number,
    width: Schema.Number,
    suffixes: Schema.Array(Schema.String),
    shardWidth: Schema.optional(Schema.Number),
    dir: Schema.optional(Schema.String)
  }))
})
export type GenerateKeysRequest = typeof GenerateKeysRequest.Type

/** One key's forms, in the order asked for; each array transferred, not copied. */
export const EncodedKey = Schema.Struct({
  outputs: Schema.Array(Schema.Struct({ format: KeyFormat, bytes: Transferable.Uint8Array }))
})
export type EncodedKey = typeof EncodedKey.Type

/**
 * A small batch of keys from one worker, so that one task makes many keys and the
 * pool's per-task cost is shared. No progress events: a batch is sized to end well
 * inside its CPU deadline.
 */
export const GeneratedKeys = Schema.Struct({
  /** Each key's forms; empty when `lines` or `files` was asked for. */
  keys: Schema.Array(EncodedKey),
  /** With `lines`: the batch's JSON Lines, UTF-8, transferred (it holds the private forms asked for). */
  lines: Schema.optional(Transferable.Uint8Array),
  /**
   * With `files`: every file of the batch, key after key and field after field, in `data`;
   * each one's size in `sizes` (a Uint32Array's bytes, in the platform's order); the
   * batch's manifest lines, UTF-8, in `manifest`. Each buffer transferred; `data` holds the
   * private forms (the caller's to wipe once written). `data` and `sizes` are empty when
   * the worker wrote the files (the request's `files.dir`).
   */
  files: Schema.optional(Schema.Struct({
    data: Transferable.Uint8Array,
    sizes: Transferable.Uint8Array,
    manifest: Transferable.Uint8Array
  }))
})
export type GeneratedKeys = typeof GeneratedKeys.Type

export class GenerateKeys extends Rpc.make("GenerateKeys", {
  payload: GenerateKeysRequest,
  success: GeneratedKeys,
  error: Schema.Union([KeygenError, OutputFailed])
}) {}

/**
 * One MLKEM768-X25519 age identity in age-keygen -pq's file format (`# created:`, `# public
 * key: age1pq1…`, `AGE-SECRET-KEY-PQ-1…`), made on a worker as every other key: its ML-KEM-768
 * key generation is work for a worker, not the main thread. `file` holds the secret key
 * (transferred: the caller's to write and wipe); `recipient` is its public key line's.
 */
export class GenerateAgeHybridKeyFile extends Rpc.make("GenerateAgeHybridKeyFile", {
  payload: Schema.Struct({}),
  success: Schema.Struct({ file: Transferable.Uint8Array, recipient: Schema.String }),
  error: KeygenError
}) {}

export class KeygenRpcs extends RpcGroup.make(GenerateKeys, GenerateAgeHybridKeyFile) {}
