/**
 * age's ASCII armor [C2SP age §ASCII armor]: strict PEM [RFC 7468 §3, Figure 3] labelled
 * `AGE ENCRYPTED FILE`: the BEGIN line, padded standard base64 in lines of exactly 64
 * columns but the last (1 to 64), the END line. LF or CRLF line ends; the final one may be
 * missing. Whitespace is allowed before and after the block [spec: "except for whitespace
 * before and after the PEM block"], as Go's armor package (age ≥ 1.2; Debian's 1.1.1
 * refuses any) takes it: before, whole lines of whitespace, at most 1024 bytes (each line
 * counted without its LF and one CR before it, plus one); after the END line, less than
 * 1024 bytes. Whitespace is ASCII's (space, tab, CR, LF, VT, FF; Go's bytes.TrimSpace also
 * drops Unicode spaces, which this refuses). Nothing else: no byte before the BEGIN line
 * (nor whitespace on its line), no headers, no PGP checksum, no empty or short line inside,
 * no space in or around a line, canonical base64 with its padding.
 *
 * Both directions work chunk by chunk with bounded memory (one line held at most), so a
 * stream of any size goes through: push each chunk, then `end()`.
 */
import { base64 } from "@scure/base"
import { Effect, Stream } from "effect"
import { concat as joinBytes } from "../keys/der.js"
import { AgeError, ageError, MalformedArmor } from "./AgeError.js"

export const ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----"
export const ARMOR_END = "-----END AGE ENCRYPTED FILE-----"
/** Base64 columns of a full armor line (48 bytes). */
export const ARMOR_COLUMNS = 64
const ARMOR_BYTES_PER_LINE = 48
/** Whitespace accepted before the block (after it: less than this). */
export const ARMOR_WHITESPACE_MAX = 1024

const LF = 0x0a
const CR = 0x0d
const isWhitespace = (byte: number) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d)

const malformed = (detail: string): AgeError => ageError(new MalformedArmor({ detail }))

const ascii = (bytes: Uint8Array): string => {
  let text = ""
  for (const byte of bytes) text += String.fromCharCode(byte)
  return text
}

const startsWith = (bytes: Uint8Array, at: number, mark: string): boolean => {
  if (bytes.length - at < mark.length) return false
  for (let i = 0; i < mark.length; i++) if (bytes[at + i] !== mark.charCodeAt(i)) return false
  return true
}

/**
 * How much of a file's start `isArmored` reads: the whitespace allowed (its lines may end in
 * CRLF, whose CR age does not count: up to twice the limit in bytes), a line break and the
 * BEGIN line.
 */
export const ARMOR_DETECTION_BYTES = 2 * ARMOR_WHITESPACE_MAX + 1 + ARMOR_BEGIN.length

/**
 * Whether `prefix` (the start of a file, `ARMOR_DETECTION_BYTES` of it when the file is that
 * long) is armor, to be read by `ArmorDecoder`: its first bytes past whitespace are a PEM
 * boundary's `-----` (age's CLI looks for its whole BEGIN line), or it is no binary age file and age's BEGIN line
 * starts a line of it: armor with bytes before it, which the decoder refuses as armor
 * (MalformedArmor, as the spec and the CCTV vectors class it), not as a header.
 */
export const isArmored = (prefix: Uint8Array): boolean => {
  const start = prefix.subarray(0, ARMOR_DETECTION_BYTES)
  let at = 0
  while (at < start.length && isWhitespace(start[at]!)) at++
  // A PEM boundary, age's or not (`----- BEGIN ...`, another label): armor, refused if not age's.
  if (startsWith(start, at, "-----")) return true
  // Whitespace past what armor may have before it: armor all the same, refused for it.
  if (at === ARMOR_DETECTION_BYTES) return true
  if (startsWith(start, 0, "age-encryption.org/")) return false
  for (let i = 0; i < start.length; i++) if (start[i] === LF && startsWith(start, i + 1, ARMOR_BEGIN)) return true
  return false
}

/** What is wrong with a first line that is not the BEGIN line. */
const notBegin = (line: string) => line.startsWith("-----BEGIN") ? "the first line is not the BEGIN line" : "data before the BEGIN line"

type DecoderState = "leading" | "begin" | "body" | "trailing"

/** The longest line held: a full base64 line and its CR (the BEGIN line is shorter). */
const LINE_MAX = ARMOR_COLUMNS + 1

