/**
 * A recipient stanza of an age header [C2SP age §Header]: `-> TYPE ARG...` and its body.
 * The header module reads and writes them; each recipient type wraps a file key into one
 * and unwraps it from one.
 */
export interface Stanza {
  /** The first argument: the recipient type (`X25519`, `scrypt`, `mlkem768x25519`, `ssh-ed25519`, ...), case-sensitive. */
  readonly type: string
  /** The arguments after the type, as written (each one or more VCHAR). */
  readonly args: ReadonlyArray<string>
  /** The body, decoded from its base64 lines (may be empty). */
  readonly body: Uint8Array
}
