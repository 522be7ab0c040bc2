/**
 * The little of DER (ITU-T X.690 §8 and §10) that key formats need: definite lengths,
 * INTEGER, BIT STRING, OCTET STRING, NULL, OBJECT IDENTIFIER, SEQUENCE and context tags,
 * written and read. Every reader throws `DerError` on anything it does not expect; its
 * message names a tag or a length, never content.
 */
export class DerError extends Error {}

export type Bytes = Uint8Array<ArrayBuffer>

/**
 * A copy in an ArrayBuffer of its own. Not `.slice()`: on a Node Buffer (what node:crypto
 * exports) `slice` is a view, and the copy would be wiped with the Buffer.
 */
export const copy = (bytes: Uint8Array): Bytes => new Uint8Array(bytes)

export const concat = (...parts: ReadonlyArray<Uint8Array>): Bytes => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Bytes of X.690 §8.1.3's length of `n`: short form under 128, else a count and the big-endian bytes. */
const lengthBytes = (n: number): number => {
  if (n < 0x80) return 1
  let size = 1
  for (let v = n; v > 0; v = Math.floor(v / 256)) size++
  return size
}

/**
 * A tag, its length and its content (after `lead` bytes of zeros, for a BIT STRING's
 * unused-bits byte or an INTEGER's sign byte), written into one new array.
 */
const tlvWith = (tag: number, lead: number, content: Uint8Array): Bytes => {
  const n = lead + content.length
  const size = lengthBytes(n)
  const out = new Uint8Array(1 + size + n)
  out[0] = tag
  if (size === 1) out[1] = n
  else {
    out[1] = 0x80 | (size - 1)
    for (let i = size, v = n; i > 1; i--, v = Math.floor(v / 256)) out[i] = v & 0xff
  }
  out.set(content, 1 + size + lead)
  return out
}

export const tlv = (tag: number, content: Uint8Array): Bytes => tlvWith(tag, 0, content)

export const TAG = { integer: 0x02, bitString: 0x03, octetString: 0x04, null: 0x05, oid: 0x06, sequence: 0x30 } as const

export const sequence = (...items: ReadonlyArray<Uint8Array>): Bytes => tlv(TAG.sequence, concat(...items))
export const octetString = (bytes: Uint8Array): Bytes => tlv(TAG.octetString, bytes)
/** X.690 §8.6: no unused bits in the keys written here. */
export const bitString = (bytes: Uint8Array): Bytes => tlvWith(TAG.bitString, 1, bytes)
export const nullValue: Bytes = Uint8Array.of(0x05, 0x00)
/** A context-specific tag [n]: constructed (explicit) or primitive (implicit). */
export const context = (n: number, content: Uint8Array, constructed: boolean): Bytes =>
  tlv((constructed ? 0xa0 : 0x80) | n, content)

/** X.690 §8.3: an unsigned big-endian magnitude as a non-negative INTEGER (minimal, with a 0 byte where the top bit is set). */
export const unsignedInteger = (magnitude: Uint8Array): Bytes => {
  let start = 0
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++
  const trimmed = magnitude.subarray(start)
  return tlvWith(TAG.integer, trimmed.length > 0 && trimmed[0]! & 0x80 ? 1 : 0, trimmed)
}
export const smallInteger = (n: number): Bytes => unsignedInteger(bigEndian(n))

export const bigEndian = (n: number): Bytes => {
  const bytes: Array<number> = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Uint8Array.from(bytes.length === 0 ? [0] : bytes)
}

/** X.690 §8.19: an OBJECT IDENTIFIER from its dotted form. */
export const oid = (dotted: string): Bytes => {
  const arcs = dotted.split(".").map(Number)
  const out: Array<number> = [arcs[0]! * 40 + arcs[1]!]
  for (const arc of arcs.slice(2)) {
    const groups: Array<number> = []
    for (let v = arc; ; v = Math.floor(v / 128)) {
      groups.unshift((v & 0x7f) | (groups.length > 0 ? 0x80 : 0))
      if (v < 128) break
    }
    out.push(...groups)
  }
  return tlv(TAG.oid, Uint8Array.from(out))
}

