/** A digest entry of the result cache as stored (`{"d":hex,"b":bytes,"f"?:fingerprint}`), without Effect: digestCache.ts's and the lean hash's. */

/** Lower-case hex of 8 to 256 digits: a loop, not a regular expression (~2 µs a digest in a fresh process, 10,000 of them a check). */
const isDigestHex = (text: string): boolean => {
  if (text.length < 8 || text.length > 256) return false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false
  }
  return true
}

export interface DigestEntry {
  readonly digest: string
  readonly bytes: number
  /** The fingerprint the content had, when its metadata could not vouch for it. */
  readonly fingerprint?: string
}

const PLAIN_HEAD = '{"d":"'
const PLAIN_MIDDLE = '","b":'

/**
 * An entry as `entryValue` writes one without a fingerprint (`{"d":"HEX","b":BYTES}`, the
 * usual one) read by position: ~10,000 of them a check, each ~1 us less than JSON.parse and
 * no object of its fields. Undefined for any other text, which JSON.parse then reads.
 */
const parsePlain = (value: string): DigestEntry | undefined => {
  if (!value.startsWith(PLAIN_HEAD) || value.charCodeAt(value.length - 1) !== 125) return undefined
  const middle = value.indexOf(PLAIN_MIDDLE, PLAIN_HEAD.length)
  if (middle < 0) return undefined
  const digest = value.slice(PLAIN_HEAD.length, middle)
  const from = middle + PLAIN_MIDDLE.length
  const to = value.length - 1
  // Digits only, at most 15 of them (a safe integer), no leading zero but "0" itself.
  if (to <= from || to - from > 15 || (value.charCodeAt(from) === 48 && to - from > 1)) return undefined
  let bytes = 0
  for (let i = from; i < to; i++) {
    const c = value.charCodeAt(i)
    if (c < 48 || c > 57) return undefined
    bytes = bytes * 10 + (c - 48)
  }
  return isDigestHex(digest) ? { digest, bytes } : undefined
}

/** A cached value that is not a digest (a foreign or damaged entry) is a miss. */
export const parseDigestEntry = (value: string): DigestEntry | undefined => {
  const plain = parsePlain(value)
  if (plain !== undefined) return plain
  try {
    const parsed = JSON.parse(value) as { d?: unknown; b?: unknown; f?: unknown }
    if (typeof parsed.d !== "string" || !isDigestHex(parsed.d)) return undefined
    if (!Number.isSafeInteger(parsed.b) || (parsed.b as number) < 0) return undefined
    if (parsed.f !== undefined && typeof parsed.f !== "string") return undefined
    return { digest: parsed.d, bytes: parsed.b as number, ...(parsed.f === undefined ? {} : { fingerprint: parsed.f }) }
  } catch {
    return undefined
  }
}

/** An entry's value as JSON.stringify writes it, without the object (the digest is hex, the size an integer). */
export const entryValue = (digest: string, bytes: number, fingerprint: string | undefined) =>
  fingerprint === undefined ? `{"d":"${digest}","b":${bytes}}` : JSON.stringify({ d: digest, b: bytes, f: fingerprint })
