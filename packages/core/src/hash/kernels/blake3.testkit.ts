/** Test helpers shared by the BLAKE3 kernel tests. */

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export const randomBytes = (length: number, seed: number): Uint8Array => {
  const out = new Uint8Array(length)
  let x = seed | 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x
  }
  return out
}