/** One decoded element: its tag and its content (a view into the bytes read). */
export interface Element {
  readonly tag: number
  readonly content: Bytes
}

/** Reads the element at `at`, returning it and where the next one starts. */
export const readElement = (bytes: Uint8Array, at = 0): { readonly element: Element; readonly next: number } => {
  if (at + 2 > bytes.length) throw new DerError("truncated DER element")
  const tag = bytes[at]!
  let len = bytes[at + 1]!
  let start = at + 2
  if (len & 0x80) {
    const count = len & 0x7f
    if (count === 0 || count > 4 || start + count > bytes.length) throw new DerError("bad DER length")
    len = 0
    for (let i = 0; i < count; i++) len = len * 256 + bytes[start + i]!
    start += count
  }
  if (start + len > bytes.length) throw new DerError(`DER element of tag 0x${tag.toString(16)} runs past its end`)
  // A view, not a copy: a secret read from a buffer stays in that one buffer, which the
  // caller wipes; what a reader keeps, it copies out (integerMagnitude, padTo, slice).
  return { element: { tag, content: bytes.subarray(start, start + len) as Bytes }, next: start + len }
}

/** A whole buffer as exactly one element of `tag`. */
export const readOne = (bytes: Uint8Array, tag: number): Bytes => {
  const { element, next } = readElement(bytes)
  if (next !== bytes.length) throw new DerError("trailing bytes after DER element")
  return expectTag(element, tag)
}

export const expectTag = (element: Element, tag: number): Bytes => {
  if (element.tag !== tag) throw new DerError(`expected DER tag 0x${tag.toString(16)}, found 0x${element.tag.toString(16)}`)
  return element.content
}

/** The elements inside a constructed content. */
export const children = (content: Uint8Array): Array<Element> => {
  const out: Array<Element> = []
  for (let at = 0; at < content.length;) {
    const { element, next } = readElement(content, at)
    out.push(element)
    at = next
  }
  return out
}

/** An INTEGER's content as an unsigned magnitude without leading zero bytes. */
export const integerMagnitude = (content: Uint8Array): Bytes => {
  if (content.length > 0 && content[0]! & 0x80) throw new DerError("negative INTEGER")
  let start = 0
  while (start < content.length - 1 && content[start] === 0) start++
  return copy(content.subarray(start))
}

/** The dotted form of an OBJECT IDENTIFIER's content. */
export const oidText = (content: Uint8Array): string => {
  if (content.length === 0) throw new DerError("empty OBJECT IDENTIFIER")
  const arcs: Array<number> = [Math.min(2, Math.floor(content[0]! / 40)), content[0]! - Math.min(2, Math.floor(content[0]! / 40)) * 40]
  let value = 0
  for (const byte of content.subarray(1)) {
    value = value * 128 + (byte & 0x7f)
    if (!(byte & 0x80)) {
      arcs.push(value)
      value = 0
    }
  }
  return arcs.join(".")
}

/** Left-pads an unsigned magnitude to `size` bytes (EC coordinates and scalars are fixed-size). */
export const padTo = (magnitude: Uint8Array, size: number): Bytes => {
  if (magnitude.length > size) throw new DerError("value longer than its field")
  const out = new Uint8Array(size)
  out.set(magnitude, size - magnitude.length)
  return out
}

/**
 * `bytes` with room for `n` more after its first `used`: itself when they fit, else a copy
 * at least twice as large, the old buffer wiped (it may hold key material).
 */
export const withRoom = (bytes: Uint8Array<ArrayBuffer>, used: number, n: number): Uint8Array<ArrayBuffer> => {
  if (used + n <= bytes.length) return bytes
  const grown = new Uint8Array(Math.max(2 * bytes.length, used + n))
  grown.set(bytes.subarray(0, used))
  bytes.fill(0)
  return grown
}
