/**
 * What unwrapping a file key from a header's stanzas gives, as a value: the lead maps it
 * to `AgeError` (age/AgeError.ts). A case carries names, counts and short reasons only,
 * never a byte of a key, a share, a body or a passphrase, so it is safe to print and log.
 */
export type UnwrapResult =
  /** The 16-byte file key, unwrapped (and, from `unwrapFileKey`, its header MAC checked). */
  | { readonly _tag: "FileKey"; readonly fileKey: Uint8Array }
  /** Not this identity's stanza, or a wrapped key that does not open under it [spec: ignore, try the next]. */
  | { readonly _tag: "NoMatch" }
  /** A stanza of a type this identity reads that breaks the spec's rules: the header is rejected. */
  | { readonly _tag: "Malformed"; readonly stanza: string; readonly detail: string }
  /** An scrypt stanza whose work factor is above the accepted maximum; refused before scrypt runs. */
  | { readonly _tag: "WorkFactorTooLarge"; readonly logN: number; readonly max: number }
  /**
   * An SSH stanza whose tag names this identity's key but whose body does not open under it
   * (agessh: "failed to decrypt file key"): an error, not a reason to try the next identity.
   */
  | { readonly _tag: "Undecryptable"; readonly stanza: string }
  /** A passphrase-protected SSH key that could not be unlocked (no passphrase, a wrong one). */
  | { readonly _tag: "IdentityLocked"; readonly detail: string }
  /** A file key was unwrapped, and the header's MAC does not verify under it [spec §Header MAC]. */
  | { readonly _tag: "BadMac" }

export type UnwrapFailure = Exclude<UnwrapResult, { readonly _tag: "FileKey" }>

export const noMatch: UnwrapResult = { _tag: "NoMatch" }

export const malformed = (stanza: string, detail: string): UnwrapResult => ({ _tag: "Malformed", stanza, detail })

export const fileKeyResult = (fileKey: Uint8Array): UnwrapResult => ({ _tag: "FileKey", fileKey })
