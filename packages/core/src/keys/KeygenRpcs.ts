import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { Transferable } from "effect/workers"
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
  pbe: Schema.optional(Schema.Literals(["scrypt", "pbkdf2-sha256"]))
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
export class GenerateKeys extends Rpc.make("GenerateKeys", {
  payload: GenerateKeysRequest,
  success: Schema.Struct({ keys: Schema.Array(EncodedKey) }),
  error: KeygenError
}) {}

export class KeygenRpcs extends RpcGroup.make(GenerateKeys) {}
