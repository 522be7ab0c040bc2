/**
 * Checksum lines as printed and checked by GNU coreutils (`sha256sum`,
 * `md5sum`, `b2sum`, `cksum -a ALG`, ... with and without `--tag`) and b3sum.
 *
 * Parsing follows coreutils `--check` (src/cksum.c, formerly src/digest.c:
 * digest_check, split_3, bsd_split_3, filename_unescape). Tags: `SHA3-256` /
 * `SHA3-512` as printed by `cksum -a sha3 -l N` (coreutils >= 9.8), `BLAKE3`
 * as printed by `b3sum --tag` (b3sum >= 1.7). Names are JS strings here; coreutils
 * works on bytes, and so do the `...Bytes` functions at the end, for names that are not
 * valid UTF-8.
 */

import { decodeUtf8Exact, decodeUtf8Lossy } from "../engine/utf8.js"
import { ALGORITHMS, HASH_ALGORITHMS, type HashAlgorithm } from "./algorithms.js"

export { digestLength, parseAlgorithm } from "./algorithms.js"

// The tables below are derived from HashAlgorithm.ts' ALGORITHMS.
const byAlgorithm = <V>(f: (algorithm: HashAlgorithm) => V) =>
  Object.fromEntries(HASH_ALGORITHMS.map((a) => [a, f(a)])) as Readonly<Record<HashAlgorithm, V>>

const DIGEST_BYTES = byAlgorithm((a) => ALGORITHMS[a].digestBytes)

const lookup = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined

/** Tags printed by `--tag`. coreutils prints `BLAKE2b` (no length) for 512 bits; BLAKE3 is b3sum's (>= 1.7). */
const TAG = byAlgorithm((a) => ALGORITHMS[a].bsdTag)

/**
 * Tags accepted by `cksum -c` (exact case), with the optional `-BITS` suffix.
 * Untagged `SHA2`/`SHA3` default to 512 bits, as in cksum's algorithm_bits.
 */
const TAG_TO_ALGORITHM: Readonly<Record<string, HashAlgorithm>> = Object.fromEntries(
  HASH_ALGORITHMS.flatMap((a) => ALGORITHMS[a].spellings.tags.map((tag) => [tag, a]))
)

export interface ParsedLine {
  readonly _tag: "Parsed"
  readonly algorithm: HashAlgorithm | undefined
  /** Lower-case hex. */
  readonly digestHex: string
  readonly name: string
  readonly binary: boolean
  readonly style: "gnu" | "bsd"
}

export interface MalformedLine {
  readonly _tag: "Malformed"
  readonly reason: string
}

export interface FormatOptions {
  readonly algorithm: HashAlgorithm
  readonly digestHex: string
  readonly name: string
  readonly style: "gnu" | "bsd"
  /** `*` marker in GNU style; BSD style has no mode marker. */
  readonly binary?: boolean
}

export interface ParseHint {
  /** The algorithm being checked, like running `sha256sum -c` rather than `cksum -c`. */
  readonly algorithm?: HashAlgorithm
}

const HEX = /^[0-9a-fA-F]*$/

// coreutils problematic_chars / print_filename.
const needsEscape = (name: string): boolean => /[\\\n\r]/.test(name)
const escapeName = (name: string): string =>
  name.replace(/[\\\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : "\\r"))

/** A name as coreutils prints it in `--check` results: escaped behind a `\` when it must be. */
export const printableName = (name: string): string => (needsEscape(name) ? `\\${escapeName(name)}` : name)

// coreutils filename_unescape: only `\\`, `\n`, `\r`; anything else (or a trailing `\`) is invalid.
const unescapeName = (escaped: string): string | undefined => {
  let out = ""
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i]
    if (c !== "\\") {
      out += c
      continue
    }
    const next = escaped[++i]
    if (next === "\\") out += "\\"
    else if (next === "n") out += "\n"
    else if (next === "r") out += "\r"
    else return undefined
  }
  return out
}

/**
 * One line without its newline, as coreutils prints it: a leading `\` when the
 * name contains `\`, LF or CR, which are then written `\\`, `\n`, `\r`.
 * Throws RangeError on a digest that is not hex of the algorithm's length, or
 * on an empty name or one containing NUL.
 */
