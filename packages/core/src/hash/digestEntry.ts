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

/** A cached value that is not a digest (a foreign or damaged entry) is a miss. */
export const parseDigestEntry = (value: string): DigestEntry | undefined => {
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
