/**
 * Whether a failure is worth another attempt, from its reason's tag and code alone: the
 * pool asks this without loading the errors' classes (errors.ts re-exports it).
 */
/**
 * Errno codes of a read that may succeed when tried again: the resource was busy, the
 * process ran out of descriptors for a moment, or the call was interrupted.
 */
export const TRANSIENT_READ_CODES: ReadonlySet<string> = new Set([
  "EAGAIN",
  "EBUSY",
  "EMFILE",
  "ENFILE",
  "EINTR",
  "ETIMEDOUT"
])

/** Anything with a tagged reason: the shape every error of every operation has. */
export interface HasReason {
  readonly reason: { readonly _tag: string }
}

/**
 * Transient failures are worth another attempt (a crashed or hung worker, a busy file,
 * no free descriptors); permanent ones never are (missing, unreadable, bad input,
 * unsupported, any reason of an operation's own). Every front end and the pool ask this
 * one function.
 */
export const isTransient = (reason: { readonly _tag: string }): boolean => {
  switch (reason._tag) {
    case "WorkerFailure":
      return true
    case "ReadFailed":
      return TRANSIENT_READ_CODES.has((reason as unknown as { readonly code: string }).code)
    default:
      return false
  }
}

/** `isTransient` of an error's reason; an error without one is permanent. */
export const isTransientError = (error: unknown): boolean => {
  const reason = (error as Partial<HasReason> | undefined)?.reason
  return reason !== undefined && typeof reason._tag === "string" && isTransient(reason)
}
