/**
 * age recipients: what a file key is wrapped to. Parsed as age's `-r` and `-R` read them
 * (cmd/age/parse.go): `age1…` (X25519), `age1pq1…` (hybrid post-quantum), and SSH public
 * keys (`ssh-ed25519 …`, `ssh-rsa …` of 2,048 bits or more); a recipients file has one a
 * line, with `#` comments and blank lines, and skips SSH keys of other types (age warns).
 * A passphrase (scrypt) is a recipient too, which must be alone. A problem names the line,
 * never its text: a recipients file could be confidential, and a pasted identity is.
 */
import { base64 } from "@scure/base"
import { parseAgeHybridRecipient, parseAgeRecipient } from "../keys/formats/age.js"
import { parseAuthorizedKey } from "../keys/formats/openssh.js"
import { KeyParseError } from "../keys/KeyError.js"
import type { AgeKeyKernel, RsaPublicKey } from "./AgeKeyKernel.js"
import type { Stanza } from "./stanza.js"
import * as Hybrid from "./stanzas/hybrid.js"
import * as Scrypt from "./stanzas/scrypt.js"
import * as SshEd25519 from "./stanzas/sshEd25519.js"
import * as SshRsa from "./stanzas/sshRsa.js"
import * as X25519 from "./stanzas/x25519.js"

export type AgeRecipient =
  | { readonly kind: "X25519"; readonly publicKey: Uint8Array }
  | { readonly kind: "mlkem768x25519"; readonly publicKey: Uint8Array }
  | { readonly kind: "ssh-ed25519"; readonly key: SshEd25519.Ed25519PublicKey }
  | { readonly kind: "ssh-rsa"; readonly key: RsaPublicKey }
  /** A passphrase; `logN` is the work factor (age's 18 by default). */
  | { readonly kind: "scrypt"; readonly passphrase: Uint8Array; readonly logN?: number }

export type ParsedRecipient =
  | { readonly _tag: "Recipient"; readonly recipient: AgeRecipient }
  | { readonly _tag: "BadRecipient"; readonly problem: string }

export type RecipientsFile =
  | {
    readonly _tag: "Recipients"
    readonly recipients: ReadonlyArray<AgeRecipient>
    /** Lines holding valid SSH keys of a type age cannot encrypt to (ecdsa…): skipped, as age does with a warning. */
    readonly skipped: ReadonlyArray<{ readonly line: number; readonly type: string }>
  }
  | { readonly _tag: "BadRecipient"; readonly line?: number; readonly problem: string }

const bad = (problem: string): ParsedRecipient => ({ _tag: "BadRecipient", problem })

const parseSsh = (text: string): ParsedRecipient => {
  let key
  try {
    key = parseAuthorizedKey(text).key
  } catch (error) {
    return bad(error instanceof KeyParseError ? `a malformed SSH recipient: ${error.problem}` : "a malformed SSH recipient")
  }
  if (key.family === "okp" && key.type === "ed25519") {
    const u = SshEd25519.montgomeryOf(key)
    if (u === undefined || X25519.isLowOrder(u)) return bad("an ssh-ed25519 recipient that is not a valid Ed25519 public key")
    return { _tag: "Recipient", recipient: { kind: "ssh-ed25519", key } }
  }
  if (key.family === "rsa") {
    if (SshRsa.rsaBits(key) < SshRsa.MIN_RSA_BITS) return bad(`an ssh-rsa recipient of fewer than ${SshRsa.MIN_RSA_BITS} bits`)
    return { _tag: "Recipient", recipient: { kind: "ssh-rsa", key } }
  }
  return bad(`an SSH key of type ${key.type}, which age cannot encrypt to`)
}

/** One recipient, as given to `-r`. */
export const parseRecipient = (text: string): ParsedRecipient => {
  if (text.startsWith("age1tag1") || text.startsWith("age1tagpq1")) return bad("tagged (hardware key) recipients are not supported")
  if (text.startsWith("age1pq1")) {
    try {
      const publicKey = parseAgeHybridRecipient(text)
      if (!Hybrid.isHybridPublicKey(publicKey)) return bad("an age1pq1 recipient that is not a valid MLKEM768-X25519 public key")
      return { _tag: "Recipient", recipient: { kind: "mlkem768x25519", publicKey } }
    } catch {
      return bad("a malformed age1pq1 recipient")
    }
  }
  // age1<plugin name>1… : a plugin's recipient.
  if (text.startsWith("age1") && text.indexOf("1", 4) >= 0) return bad("plugin recipients are not supported")
  if (text.startsWith("age1")) {
    if (text.trim() !== text) return bad("a malformed age1 recipient")
    try {
      const key = parseAgeRecipient(text)
      if (key.family !== "okp") return bad("a malformed age1 recipient")
      if (X25519.isLowOrder(key.publicKey)) return bad("an age1 recipient that is a low-order point")
      return { _tag: "Recipient", recipient: { kind: "X25519", publicKey: key.publicKey } }
    } catch {
      return bad("a malformed age1 recipient")
    }
  }
  if (text.startsWith("ssh-")) return parseSsh(text)
  if (text.startsWith("AGE-")) return bad("an apparent identity given as a recipient")
  if (text.startsWith("github:")) return bad(`"github:" recipients were removed from age's design`)
  const sshType = sshKeyType(text)
  if (sshType !== undefined) return bad(`an SSH key of type ${sshType}, which age cannot encrypt to`)
  return bad("an unknown recipient type")
}

