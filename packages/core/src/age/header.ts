/**
 * The age header [C2SP age §Header, §ABNF] (headerFormat.ts), its rule breaks thrown as
 * core's AgeError: MalformedHeader, or UnsupportedVersion for an age header of another version.
 */
import { MalformedHeader, UnsupportedVersion, ageError, type AgeError } from "./AgeError.js"
import * as Format from "./headerFormat.js"
import type { Stanza } from "./stanza.js"

export { BYTES_PER_LINE, COLUMNS, HEADER_MAX, MAC_SIZE, NONCE_SIZE, type ParsedHeader, VERSION_LINE } from "./headerFormat.js"

const asAgeError = <A>(f: () => A): A => {
  try {
    return f()
  } catch (error) {
    if (!(error instanceof Format.HeaderFormatError)) throw error
    const converted: AgeError = error.version ? ageError(new UnsupportedVersion({})) : ageError(new MalformedHeader({ detail: error.detail }))
    throw converted
  }
}

/** headerFormat's `tryParseHeader`, throwing AgeError. */
export const tryParseHeader = (prefix: Uint8Array): Format.ParsedHeader | undefined => asAgeError(() => Format.tryParseHeader(prefix))

/** headerFormat's `parseHeader`, throwing AgeError. */
export const parseHeader = (bytes: Uint8Array): Format.ParsedHeader => asAgeError(() => Format.parseHeader(bytes))

/** headerFormat's `encodeHeader`, throwing AgeError. */
export const encodeHeader = (stanzas: ReadonlyArray<Stanza>, macFn: (macInput: Uint8Array) => Uint8Array): Uint8Array =>
  asAgeError(() => Format.encodeHeader(stanzas, macFn))