export const formatChecksumLine = (options: FormatOptions): string => {
  const { algorithm, digestHex, name, style } = options
  if (!HEX.test(digestHex) || digestHex.length !== DIGEST_BYTES[algorithm] * 2) {
    throw new RangeError(`digest is not ${DIGEST_BYTES[algorithm] * 2} hex digits for ${algorithm}`)
  }
  if (name === "" || name.includes("\0")) throw new RangeError("name is empty or contains NUL")
  const hex = digestHex.toLowerCase()
  const escape = needsEscape(name)
  const printed = escape ? escapeName(name) : name
  const prefix = escape ? "\\" : ""
  return style === "bsd"
    ? `${prefix}${TAG[algorithm]} (${printed}) = ${hex}`
    : `${prefix}${hex} ${options.binary === true ? "*" : " "}${printed}`
}

const malformed = (reason: string): MalformedLine => ({ _tag: "Malformed", reason })

const isBlank = (c: string | undefined): boolean => c === " " || c === "\t"

/** GNU-style lines: undetermined, `<hex>  name` seen, or `<hex> name` (BSD `md5 -r`) seen. */
type GnuMode = "unknown" | "standard" | "reversed"

interface LineResult {
  readonly result: ParsedLine | MalformedLine
  /** The GNU layout this line committed to (coreutils' bsd_reversed). */
  readonly mode?: Exclude<GnuMode, "unknown">
}

const checkDigest = (
  hex: string,
  algorithm: HashAlgorithm | undefined
): MalformedLine | undefined => {
  if (hex === "" || !HEX.test(hex)) return malformed("digest is not hexadecimal")
  if (algorithm !== undefined && hex.length !== DIGEST_BYTES[algorithm] * 2) {
    return malformed(`digest length ${hex.length} does not match ${algorithm}`)
  }
  return undefined
}

const checkName = (name: string): MalformedLine | undefined =>
  name === "" ? malformed("empty file name") : undefined

/** The algorithm of each digest length, worked out once per length rather than once per line. */
const inferred = new Map<number, HashAlgorithm | "ambiguous" | undefined>()
const inferAlgorithm = (hexLength: number): HashAlgorithm | "ambiguous" | undefined => {
  if (inferred.has(hexLength)) return inferred.get(hexLength)
  const matches = HASH_ALGORITHMS.filter((a) => DIGEST_BYTES[a] * 2 === hexLength)
  const algorithm = matches.length === 0 ? undefined : matches.length === 1 ? matches[0] : "ambiguous"
  inferred.set(hexLength, algorithm)
  return algorithm
}

