/** A streaming digest: feed bytes in order, read the digest once at the end. */
export interface IncrementalHasher {
  update(data: Uint8Array): void
  digest(): Uint8Array
}

export const toHex = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i++) out += (bytes[i]! < 16 ? "0" : "") + bytes[i]!.toString(16)
  return out
}
