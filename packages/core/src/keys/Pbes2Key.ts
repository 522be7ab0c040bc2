import { Schema } from "effect"

/**
 * Encrypted PKCS#8's key-encryption key (PBES2, RFC 8018 §6.2), derived once for a run of
 * many keys and sent to the workers in place of the passphrase. Light on purpose (no
 * cipher, no KDF): the Keygen group and `generateKeyStream` name it, and they load with
 * the neutral entry.
 *
 * Sharing it is sound for PBES2: each file holds the salt and parameters (so `openssl pkey
 * -passin` and Sluice's reader derive the same key from the passphrase, file by file), and
 * each key is encrypted under it with AES-256-CBC and its own random 16-byte IV. CBC under
 * one key with random IVs is what the mode is made for (NIST SP 800-38A §6.2, Appendix C).
 *
 * OpenSSH keys get no such key: `openssh-key-v1`'s bcrypt_pbkdf output is aes256-ctr's
 * key AND its IV (PROTOCOL.key, sshkey.c), so two files under one salt would encrypt with
 * the same CTR keystream, and the XOR of two files would be the XOR of two private keys.
 * The format has no other place for an IV, so each OpenSSH key derives its own, from its
 * own salt, from the passphrase (which the worker is then sent).
 */
export type Pbes2Kdf = "scrypt" | "pbkdf2-sha256"

/**
 * N = 2^14, r = 8, p = 1: OpenSSL's own choice for `pkcs8 -scrypt`, and the largest N it
 * reads under its default 32 MiB scrypt memory limit (128·r·N bytes must fit).
 */
export const SCRYPT = { N: 2 ** 14, r: 8, p: 1 } as const
export const SCRYPT_LOG_N = 14
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const PBKDF2_ITERATIONS = 600_000
/** The salt written in each file (PBES2's for the run, or a key's own). */
export const PBES2_SALT_BYTES = 16
/** AES-256's key. */
export const PBES2_KEY_BYTES = 32

const common = {
  /** The run's salt, written in every file encrypted under `key`. */
  salt: Schema.Uint8Array,
  /** The derived AES-256 key. Secret: wiped by the handler once used; never logged, cached or checkpointed. */
  key: Schema.Uint8Array
}

/** The key, its salt, and the parameters it was derived with (written in each file). */
export const Pbes2Key = Schema.Union([
  Schema.Struct({ kdf: Schema.Literal("scrypt"), ...common, N: Schema.Number, r: Schema.Number, p: Schema.Number }),
  Schema.Struct({ kdf: Schema.Literal("pbkdf2-sha256"), ...common, iterations: Schema.Number })
])
export type Pbes2Key = typeof Pbes2Key.Type

/**
 * A copy whose key the receiver may wipe (a handler on the calling thread is given the very
 * object sent). `new Uint8Array(x)`, not `x.slice()`: a Node Buffer's `slice` is a view.
 */
export const copyPbes2Key = (key: Pbes2Key): Pbes2Key => ({ ...key, salt: new Uint8Array(key.salt), key: new Uint8Array(key.key) })

/**
 * What is wrong with a key sent to a worker, or undefined: it must be one Sluice derives
 * (its salt size, key size and exactly its parameters), so that every file says truly how
 * its key is made from the passphrase.
 */
export const pbes2KeyProblem = (key: Pbes2Key, kdf: Pbes2Kdf): string | undefined => {
  if (key.kdf !== kdf) return `derived with ${key.kdf}, not ${kdf}`
  if (!(key.salt instanceof Uint8Array) || key.salt.length !== PBES2_SALT_BYTES) return `a salt of ${key.salt?.length} bytes, not ${PBES2_SALT_BYTES}`
  if (!(key.key instanceof Uint8Array) || key.key.length !== PBES2_KEY_BYTES) return `a key of ${key.key?.length} bytes, not ${PBES2_KEY_BYTES}`
  const same = key.kdf === "scrypt"
    ? key.N === SCRYPT.N && key.r === SCRYPT.r && key.p === SCRYPT.p
    : key.iterations === PBKDF2_ITERATIONS
  return same ? undefined : "parameters other than Sluice's"
}
