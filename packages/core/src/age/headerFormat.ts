/**
 * The age header [C2SP age §Header, §ABNF]: the version line, one or more recipient
 * stanzas, the MAC line; then the payload's 16-byte nonce [§Payload].
 *
 *     age-encryption.org/v1\n
 *     -> TYPE ARG...\n            (each argument 1*VCHAR, one space between)
 *     <64 base64 columns>\n ...  (full body lines, 48 bytes each)
 *     <0..63 base64 columns>\n   (the final body line: always present, may be empty)
 *     --- <43 base64 columns>\n  (HMAC-SHA-256 of everything up to and including "---")
 *
 * The parser keeps the header's bytes as read: the MAC is checked over `macInput`, a view of
 * the input, never over a re-encoding (which would turn a parse error into a MAC error, and
 * accept two spellings of one header). Design §1.9 rules 1-8 are applied here.
 *
 * Pure and free of Effect (the lean age path of the CLI loads it alone): a header that
 * breaks a rule throws `HeaderFormatError`; header.ts gives the same functions throwing
 * core's AgeError (MalformedHeader, UnsupportedVersion).
 */
import { decodeBase64, encodeBase64 } from "./base64.js"
import type { Stanza } from "./stanza.js"

/** The version line, without its LF. */
export const VERSION_LINE = "age-encryption.org/v1"
/** Base64 columns of a full body line (48 bytes). */
export const COLUMNS = 64
/** Bytes of a full body line. */
export const BYTES_PER_LINE = 48
/** The payload's nonce, right after the header [C2SP age §Payload]. */
export const NONCE_SIZE = 16
/** The header MAC (HMAC-SHA-256). */
export const MAC_SIZE = 32
/**
 * The largest header read (the spec sets none): a deliberate bound, so a reader holds at most
 * this much before it knows the file is age. Real headers are bytes to a few KiB (a
 * post-quantum stanza ~1.5 KiB).
 */
export const HEADER_MAX = 4 * 1024 * 1024

export interface ParsedHeader {
  readonly stanzas: ReadonlyArray<Stanza>
  /** The header's bytes from the version line up to and including `---` (a view of the input). */
  readonly macInput: Uint8Array
  /** The MAC the header carries (32 bytes). */
  readonly mac: Uint8Array
  /** Bytes of the header, its MAC line's LF included: the nonce starts here. */
  readonly headerLength: number
  /** The payload's nonce (a view of the input); the payload starts at `headerLength + NONCE_SIZE`. */
  readonly nonce: Uint8Array
}

const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const VERSION = new TextEncoder().encode(`${VERSION_LINE}\n`)
const INTRO = new TextEncoder().encode("age-encryption.org/")

/** A header that breaks a rule: `version` for an age header of another version, else malformed (`detail`). */
export class HeaderFormatError extends Error {
  constructor(readonly detail: string, readonly version = false) {
    super(detail)
  }
}

const malformed = (detail: string): HeaderFormatError => new HeaderFormatError(detail)

const ascii = (bytes: Uint8Array): string => {
  let text = ""
  for (const byte of bytes) text += String.fromCharCode(byte)
  return text
}

const startsWith = (bytes: Uint8Array, at: number, prefix: string): boolean => {
  if (bytes.length - at < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix.charCodeAt(i)) return false
  return true
}

/** The version line checked as far as `bytes` go: an error, "complete" or "wait for more". */
const checkVersion = (bytes: Uint8Array): HeaderFormatError | "complete" | "more" => {
  const seen = Math.min(bytes.length, VERSION.length)
  for (let i = 0; i < seen; i++) {
    if (bytes[i] === VERSION[i]) continue
    if (i === VERSION_LINE.length && bytes[i] === CR) return malformed("a header line ends in CR (age headers use LF only)")
    const intro = Math.min(bytes.length, INTRO.length)
    let isAge = true
    for (let j = 0; j < intro; j++) if (bytes[j] !== INTRO[j]) isAge = false
    return isAge && bytes.length >= INTRO.length
      ? new HeaderFormatError("unsupported version", true)
      : malformed(`not an age file: the first line is not '${VERSION_LINE}'`)
  }
  return seen === VERSION.length ? "complete" : "more"
}

/** VCHAR [RFC 5234]: 0x21-0x7e. */
const isVchar = (byte: number) => byte >= 0x21 && byte <= 0x7e

/**
 * The header at the start of `prefix`, or `undefined` when `prefix` ends before the header
 * and its nonce do (and is shorter than HEADER_MAX + NONCE_SIZE): a stream reader reads on and
 * calls again. Throws HeaderFormatError on a header that breaks
 * a rule, whatever follows it.
 */
