/**
 * How the result cache names an entry in its levels, without Effect or a SHA-256 of its own:
 * what ResultCache.ts uses, and what the CLI's lean hash keys its lookups with.
 */

/** Bumped when what is cached, or how it is keyed, changes: older entries are never read. */
export const CACHE_FORMAT = 2

/**
 * The key a level stores a result under: the hash of everything that identifies it (the
 * format, the application's version, the kind and each part), so no path or name is stored.
 */
export const levelKey = (
  appVersion: string,
  key: { readonly kind: string; readonly parts: ReadonlyArray<string> },
  sha256Hex: (text: string) => string
): string => {
  let text = `sluice-cache/${CACHE_FORMAT}\u0000${appVersion}\u0000${key.kind}`
  for (const part of key.parts) text += `\u0000${part}`
  return sha256Hex(text).slice(0, 40)
}