/** age's limits (cmd/age/parse.go): 16 MiB a file, 8 KiB a line (as sshd's). */
const FILE_LIMIT = 16 << 20
const LINE_LIMIT = 8 << 10

/** The type named by an SSH public key line whose blob names the same type (age's `sshKeyType`), or undefined. */
const sshKeyType = (line: string): string | undefined => {
  const [type, data] = line.split(" ")
  if (type === undefined || data === undefined) return undefined
  try {
    const blob = base64.decode(data)
    const length = ((blob[0]! << 24) | (blob[1]! << 16) | (blob[2]! << 8) | blob[3]!) >>> 0
    if (blob.length < 4 + length) return undefined
    return new TextDecoder().decode(blob.subarray(4, 4 + length)) === type ? type : undefined
  } catch {
    return undefined
  }
}

/** The recipients of a recipients file's text (`-R`). */
export const parseRecipientsFile = (text: string): RecipientsFile => {
  if (text.length > FILE_LIMIT) return { _tag: "BadRecipient", problem: "the recipients file is longer than 16 MiB" }
  const recipients: Array<AgeRecipient> = []
  const skipped: Array<{ line: number; type: string }> = []
  const lines = text.split("\n")
  if (lines.at(-1) === "") lines.pop()
  for (const [index, raw] of lines.entries()) {
    const n = index + 1
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw
    if (line === "" || line.startsWith("#")) continue
    if (line.length > LINE_LIMIT) return { _tag: "BadRecipient", line: n, problem: "the line is too long" }
    const parsed = parseRecipient(line)
    if (parsed._tag === "Recipient") {
      recipients.push(parsed.recipient)
      continue
    }
    const type = sshKeyType(line)
    if (type !== undefined && type !== "ssh-ed25519" && type !== "ssh-rsa") {
      skipped.push({ line: n, type })
      continue
    }
    if (line.startsWith("AGE-")) return { _tag: "BadRecipient", line: n, problem: "an apparent identity found in the recipients file" }
    return { _tag: "BadRecipient", line: n, problem: "a malformed recipient" }
  }
  if (recipients.length === 0) return { _tag: "BadRecipient", problem: "no recipients found" }
  return { _tag: "Recipients", recipients, skipped }
}

export interface IncompatibleRecipients {
  readonly _tag: "IncompatibleRecipients"
  readonly message: string
}

/** age's message (age.go `incompatibleLabelsError`), word for word. */
export const MIXED_PQ_MESSAGE =
  "incompatible recipients: can't mix post-quantum and classic recipients, or the file would be vulnerable to quantum computers"

/**
 * age's rule for one file's recipients (age.go `RecipientWithLabels`): a passphrase must be
 * the only recipient, and post-quantum recipients are not mixed with classic ones (X25519,
 * SSH), which would leave the file open to a quantum computer. Encryption only: decryption
 * accepts any mix [spec; CCTV `hybrid_and_x25519`].
 */
export const checkRecipients = (recipients: ReadonlyArray<AgeRecipient>): IncompatibleRecipients | undefined => {
  if (recipients.length > 1 && recipients.some((r) => r.kind === "scrypt")) {
    return { _tag: "IncompatibleRecipients", message: "incompatible recipients: a passphrase must be the only recipient of a file" }
  }
  const pq = recipients.some((r) => r.kind === "mlkem768x25519")
  const classic = recipients.some((r) => r.kind !== "mlkem768x25519")
  return pq && classic ? { _tag: "IncompatibleRecipients", message: MIXED_PQ_MESSAGE } : undefined
}

/** One stanza for the recipient. */
export const wrapTo = (fileKey: Uint8Array, recipient: AgeRecipient, kernel: AgeKeyKernel): Promise<Stanza> | Stanza => {
  switch (recipient.kind) {
    case "X25519":
      return X25519.wrap(fileKey, recipient.publicKey, kernel.x25519)
    case "mlkem768x25519":
      return Hybrid.wrap(fileKey, recipient.publicKey)
    case "ssh-ed25519":
      return SshEd25519.wrap(fileKey, recipient.key)
    case "ssh-rsa":
      return SshRsa.wrap(fileKey, recipient.key, kernel)
    case "scrypt":
      return Scrypt.wrap(fileKey, recipient.passphrase, kernel, recipient.logN)
  }
}

/** The header's stanzas for these recipients, in their order, once `checkRecipients` allows them. */
export const wrapFileKey = async (
  fileKey: Uint8Array,
  recipients: ReadonlyArray<AgeRecipient>,
  kernel: AgeKeyKernel
): Promise<{ readonly _tag: "Stanzas"; readonly stanzas: ReadonlyArray<Stanza> } | IncompatibleRecipients | { readonly _tag: "NoRecipients" }> => {
  if (recipients.length === 0) return { _tag: "NoRecipients" }
  const incompatible = checkRecipients(recipients)
  if (incompatible !== undefined) return incompatible
  const stanzas: Array<Stanza> = []
  for (const recipient of recipients) stanzas.push(await wrapTo(fileKey, recipient, kernel))
  return { _tag: "Stanzas", stanzas }
}