// coreutils: the tag runs up to a blank, `-` or `(`; then optional `-BITS`, at most one space, `(`.
const TAG_PREFIX = /^([^ \t(-]+)(-\d+)? ?\(/

/**
 * Whether `TAG_PREFIX` can match at `i`: a `(`, `-` or ` (` must follow the run of tag
 * characters. A GNU line (a digest, then a blank) is told apart without the regex.
 */
const mayBeTagged = (line: string, i: number): boolean => {
  let j = i
  for (let c = line.charCodeAt(j); j < line.length && c !== 0x20 && c !== 0x09 && c !== 0x28 && c !== 0x2d; c = line.charCodeAt(++j));
  if (j === i) return false
  const c = line.charCodeAt(j)
  return c === 0x28 || c === 0x2d || (c === 0x20 && line.charCodeAt(j + 1) === 0x28)
}

const parseBsd = (
  rest: string,
  tag: string,
  escaped: boolean,
  hint: HashAlgorithm | undefined
): ParsedLine | MalformedLine => {
  const algorithm = lookup(TAG_TO_ALGORITHM, tag)
  if (algorithm === undefined) return malformed(`unsupported algorithm tag ${tag}`)
  if (hint !== undefined && hint !== algorithm) return malformed(`tag ${tag} does not match ${hint}`)
  // bsd_split_3: the name ends at the last `)`; blanks may surround `=`.
  const close = rest.lastIndexOf(")")
  if (close < 0) return malformed("missing ')' after file name")
  const after = /^[ \t]*=[ \t]*(.*)$/s.exec(rest.slice(close + 1))
  if (after === null) return malformed("missing '=' after file name")
  const hex = after[1] ?? ""
  const bad = checkDigest(hex, algorithm)
  if (bad !== undefined) return bad
  const name = escaped ? unescapeName(rest.slice(0, close)) : rest.slice(0, close)
  if (name === undefined) return malformed("invalid backslash escape in file name")
  return (
    checkName(name) ?? {
      _tag: "Parsed",
      algorithm,
      digestHex: hex.toLowerCase(),
      name,
      binary: false,
      style: "bsd"
    }
  )
}

const parseLine = (raw: string, hint: HashAlgorithm | undefined, mode: GnuMode): LineResult => {
  // digest_check strips one `\n`, then one `\r`.
  let line = raw.endsWith("\n") ? raw.slice(0, -1) : raw
  if (line.endsWith("\r")) line = line.slice(0, -1)
  if (line === "") return { result: malformed("empty line") }
  if (raw.startsWith("#")) return { result: malformed("comment line") }
  if (line.includes("\n")) return { result: malformed("embedded newline") }
  if (line.includes("\0")) return { result: malformed("NUL in line") }

  // split_3: leading blanks, then `\` marks an escaped name.
  let i = 0
  while (isBlank(line[i])) i++
  const escaped = line[i] === "\\"
  if (escaped) i++

  const tagged = mayBeTagged(line, i) ? TAG_PREFIX.exec(line.slice(i)) : null
  if (tagged !== null) {
    const tag = `${tagged[1] ?? ""}${tagged[2] ?? ""}`
    if (lookup(TAG_TO_ALGORITHM, tag) !== undefined || !HEX.test(tag)) {
      return { result: parseBsd(line.slice(i + tagged[0].length), tag, escaped, hint) }
    }
  }

  // The digest runs to the first blank, which must exist.
  let end = i
  while (end < line.length && !isBlank(line[end])) end++
  if (end === line.length) return { result: malformed("digest not followed by a blank") }
  const hex = line.slice(i, end)
  const inferred = hint ?? inferAlgorithm(hex.length)
  const bad =
    checkDigest(hex, hint) ??
    (inferred === undefined ? malformed(`no algorithm has a ${hex.length}-digit digest`) : undefined)
  if (bad !== undefined) return { result: bad }

  // After one blank: ` ` (text) or `*` (binary) then the name; otherwise, or when a
  // single character follows, the name itself (BSD `md5 -r`). coreutils refuses to
  // mix the two layouts within one run.
  const rest = line.slice(end + 1)
  if (rest === "") return { result: malformed("empty file name") }
  const looksReversed = rest.length === 1 || (rest[0] !== " " && rest[0] !== "*")
  if (looksReversed && mode === "standard") {
    return { result: malformed("'<digest> <name>' line after '<digest>  <name>' lines") }
  }
  const reversed = looksReversed || mode === "reversed"
  const committed = reversed ? "reversed" : "standard"
  const printed = reversed ? rest : rest.slice(1)
  const name = escaped ? unescapeName(printed) : printed
  if (name === undefined) {
    return { result: malformed("invalid backslash escape in file name"), mode: committed }
  }
  const result: ParsedLine | MalformedLine = checkName(name) ?? {
    _tag: "Parsed",
    algorithm: inferred === "ambiguous" ? undefined : inferred,
    digestHex: hex.toLowerCase(),
    name,
    binary: !reversed && rest[0] === "*",
    style: "gnu"
  }
  return { result, mode: committed }
}

/**
 * Parses one line (a trailing `\n`, then `\r`, is dropped) as `--check` would.
 * With `hint.algorithm` the line must be for that algorithm (as with
 * `sha256sum -c`); without it a GNU line's algorithm is inferred from the
 * digest length where unambiguous (64 and 128 digits are not).
 */
export const parseChecksumLine = (
  line: string,
  hint?: ParseHint
): ParsedLine | MalformedLine => parseLine(line, hint?.algorithm, "unknown").result

/**
 * The algorithm of a parsed line, as `check` reads it: the line's own tag (BSD `--tag`
 * lines), else the caller's `-a`, else by its length as coreutils' plain lines are,
 * 128 hex digits SHA-512 and any other SHA-256. The full check and the lean re-check
 * (the check index) must agree on it.
 */
export const lineAlgorithm = (entry: { readonly algorithm: HashAlgorithm | undefined; readonly digestHex: string }, hint: HashAlgorithm | undefined): HashAlgorithm =>
  entry.algorithm ?? hint ?? (entry.digestHex.length === 128 ? "sha512" : "sha256")

/**
 * The algorithms other than `lineAlgorithm`'s answer whose digests have as many hex digits
 * as `entry`'s, where the line names none (no `--tag`) and `-a` is not given: what else such
 * a line may be of (64 digits: SHA3-256, BLAKE3 beside SHA-256; 128: SHA3-512, BLAKE2b-512
 * beside SHA-512). Empty for any other line: a check's hint when no digest matched.
 */
export const otherAlgorithmsOfLength = (
  entry: { readonly algorithm: HashAlgorithm | undefined; readonly digestHex: string; readonly style: "gnu" | "bsd" },
  hint: HashAlgorithm | undefined
): ReadonlyArray<HashAlgorithm> => {
  if (hint !== undefined || entry.style !== "gnu" || entry.algorithm !== undefined) return []
  const read = lineAlgorithm(entry, undefined)
  return HASH_ALGORITHMS.filter((a) => a !== read && DIGEST_BYTES[a] * 2 === entry.digestHex.length)
}

/**
 * What to say after a check of lines like `first` where `verified` files were read and
 * `failed` of them, every one, did not match, when the line's length fits other algorithms
 * (`otherAlgorithmsOfLength`): `b3sum` and `sha3-256sum` write the same plain lines as
 * `sha256sum`, which a check reads as SHA-256 without `-a`. Undefined otherwise.
 */
export const lengthHint = (
  first: { readonly algorithm: HashAlgorithm | undefined; readonly digestHex: string; readonly style: "gnu" | "bsd" } | undefined,
  hint: HashAlgorithm | undefined,
  failed: number,
  verified: number
): string | undefined => {
  if (first === undefined || verified === 0 || failed < verified) return undefined
  const others = otherAlgorithmsOfLength(first, hint)
  if (others.length === 0) return undefined
  const label = (a: HashAlgorithm) => ALGORITHMS[a].label
  return `no digest matched as ${label(lineAlgorithm(first, hint))}, which a line of ${first.digestHex.length} hex digits is read as without -a; ` +
    `for ${others.map(label).join(" or ")} digests, check with ${others.map((a) => `-a ${a}`).join(" or ")}`
}

export type ChecksumFileEntry = (ParsedLine | MalformedLine) & { readonly lineNumber: number }

/**
 * One entry per line that coreutils does not skip. Skipped, as in digest_check:
 * lines starting with `#` (at the very first character) and lines empty after
 * dropping a trailing `\r`. Line numbers are 1-based and count skipped lines.
 */
export const parseChecksumFile = (
  text: string,
  hint?: ParseHint
): ReadonlyArray<ChecksumFileEntry> => {
  const entries: Array<ChecksumFileEntry> = []
  eachLine(text, hint, (result, lineNumber) => entries.push({ ...result, lineNumber }))
  return entries
}

/** Each line coreutils does not skip, parsed, with its 1-based number: no array of lines. */
const eachLine = (text: string, hint: ParseHint | undefined, add: (result: ParsedLine | MalformedLine, lineNumber: number) => void) => {
  let mode: GnuMode = "unknown"
  let lineNumber = 0
  for (let start = 0; start <= text.length;) {
    let end = text.indexOf("\n", start)
    if (end < 0) end = text.length
    const line = text.slice(start, end)
    start = end + 1
    lineNumber++
    if (line.startsWith("#") || line === "" || line === "\r") continue
    const parsed = parseLine(line, hint?.algorithm, mode)
    if (parsed.mode !== undefined) mode = parsed.mode
    add(parsed.result, lineNumber)
  }
}

// Names as bytes. Every character the format gives meaning to is ASCII, and no byte of a
// multi-byte UTF-8 sequence is, so the string functions above work on bytes unchanged when
// each byte is one character (U+0000 to U+00FF, a "binary string"): the line is parsed and
// printed exactly as coreutils does, byte for byte, whatever the name's encoding.

const isAscii = (bytes: Uint8Array): boolean => {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return false
  return true
}

const ascii = new TextDecoder("utf-8")

/** The bytes as a binary string: the native decoder where they are all ASCII (the usual checksum file), char by char otherwise. */
const toBinary = (bytes: Uint8Array): string => {
  if (isAscii(bytes)) return ascii.decode(bytes)
  let out = ""
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192))
  return out
}

