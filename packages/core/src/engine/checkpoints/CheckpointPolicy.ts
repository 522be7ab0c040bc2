/**
 * What a checkpoint may hold. A checkpoint outlives the run that wrote it, in a directory
 * or in IndexedDB that other programs and people may read, so it holds only what anyone
 * could recompute from the input: offsets, counts, the states of public computations (a
 * hasher's state holds at most one pending block of input), lines already printed. Never a
 * key, a passphrase, plaintext or a file key.
 *
 * Each record kind declares what it holds (`CheckpointKind.holds`), and the policy says
 * which of those may be written. A kind that declares any secret content is refused by
 * `Checkpoints` whatever the policy says; a policy cannot allow a secret either.
 */
import { Data, type Schema } from "effect"

/** What may be written: public, recomputable content. */
export type PublicContent =
  /** A position in the input (bytes hashed so far, an entry index). */
  | "offset"
  /** A number of bytes or of items (files checked, failures seen). */
  | "count"
  /** The state of a computation anyone can redo from the input: a hasher's state. */
  | "publicState"
  /** Lines the program has already printed (`path: OK`), to print them again on resume. */
  | "printedOutput"

/** What is never written, whatever a policy says. */
export type SecretContent = "key" | "passphrase" | "plaintext" | "fileKey"

export type CheckpointContent = PublicContent | SecretContent

export const SECRET_CONTENT: ReadonlyArray<SecretContent> = ["key", "passphrase", "plaintext", "fileKey"]

export const isSecret = (content: CheckpointContent): content is SecretContent =>
  (SECRET_CONTENT as ReadonlyArray<string>).includes(content)

/**
 * One kind of checkpoint record, declared by the operation that writes it: its name and
 * version (a record of another version is ignored), its schema (what is stored is the
 * schema's encoded, JSON-safe form) and what it holds.
 */
export interface CheckpointKind<A, I = unknown> {
  readonly name: string
  readonly version: number
  readonly schema: Schema.Codec<A, I>
  readonly holds: ReadonlyArray<CheckpointContent>
}

export const kind = <A, I>(declaration: CheckpointKind<A, I>): CheckpointKind<A, I> => declaration

/** Which public contents may be written. */
export interface CheckpointPolicy {
  readonly allows: ReadonlySet<PublicContent>
}

/**
 * A record the policy forbids: a bug in the operation that declared it, never a condition
 * of the machine, so `Checkpoints` raises it as a defect. A typed error would be swallowed
 * where a storage failure is (a checkpoint that cannot be written costs resumability only),
 * and the secret would merely go unsaved in silence; a defect fails the job and its tests.
 */
export class CheckpointRefused extends Data.TaggedError("CheckpointRefused")<{
  readonly kind: string
  readonly reason: string
}> {
  override get message() {
    return `a checkpoint of kind ${this.kind} may not be written: ${this.reason}`
  }
}

/** A policy allowing `contents`; a secret among them is refused (thrown: a policy is code, not input). */
export const make = (contents: ReadonlyArray<CheckpointContent>): CheckpointPolicy => {
  const secret = contents.filter(isSecret)
  if (secret.length > 0) {
    throw new CheckpointRefused({ kind: "(policy)", reason: `a policy cannot allow ${secret.join(", ")}` })
  }
  return { allows: new Set(contents as ReadonlyArray<PublicContent>) }
}

/** Everything public: offsets, counts, states of public computations, printed lines. */
export const publicOnly: CheckpointPolicy = make(["offset", "count", "publicState", "printedOutput"])

/** Why `policy` refuses records of `kind`, or undefined when they may be written. */
export const refusal = (policy: CheckpointPolicy, kind: CheckpointKind<unknown, unknown>): CheckpointRefused | undefined => {
  const secret = kind.holds.filter(isSecret)
  if (secret.length > 0) return new CheckpointRefused({ kind: kind.name, reason: `it declares secret content (${secret.join(", ")})` })
  const forbidden = kind.holds.filter((content) => !policy.allows.has(content as PublicContent))
  if (forbidden.length > 0) return new CheckpointRefused({ kind: kind.name, reason: `the policy does not allow ${forbidden.join(", ")}` })
  if (kind.holds.length === 0) return new CheckpointRefused({ kind: kind.name, reason: "it declares nothing it holds" })
  return undefined
}