/**
 * Strict armor decoding, chunk by chunk: `push` returns the bytes the complete lines so far
 * decode to, `end` checks the armor ended well. Both throw AgeError (MalformedArmor); after
 * a throw the decoder is done.
 */
export class ArmorDecoder {
  private state: DecoderState = "leading"
  /** Whitespace counted so far: before the BEGIN line, that of whole lines (as age counts it); after the END line, every byte. */
  private whitespace = 0
  /** Before the BEGIN line: the bytes of the line being read (whitespace all). */
  private leadingLine = 0
  private leadingCr = false
  private readonly line = new Uint8Array(LINE_MAX)
  private lineLength = 0
  private lastLineSeen = false
  private failed: AgeError | undefined

  push(chunk: Uint8Array): Uint8Array {
    this.check()
    const out: Array<Uint8Array> = []
    try {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!
        if (this.state === "trailing") {
          if (!isWhitespace(byte)) throw malformed("data after the END line")
          if (++this.whitespace >= ARMOR_WHITESPACE_MAX) throw malformed(`${ARMOR_WHITESPACE_MAX} bytes or more of whitespace after the armor`)
          continue
        }
        if (this.state === "leading") {
          if (byte === LF) {
            // A line of whitespace, counted as age counts it: without its LF and one CR before it, plus one.
            this.whitespace += this.leadingLine - (this.leadingCr ? 1 : 0) + 1
            this.leadingLine = 0
            this.leadingCr = false
            if (this.whitespace > ARMOR_WHITESPACE_MAX) throw malformed(`more than ${ARMOR_WHITESPACE_MAX} bytes of whitespace before the armor`)
            continue
          }
          if (isWhitespace(byte)) {
            this.leadingLine++
            this.leadingCr = byte === CR
            // More than the limit even without a CR: refused before its line ends.
            if (this.whitespace + this.leadingLine > ARMOR_WHITESPACE_MAX + 1) throw malformed(`more than ${ARMOR_WHITESPACE_MAX} bytes of whitespace before the armor`)
            continue
          }
          // The first line that is not whitespace must be the BEGIN line, whole: whitespace before it on its line is kept in it.
          if (this.leadingLine > 0) throw malformed(byte === 0x2d ? "whitespace before the BEGIN line on its line" : "data before the BEGIN line")
          this.state = "begin"
        }
        if (byte === LF) {
          const decoded = this.endLine()
          if (decoded !== undefined) out.push(decoded)
          continue
        }
        if (this.lineLength === LINE_MAX) {
          throw malformed(this.state === "begin" ? notBegin(ascii(this.line)) : "a line longer than 64 columns")
        }
        this.line[this.lineLength++] = byte
      }
    } catch (error) {
      this.failed = error as AgeError
      throw error
    }
    return concat(out)
  }

  end(): Uint8Array {
    this.check()
    try {
      switch (this.state) {
        case "leading":
          throw malformed("no BEGIN line")
        case "begin":
          throw malformed(this.lineLength === 0 ? "no BEGIN line" : "the armor ends in its BEGIN line")
        case "body": {
          // The END line may end the file without an EOL (or with a CR alone, as Go's reader takes it).
          const last = ascii(this.line.subarray(0, this.lineLength))
          if (last === ARMOR_END || last === `${ARMOR_END}\r`) return new Uint8Array(0)
          throw malformed("no END line")
        }
        case "trailing":
          return new Uint8Array(0)
      }
    } catch (error) {
      this.failed = error as AgeError
      throw error
    }
  }

  private check() {
    if (this.failed !== undefined) throw this.failed
  }

  /** A line just ended (its LF seen): its decoded bytes, or undefined when it holds none. */
  private endLine(): Uint8Array | undefined {
    let length = this.lineLength
    this.lineLength = 0
    if (length > 0 && this.line[length - 1] === CR) length--
    const text = ascii(this.line.subarray(0, length))
    if (this.state === "begin") {
      if (text !== ARMOR_BEGIN) throw malformed(notBegin(text))
      this.state = "body"
      return undefined
    }
    if (text === ARMOR_END) {
      this.state = "trailing"
      this.whitespace = 0
      return undefined
    }
    if (this.lastLineSeen) throw malformed("a line shorter than 64 columns, or with padding, before the last line")
    if (length === 0) throw malformed("an empty line")
    if (length > ARMOR_COLUMNS) throw malformed("a line longer than 64 columns")
    let bytes: Uint8Array
    try {
      bytes = base64.decode(text)
    } catch {
      throw malformed("a line that is not canonical padded base64")
    }
    if (bytes.length < ARMOR_BYTES_PER_LINE) this.lastLineSeen = true
    return bytes
  }
}

