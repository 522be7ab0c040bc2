import type { KdfFunctions } from "./KdfKernel.js"
import { type DeriveParams, hashOf, isArgon2id, isPbkdf2, isScrypt } from "./params.js"

/** `params` derived by `functions`: the one call every kernel makes for a request. */
export const callKdf = (functions: KdfFunctions, params: DeriveParams): Promise<Uint8Array> | Uint8Array => {
  if (isScrypt(params)) return functions.scrypt(params)
  if (isArgon2id(params)) return functions.argon2id(params)
  return isPbkdf2(params) ? functions.pbkdf2(hashOf(params.algorithm), params) : functions.hkdf(hashOf(params.algorithm), params)
}

/**
 * A derivation begun before the engine that runs it has loaded: a program that derives one
 * key (`sluice derive`) checks the parameters, reads the secret and starts node:crypto's
 * call on libuv's threads at once, then loads the pool, whose task takes this call over
 * (`adopting`) instead of starting another. Its failure is the adopting task's to report.
 */
export interface StartedDerivation {
  readonly params: DeriveParams
  readonly key: Promise<Uint8Array>
}

/** Starts `params` on `functions` now; the caller has checked them (`validateDerive`). */
export const startDerivation = (functions: KdfFunctions, params: DeriveParams): StartedDerivation => {
  let key: Promise<Uint8Array>
  try {
    key = Promise.resolve(callKdf(functions, params))
  } catch (error) {
    key = Promise.reject(error)
  }
  // Adopted, its failure reaches the task; never adopted (the program ended first), it is nobody's.
  key.catch(() => {})
  return { params, key }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  // Every byte seen whatever differs: the secret's copies are compared in constant time.
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/** Whether two requests derive the same key: every parameter equal, bytes by their contents. */
export const sameDerivation = (a: DeriveParams, b: DeriveParams): boolean => {
  const fields = a as unknown as Record<string, unknown>
  const others = b as unknown as Record<string, unknown>
  const keys = new Set([...Object.keys(fields), ...Object.keys(others)])
  for (const key of keys) {
    const x = fields[key]
    const y = others[key]
    if (x instanceof Uint8Array || y instanceof Uint8Array) {
      if (!(x instanceof Uint8Array && y instanceof Uint8Array && sameBytes(x, y))) return false
    } else if (x !== y) return false
  }
  return true
}

/**
 * `functions`, whose first call for the same derivation as `started` answers with its key:
 * the task's request is a copy of the started one (the handler wipes what it is sent), so
 * they are matched by value. Any other call, and a second one (a retry), derives anew.
 */
export const adopting = (functions: KdfFunctions, started: StartedDerivation): KdfFunctions => {
  let pending: StartedDerivation | undefined = started
  const take = (params: DeriveParams): Promise<Uint8Array> | undefined => {
    if (pending === undefined || !sameDerivation(pending.params, params)) return undefined
    const { key } = pending
    pending = undefined
    return key
  }
  return {
    pbkdf2: (hash, params) => take(params) ?? functions.pbkdf2(hash, params),
    hkdf: (hash, params) => take(params) ?? functions.hkdf(hash, params),
    scrypt: (params) => take(params) ?? functions.scrypt(params),
    argon2id: (params) => take(params) ?? functions.argon2id(params)
  }
}
