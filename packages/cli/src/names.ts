/**
 * File names are bytes. Node decodes the command line as UTF-8 and puts U+FFFD for what is
 * not, so a name from an old Latin-1 disk would be lost before the program sees it; the
 * kernel still has the bytes (/proc/self/cmdline). Inside the CLI a name is an "OS string":
 * its valid UTF-8 as text, each byte that is not as a lone surrogate U+DC80..U+DCFF (as
 * Python's surrogateescape). Valid UTF-8 never holds a surrogate, so the mapping is exact
 * both ways and commander passes such strings through untouched. `osBytes` gives the bytes
 * back where the name is opened or printed.
 *
 * How a name is shown is decided here too: checksum lines and `--check` results print the
 * bytes (as coreutils does), messages on stderr quote them as coreutils does (`quoteName`),
 * `--json` gives the text with U+FFFD and, when that lost something, the bytes in hex.
 */
import {
  decodeUtf8Exact,
  decodeUtf8Lossy,
  type HashErrorReason,
  type Source,
  sourceName,
  sourceNameBytes
} from "@sluice/core"
import { readFileSync } from "node:fs"

/** The length and code point of the valid UTF-8 sequence at `i`, or undefined. */
const utf8At = (bytes: Uint8Array, i: number): { readonly length: number; readonly codePoint: number } | undefined => {
  const b0 = bytes[i]!
  if (b0 < 0x80) return { length: 1, codePoint: b0 }
  const length = b0 >= 0xc2 && b0 <= 0xdf ? 2 : b0 >= 0xe0 && b0 <= 0xef ? 3 : b0 >= 0xf0 && b0 <= 0xf4 ? 4 : 0
  if (length === 0 || i + length > bytes.length) return undefined
  let codePoint = b0 & (0xff >> (length + 1))
  for (let k = 1; k < length; k++) {
    const b = bytes[i + k]!
    if ((b & 0xc0) !== 0x80) return undefined
    codePoint = (codePoint << 6) | (b & 0x3f)
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  const least = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000
  if (codePoint < least || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined
  return { length, codePoint }
}

/** The OS string of a name's bytes. */
export const fromOsBytes = (bytes: Uint8Array): string => {
  const text = decodeUtf8Exact(bytes)
  if (text !== undefined) return text
  let out = ""
  for (let i = 0; i < bytes.length;) {
    const unit = utf8At(bytes, i)
    if (unit === undefined) {
      out += String.fromCharCode(0xdc00 + bytes[i]!)
      i++
    } else {
      out += String.fromCodePoint(unit.codePoint)
      i += unit.length
    }
  }
  return out
}

const encoder = new TextEncoder()
const ESCAPED_BYTE = /[\udc80-\udcff]/

/** The bytes of an OS string (of any string: text is UTF-8). */
export const osBytes = (name: string): Uint8Array => {
  if (!ESCAPED_BYTE.test(name)) return encoder.encode(name)
  const parts: Array<number> = []
  for (const char of name) {
    const code = char.codePointAt(0)!
    if (char.length === 1 && code >= 0xdc80 && code <= 0xdcff) parts.push(code - 0xdc00)
    else parts.push(...encoder.encode(char))
  }
  return Uint8Array.from(parts)
}

/** A name that `fs` opens as exactly its bytes. */
export const fsName = (name: string): string | Buffer => ESCAPED_BYTE.test(name) ? Buffer.from(osBytes(name)) : name

/** Whether the name is not valid UTF-8 (it holds escaped bytes). */
export const hasEscapedBytes = (name: string): boolean => ESCAPED_BYTE.test(name)

/** The arguments as the kernel holds them, NUL-terminated: undefined where there is no /proc. */
const readCmdline = (): Array<Uint8Array> | undefined => {
  let raw: Buffer
  try {
    raw = readFileSync("/proc/self/cmdline")
  } catch {
    return undefined
  }
  const entries: Array<Uint8Array> = []
  let start = 0
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) {
      entries.push(raw.subarray(start, i))
      start = i + 1
    }
  }
  if (start < raw.length) entries.push(raw.subarray(start))
  return entries
}

const collapse = (text: string) => text.replace(/\uFFFD+/g, "\uFFFD")

/**
 * The user's arguments (`process.argv` without node and the script) with each one that
 * Node decoded with U+FFFD replaced by the OS string of its bytes. The command line is
 * `node [node options] script args...`, so the user's are its last `args.length` entries;
 * each must decode to what Node gave, or nothing is replaced. Where /proc is absent (or
 * does not agree) the arguments stay as Node decoded them.
 */