export const tryParseHeader = (prefix: Uint8Array): ParsedHeader | undefined => {
  const version = checkVersion(prefix)
  if (typeof version !== "string") throw version
  if (version === "more") return undefined
  const limit = Math.min(prefix.length, HEADER_MAX)
  const more = (): undefined => {
    if (prefix.length >= HEADER_MAX) throw malformed(`the header is larger than ${HEADER_MAX / (1024 * 1024)} MiB, more than Sluice reads`)
    return undefined
  }
  /** The end (index of LF) of the line starting at `at`, or -1 when it runs past what is held. */
  const lineEnd = (at: number): number => {
    const end = prefix.subarray(0, limit).indexOf(LF, at)
    if (end !== -1 && end > at && prefix[end - 1] === CR) throw malformed("a header line ends in CR (age headers use LF only)")
    return end
  }

  const stanzas: Array<Stanza> = []
  let at = VERSION.length
  for (;;) {
    const end = lineEnd(at)
    if (end === -1) return more()
    if (startsWith(prefix, at, "---")) {
      // [§Header] mac-line = "---" SP 43base64char LF
      if (stanzas.length === 0) throw malformed("no recipient stanza before the MAC line")
      const line = prefix.subarray(at, end)
      if (line.length !== 4 + 43 || line[3] !== SPACE) throw malformed("the MAC line is not '--- ' and 43 base64 characters")
      const mac = decodeBase64(ascii(line.subarray(4)))
      if (mac === undefined || mac.length !== MAC_SIZE) throw malformed("the MAC is not canonical base64 of 32 bytes")
      const headerLength = end + 1
      if (prefix.length < headerLength + NONCE_SIZE) return undefined
      return {
        stanzas,
        macInput: prefix.subarray(0, at + 3),
        mac,
        headerLength,
        nonce: prefix.subarray(headerLength, headerLength + NONCE_SIZE)
      }
    }
    if (end === at + 2 && startsWith(prefix, at, "->")) throw malformed("a stanza without arguments")
    if (!startsWith(prefix, at, "-> ")) throw malformed("a line that is neither a stanza ('-> ') nor the MAC line ('--- ')")
    // [§Header] arg-line = "->" 1*(SP argument) LF; argument = 1*VCHAR
    const args: Array<string> = []
    let start = at + 3
    for (let i = start; i <= end; i++) {
      if (i < end && prefix[i] !== SPACE) {
        if (!isVchar(prefix[i]!)) throw malformed("a stanza argument holds a byte that is not a visible ASCII character")
        continue
      }
      if (i === start) throw malformed(i === at + 3 && i === end ? "a stanza without arguments" : "an empty stanza argument (two spaces, or a trailing space)")
      args.push(ascii(prefix.subarray(start, i)))
      start = i + 1
    }
    // The body: full lines of 64 columns, then one shorter line (maybe empty) [§Header].
    const body: Array<Uint8Array> = []
    let size = 0
    at = end + 1
    for (;;) {
      const bodyEnd = lineEnd(at)
      if (bodyEnd === -1) return more()
      const columns = bodyEnd - at
      if (startsWith(prefix, at, "---") || startsWith(prefix, at, "->")) {
        throw malformed("a stanza ends without its final (shorter than 64 columns) body line")
      }
      if (columns > COLUMNS) throw malformed("a stanza body line is longer than 64 columns")
      const bytes = decodeBase64(ascii(prefix.subarray(at, bodyEnd)))
      if (bytes === undefined) throw malformed("a stanza body line is not canonical unpadded base64")
      body.push(bytes)
      size += bytes.length
      at = bodyEnd + 1
      if (columns < COLUMNS) break
    }
    const joined = new Uint8Array(size)
    let offset = 0
    for (const part of body) {
      joined.set(part, offset)
      offset += part.length
    }
    stanzas.push({ type: args[0]!, args: args.slice(1), body: joined })
  }
}

/**
 * The header at the start of `bytes`, which hold the whole file or at least its first
 * HEADER_MAX + NONCE_SIZE bytes. Throws HeaderFormatError: malformed (rules 1-8 of design
 * §1.9, a header over HEADER_MAX, a missing or short nonce) or of another version.
 */
export const parseHeader = (bytes: Uint8Array): ParsedHeader => {
  if (bytes.length === 0) throw malformed("the file is empty")
  const parsed = tryParseHeader(bytes)
  if (parsed !== undefined) return parsed
  // Ran out of bytes: after the header, before a whole 16-byte nonce; or inside the header.
  if (findMacLineEnd(bytes.subarray(0, HEADER_MAX)) !== -1) throw malformed("the payload's 16-byte nonce is missing or short")
  throw malformed(bytes.length >= HEADER_MAX ? `the header is larger than ${HEADER_MAX / (1024 * 1024)} MiB, more than Sluice reads` : "the file ends inside the header")
}

const findMacLineEnd = (bytes: Uint8Array): number => {
  let at = 0
  while (at < bytes.length) {
    const end = bytes.indexOf(LF, at)
    if (end === -1) return -1
    if (startsWith(bytes, at, "--- ")) return end
    at = end + 1
  }
  return -1
}

const checkStanza = (stanza: Stanza): void => {
  for (const arg of [stanza.type, ...stanza.args]) {
    if (arg.length === 0) throw malformed("an empty stanza argument")
    for (let i = 0; i < arg.length; i++) if (!isVchar(arg.charCodeAt(i))) throw malformed("a stanza argument with a character that is not visible ASCII")
  }
}

/**
 * A header's bytes: the version line, each stanza (its body in 64-column lines and a final
 * shorter one, empty when the body is a multiple of 48 bytes), then `---`, a space, the MAC
 * `macFn` computes over everything up to and including `---`, and LF.
 */
export const encodeHeader = (stanzas: ReadonlyArray<Stanza>, macFn: (macInput: Uint8Array) => Uint8Array): Uint8Array => {
  if (stanzas.length === 0) throw malformed("a header needs at least one stanza")
  let text = `${VERSION_LINE}\n`
  for (const stanza of stanzas) {
    checkStanza(stanza)
    text += `-> ${[stanza.type, ...stanza.args].join(" ")}\n`
    const body = encodeBase64(stanza.body)
    for (let i = 0; i <= body.length; i += COLUMNS) text += `${body.slice(i, i + COLUMNS)}\n`
  }
  text += "---"
  const macInput = new TextEncoder().encode(text)
  const mac = macFn(macInput)
  if (mac.length !== MAC_SIZE) throw malformed("the header MAC must be 32 bytes")
  const tail = new TextEncoder().encode(` ${encodeBase64(mac)}\n`)
  const header = new Uint8Array(macInput.length + tail.length)
  header.set(macInput)
  header.set(tail, macInput.length)
  return header
}