const fromBinary = (binary: string): Uint8Array => {
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

export interface FormatBytesOptions extends Omit<FormatOptions, "name"> {
  /** The name's bytes, as the system gave them. */
  readonly name: Uint8Array
}

/** `formatChecksumLine` with the name as bytes: the line's bytes, without its newline. */
export const formatChecksumLineBytes = (options: FormatBytesOptions): Uint8Array =>
  fromBinary(formatChecksumLine({ ...options, name: toBinary(options.name) }))

/** `printableName` of a name as bytes. */
export const printableNameBytes = (name: Uint8Array): Uint8Array => fromBinary(printableName(toBinary(name)))

/**
 * A parsed line of a checksum file read as bytes: `name` is the name as text (U+FFFD
 * where it is not valid UTF-8), `nameBytes` the name to open and print.
 */
export type ChecksumFileBytesEntry =
  | (ParsedLine & {
    readonly nameBytes: Uint8Array
    /** The name's bytes are valid UTF-8: `name` is exactly them (a path needs no bytes). */
    readonly text: boolean
    readonly lineNumber: number
  })
  | (MalformedLine & { readonly lineNumber: number })

/** `parseChecksumFile` of the file's bytes, as coreutils reads it: names are the bytes between the delimiters. */
export const parseChecksumFileBytes = (
  bytes: Uint8Array,
  hint?: ParseHint
): ReadonlyArray<ChecksumFileBytesEntry> => {
  // An ASCII file's names are already their text, and their bytes are made only when asked.
  const entries: Array<ChecksumFileBytesEntry> = []
  if (isAscii(bytes)) {
    eachLine(ascii.decode(bytes), hint, (entry, lineNumber) => {
      entries.push(entry._tag === "Parsed" ? new AsciiEntry(entry, lineNumber) : { ...entry, lineNumber })
    })
    return entries
  }
  eachLine(toBinary(bytes), hint, (entry, lineNumber) => {
    if (entry._tag !== "Parsed") return entries.push({ ...entry, lineNumber })
    const nameBytes = fromBinary(entry.name)
    const exact = decodeUtf8Exact(nameBytes)
    entries.push({
      _tag: "Parsed",
      algorithm: entry.algorithm,
      digestHex: entry.digestHex,
      name: exact ?? decodeUtf8Lossy(nameBytes),
      binary: entry.binary,
      style: entry.style,
      nameBytes,
      text: exact !== undefined,
      lineNumber
    })
  })
  return entries
}

/**
 * A parsed line of a checksum file that is all ASCII: its name is its bytes, made only
 * when asked (a check of text names never asks: a Uint8Array less per line).
 */
class AsciiEntry {
  readonly _tag = "Parsed"
  readonly algorithm: HashAlgorithm | undefined
  readonly digestHex: string
  readonly name: string
  readonly binary: boolean
  readonly style: "gnu" | "bsd"
  readonly text = true
  readonly lineNumber: number
  constructor(entry: ParsedLine, lineNumber: number) {
    this.algorithm = entry.algorithm
    this.digestHex = entry.digestHex
    this.name = entry.name
    this.binary = entry.binary
    this.style = entry.style
    this.lineNumber = lineNumber
  }
  get nameBytes(): Uint8Array {
    return fromBinary(this.name)
  }
}
