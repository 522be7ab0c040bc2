import { Effect } from "effect"
import { BCRYPT_ROUNDS, ENCRYPTED_FORMATS, formatSupports, isKeyFormat, SECRET_FORMATS } from "./KeyFormat.js"
import { BadPassphrase, BadPbes2Key, CountOutOfRange, EncodingFailed, FormatNotForType, type KeygenError, keygenError, UnknownKeyFormat, UnknownKeyType } from "./KeyError.js"
import type { GenerateKeysRequest } from "./KeygenRpcs.js"
import { KEY_INFO, KEY_TYPES } from "./KeyType.js"
import { pbes2KeyProblem } from "./Pbes2Key.js"

export const KEYGEN_LIMITS = {
  /** Keys in one task: a batch, not a job (the job runner splits a million into tasks). */
  maxCount: 4096,
  maxPassphraseBytes: 1024
} as const

const PKCS8_ENCRYPTED: ReadonlySet<string> = new Set(["pkcs8-encrypted-pem", "pkcs8-encrypted-der"])

/**
 * Checks a request before any work, on the calling thread and again in the handler:
 * the type and every format known, each format has the type, a passphrase given exactly
 * when an encrypted form needs it (encrypted OpenSSH always; encrypted PKCS#8 unless a
 * derived key is sent, which must be one Sluice derives for the `pbe` asked). Messages
 * name sizes and names, never the passphrase or the key.
 */
export const validateKeygen = (request: GenerateKeysRequest): Effect.Effect<void, KeygenError> =>
  Effect.suspend(() => {
    const fail = (reason: Parameters<typeof keygenError>[0]) => Effect.fail(keygenError(reason))
    const type = request.type as string
    if (!(KEY_TYPES as ReadonlyArray<string>).includes(type)) return fail(new UnknownKeyType({ type }))
    const { count } = request
    if (!Number.isInteger(count) || count < 1 || count > KEYGEN_LIMITS.maxCount) {
      return fail(new CountOutOfRange({ value: count, min: 1, max: KEYGEN_LIMITS.maxCount }))
    }
    for (const format of request.formats as ReadonlyArray<string>) {
      if (!isKeyFormat(format)) return fail(new UnknownKeyFormat({ format }))
      if (!formatSupports(format, request.type)) return fail(new FormatNotForType({ format, type: request.type }))
    }
    const lines = request.lines
    if (
      lines !== undefined &&
      (!Number.isSafeInteger(lines.first) || lines.first < 0 || !Number.isInteger(lines.fields) || lines.fields < 0 || lines.fields > request.formats.length)
    ) {
      return fail(new EncodingFailed({ type: request.type, format: "JSON Lines (a layout that does not fit the forms asked for)" }))
    }
    const files = request.files
    if (
      files !== undefined &&
      (lines !== undefined || !Number.isSafeInteger(files.first) || files.first < 0 || !Number.isInteger(files.fields) || files.fields < 0 ||
        files.fields > request.formats.length || files.suffixes.length !== files.fields || !Number.isInteger(files.width) || files.width < 1 ||
        files.width > 16 || files.suffixes.some((s) => !/^[A-Za-z0-9._-]*$/.test(s)))
    ) {
      return fail(new EncodingFailed({ type: request.type, format: "files (a layout that does not fit the forms asked for)" }))
    }
    const seal = request.seal
    if (seal !== undefined) {
      const kinds = new Set(seal.recipients.map((r) => r.kind))
      const problem = seal.recipients.length === 0
        ? "no recipients"
        : seal.recipients.some((r) => r.publicKey.length !== (r.kind === "X25519" ? 32 : 1216))
        ? "a recipient of the wrong size"
        : kinds.size > 1
        ? "post-quantum and classic recipients mixed"
        : undefined
      if (problem !== undefined) return fail(new EncodingFailed({ type: request.type, format: `age-sealed private keys (${problem})` }))
    }
    const pkcs8 = request.formats.some((f) => PKCS8_ENCRYPTED.has(f))
    if (request.pbes2Key !== undefined) {
      if (!pkcs8) return fail(new BadPbes2Key({ problem: "sent, but no encrypted PKCS#8 form was asked for" }))
      const problem = pbes2KeyProblem(request.pbes2Key, request.pbe ?? "scrypt")
      if (problem !== undefined) return fail(new BadPbes2Key({ problem }))
    }
    // With the run's key, encrypted PKCS#8 needs no passphrase: only encrypted OpenSSH does.
    const encrypted = request.formats.find((f) => ENCRYPTED_FORMATS.has(f) && !(request.pbes2Key !== undefined && PKCS8_ENCRYPTED.has(f)))
    const max = KEYGEN_LIMITS.maxPassphraseBytes
    if (encrypted !== undefined) {
      if (request.passphrase === undefined) return fail(new BadPassphrase({ format: encrypted, problem: "missing", max }))
      if (request.passphrase.length === 0) return fail(new BadPassphrase({ format: encrypted, problem: "empty", max }))
      if (request.passphrase.length > max) return fail(new BadPassphrase({ format: encrypted, problem: "too long", max }))
    } else if (request.passphrase !== undefined) {
      return fail(new BadPassphrase({ format: "keygen", problem: "unused", max }))
    }
    return Effect.void
  })

/** Whether a request's outputs include a private key. */
export const holdsSecrets = (request: GenerateKeysRequest): boolean => request.formats.some((f) => SECRET_FORMATS.has(f))

/**
 * Generous CPU milliseconds for a request on the slowest kernel that serves it (noble for
 * curves and ML-*, WebCrypto for RSA), with the passphrase KDFs in pure JavaScript:
 * scrypt N=2^14 ≈ 250 ms, PBKDF2 600,000 rounds ≈ 1.5 s, bcrypt_pbkdf 16 rounds ≈ 1 s.
 * Encrypted PKCS#8 costs no KDF when the run's key is sent (`pbes2Key`), or will be
 * (`sharedPbes2Key`: `generateKeyStream` always derives it once).
 */
export const estimateCpuMillis = (request: GenerateKeysRequest, options: { readonly sharedPbes2Key?: boolean } = {}): number => {
  let perKey = KEY_INFO[request.type].cpuMillis + 1
  const shared = request.pbes2Key !== undefined || options.sharedPbes2Key === true
  for (const format of request.formats) {
    if ((format === "pkcs8-encrypted-pem" || format === "pkcs8-encrypted-der") && !shared) perKey += request.pbe === "pbkdf2-sha256" ? 1500 : 250
    if (format === "openssh-private-encrypted") perKey += 60 * BCRYPT_ROUNDS
    // Sealed with age (noble's X25519, ~3.5-5.4 ms a seal here; ML-KEM-768 encapsulation more).
    if (request.seal !== undefined && SECRET_FORMATS.has(format)) {
      for (const r of request.seal.recipients) perKey += r.kind === "X25519" ? 6 : 10
    }
  }
  return perKey * request.count
}