/** Pieces joined; one piece as it is. */
const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => parts.length === 1 ? parts[0]! : joinBytes(...parts)

/** The bytes an armored file holds; throws AgeError (MalformedArmor). */
export const dearmor = (armored: Uint8Array): Uint8Array => {
  const decoder = new ArmorDecoder()
  const body = decoder.push(armored)
  decoder.end()
  return body
}

/**
 * Armor encoding, chunk by chunk: the BEGIN line first, 64-column lines as whole 48-byte
 * groups arrive, and on `end` the last line (padded) and the END line, each ending in LF.
 */
export class ArmorEncoder {
  private started = false
  private ended = false
  private readonly carry = new Uint8Array(ARMOR_BYTES_PER_LINE)
  private carried = 0

  push(chunk: Uint8Array): Uint8Array {
    if (this.ended) throw new Error("ArmorEncoder: push after end")
    let text = this.start()
    let at = 0
    if (this.carried > 0) {
      const take = Math.min(ARMOR_BYTES_PER_LINE - this.carried, chunk.length)
      this.carry.set(chunk.subarray(0, take), this.carried)
      this.carried += take
      at = take
      if (this.carried < ARMOR_BYTES_PER_LINE) return encodeAscii(text)
      text += `${base64.encode(this.carry)}\n`
      this.carried = 0
    }
    const whole = at + Math.floor((chunk.length - at) / ARMOR_BYTES_PER_LINE) * ARMOR_BYTES_PER_LINE
    for (; at < whole; at += ARMOR_BYTES_PER_LINE) text += `${base64.encode(chunk.subarray(at, at + ARMOR_BYTES_PER_LINE))}\n`
    this.carry.set(chunk.subarray(whole))
    this.carried = chunk.length - whole
    return encodeAscii(text)
  }

  end(): Uint8Array {
    if (this.ended) throw new Error("ArmorEncoder: end twice")
    let text = this.start()
    if (this.carried > 0) text += `${base64.encode(this.carry.subarray(0, this.carried))}\n`
    this.carried = 0
    this.ended = true
    return encodeAscii(`${text}${ARMOR_END}\n`)
  }

  private start(): string {
    if (this.started) return ""
    this.started = true
    return `${ARMOR_BEGIN}\n`
  }
}

const encodeAscii = (text: string): Uint8Array => new TextEncoder().encode(text)

/** `bytes` armored whole. */
export const armor = (bytes: Uint8Array): Uint8Array => {
  const encoder = new ArmorEncoder()
  const body = encoder.push(bytes)
  return concat([body, encoder.end()])
}

/** `f()` as an Effect: its AgeError a failure, anything else a defect (a bug). */
const attempt = (f: () => Uint8Array): Effect.Effect<Uint8Array, AgeError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (error) {
      if (error instanceof AgeError) return Effect.fail(error)
      throw error
    }
  })

/** Pushes each chunk through `push`, then `end`, dropping empty outputs. */
const transform = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>,
  make: () => { push: (chunk: Uint8Array) => Uint8Array; end: () => Uint8Array }
): Stream.Stream<Uint8Array, E | AgeError, R> =>
  Stream.suspend(() => {
    const coder = make()
    const body = stream.pipe(Stream.mapEffect((chunk) => attempt(() => coder.push(chunk))))
    const tail = Stream.fromEffect(attempt(() => coder.end()))
    return Stream.concat(body, tail).pipe(Stream.filter((chunk) => chunk.length > 0))
  })

/** The bytes an armored stream holds, decoded as it flows (one line held); fails with AgeError (MalformedArmor). */
export const dearmorStream = <E, R>(stream: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Uint8Array, E | AgeError, R> =>
  transform(stream, () => new ArmorDecoder())

/** A stream armored as it flows. */
export const armorStream = <E, R>(stream: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Uint8Array, E | AgeError, R> =>
  transform(stream, () => new ArmorEncoder())
