/** UTF-8 decoding of names, without Effect: what a program that only reads checksum lines needs. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
const lossyUtf8 = new TextDecoder("utf-8", { ignoreBOM: true })

/** The bytes as text when they are valid UTF-8, else undefined. */
export const decodeUtf8Exact = (bytes: Uint8Array): string | undefined => {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

/** The bytes as text, each invalid sequence shown as U+FFFD: how a name that is not text is displayed. */
export const decodeUtf8Lossy = (bytes: Uint8Array): string => lossyUtf8.decode(bytes)