export const withRawArgs = (
  args: ReadonlyArray<string>,
  cmdline: ReadonlyArray<Uint8Array> | undefined = args.some((a) => a.includes("\uFFFD")) ? readCmdline() : undefined
): Array<string> => {
  if (cmdline === undefined || cmdline.length < args.length + 1) return [...args]
  const raw = cmdline.slice(cmdline.length - args.length)
  const agree = args.every((arg, i) => collapse(arg) === collapse(decodeUtf8Lossy(raw[i]!)))
  if (!agree) return [...args]
  return args.map((arg, i) => arg.includes("\uFFFD") && decodeUtf8Exact(raw[i]!) === undefined ? fromOsBytes(raw[i]!) : arg)
}

// gnulib quotearg's shell_escape_quoting_style with ':' quoted too (coreutils' quotef), in
// a UTF-8 locale: a name that needs no quoting is shown as it is; otherwise it is put in
// '...', a ' written '\'' (or the whole in "..." when nothing else needs care), and what
// cannot be printed written $'\n', $'\t' or octal $'\377' per byte.
const SHELL_SPECIAL = new Set([..." !\"$&()*;<=>?[^`|\\:'"])
const C_ESCAPE: Readonly<Record<number, string>> = { 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r" }
const PRINTABLE_IN_DOUBLE_QUOTES = /^[%+,\-./0-9:A-Z\]_a-z ']$/
const UNPRINTABLE = /[\p{Cc}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/u

type Unit =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "escape"; readonly bytes: Uint8Array }

const unitsOf = (bytes: Uint8Array): Array<Unit> => {
  const units: Array<Unit> = []
  for (let i = 0; i < bytes.length;) {
    const unit = utf8At(bytes, i)
    const length = unit?.length ?? 1
    const text = unit === undefined ? undefined : String.fromCodePoint(unit.codePoint)
    units.push(text === undefined || UNPRINTABLE.test(text)
      ? { kind: "escape", bytes: bytes.subarray(i, i + length) }
      : { kind: "text", text })
    i += length
  }
  return units
}

/** A name on stderr, as coreutils' messages show it: `'a b'`, `'bad'$'\377''name'`, `'a'$'\n''b'`. */
export const quoteName = (name: Uint8Array): string => {
  const units = unitsOf(name)
  const needsQuotes = units.length === 0 || units.some((unit, i) =>
    unit.kind === "escape" ||
    SHELL_SPECIAL.has(unit.text) ||
    ((unit.text === "#" || unit.text === "~") && i === 0) ||
    ((unit.text === "{" || unit.text === "}") && name.length === 1)
  )
  if (!needsQuotes) return units.map((unit) => unit.kind === "text" ? unit.text : "").join("")
  const texts = units.flatMap((unit) => unit.kind === "text" ? [unit.text] : [])
  if (
    texts.length === units.length && texts.includes("'") &&
    texts.every((text, i) => text.length > 1 || text.charCodeAt(0) > 0x7f || PRINTABLE_IN_DOUBLE_QUOTES.test(text) ||
      ((text === "#" || text === "~") && i === 0) || ((text === "{" || text === "}") && name.length === 1) || text === "@")
  ) {
    return `"${texts.join("")}"`
  }
  let out = "'"
  let inEscape = false
  for (const unit of units) {
    if (unit.kind === "escape") {
      if (!inEscape) out += "'$'"
      inEscape = true
      for (const byte of unit.bytes) out += `\\${C_ESCAPE[byte] ?? byte.toString(8).padStart(3, "0")}`
      continue
    }
    if (unit.text === "'") {
      out += "'\\''"
      inEscape = false
      continue
    }
    if (inEscape) out += "''"
    inEscape = false
    out += unit.text
  }
  return out + "'"
}

/** `--json`: the name as text, and its bytes in hex when the text had to replace some (`fileHex`). */
export const jsonName = (name: Uint8Array): { file: string; fileHex?: string } => {
  const text = decodeUtf8Exact(name)
  return text !== undefined ? { file: text } : { file: decodeUtf8Lossy(name), fileHex: Buffer.from(name).toString("hex") }
}

/**
 * A failure's message with the file's name quoted as coreutils quotes it (`quoteName` of
 * its bytes): reasons name the file as text, first, which is replaced here.
 */
export const failureMessage = (source: Source, reason: HashErrorReason): string => {
  const path = "path" in reason ? reason.path : undefined
  return path !== undefined && path === sourceName(source) && reason.message.startsWith(path)
    ? quoteName(sourceNameBytes(source)) + reason.message.slice(path.length)
    : reason.message
}
