/**
 * `age-keygen`'s two jobs outside bulk generation (cmd/age-keygen/keygen.go): a post-quantum
 * key file (`-pq`) and the recipients of an identity file (`-y`). The X25519 key file is a
 * form of the keygen operation (`age-identity`); these are what the CLI needs besides, and
 * the recipients `--seal-to` seals keys to. Its own entry (`@sluice/core/age-keys`), loaded
 * only by the commands that use it: the post-quantum code stays out of every other start.
 */
import { parseIdentityFile, forgetIdentities } from "../age/identities.js"
import { type AgeRecipient, parseRecipient, parseRecipientsFile } from "../age/recipients.js"
import { type SealRecipient, sealRecipientsProblem } from "../age/sealKey.js"
import { hybridPublicKey } from "../age/stanzas/hybrid.js"
import { ageHybridIdentity, ageHybridRecipient, ageRecipient, rfc3339 } from "./formats/age.js"

/**
 * A new MLKEM768-X25519 identity in age-keygen's file format: `# created:`, `# public
 * key: age1pq1…`, then `AGE-SECRET-KEY-PQ-1…`; the recipient too, for the line on standard
 * error. The seed is wiped once encoded (the file's text is the caller's).
 */
export const newHybridAgeKeyFile = (createdMillis: number): { readonly file: string; readonly recipient: string } => {
  const seed = crypto.getRandomValues(new Uint8Array(32))
  try {
    const recipient = ageHybridRecipient(hybridPublicKey(seed))
    return { file: `# created: ${rfc3339(createdMillis)}\n# public key: ${recipient}\n${ageHybridIdentity(seed)}\n`, recipient }
  } finally {
    seed.fill(0)
  }
}

export type AgeRecipientsOf =
  | { readonly _tag: "Recipients"; readonly recipients: ReadonlyArray<string> }
  | { readonly _tag: "BadIdentityFile"; readonly line?: number; readonly problem: string }

/**
 * `age-keygen -y`: the recipient of each identity in an identity file's text, in order
 * (`age1…` for X25519, `age1pq1…` for the hybrid type). As age-keygen, only age's own key
 * lines are read: an SSH private key is refused. Every secret read is wiped; a problem
 * names the line, never its text.
 */
export const ageRecipientsOf = (text: string): AgeRecipientsOf => {
  const start = text.trimStart()
  if (start.startsWith("-----BEGIN") && !start.startsWith("-----BEGIN AGE")) {
    return { _tag: "BadIdentityFile", problem: "an SSH or PEM private key: -y reads age identities (AGE-SECRET-KEY-1…, AGE-SECRET-KEY-PQ-1…)" }
  }
  const parsed = parseIdentityFile(text)
  if (parsed._tag === "BadIdentityFile") return parsed
  try {
    const recipients: Array<string> = []
    for (const id of parsed.identities) {
      if (id.kind === "X25519") recipients.push(ageRecipient({ family: "okp", type: "x25519", publicKey: new Uint8Array(id.identity.publicKey) }))
      else if (id.kind === "mlkem768x25519") recipients.push(ageHybridRecipient(hybridPublicKey(id.identity.seed)))
      else return { _tag: "BadIdentityFile", problem: `a ${id.kind} identity: -y reads age identities only` }
    }
    return { _tag: "Recipients", recipients }
  } finally {
    forgetIdentities(parsed.identities)
  }
}

export type SealRecipientsOf =
  | { readonly _tag: "Recipients"; readonly recipients: ReadonlyArray<SealRecipient> }
  | { readonly _tag: "BadRecipient"; readonly line?: number; readonly problem: string }

/**
 * `sluice keygen --seal-to`'s recipients: one recipient (`age1…`, `age1pq1…`), or the text
 * of a recipients file (`fileText`, one a line, `#` comments, as age's `-R`). Keys are
 * sealed to age's native types only (no SSH key, no passphrase), under age's rule that
 * post-quantum and classic recipients are not mixed. A problem names the line, never its text.
 */
export const sealRecipientsOf = (given: { readonly recipient: string } | { readonly fileText: string }): SealRecipientsOf => {
  let parsed: ReadonlyArray<AgeRecipient>
  if ("recipient" in given) {
    const one = parseRecipient(given.recipient)
    if (one._tag === "BadRecipient") return one
    parsed = [one.recipient]
  } else {
    const file = parseRecipientsFile(given.fileText)
    if (file._tag === "BadRecipient") return file
    if (file.skipped.length > 0) return { _tag: "BadRecipient", line: file.skipped[0]!.line, problem: `an SSH key of type ${file.skipped[0]!.type}, which keys are not sealed to` }
    parsed = file.recipients
  }
  const recipients: Array<SealRecipient> = []
  for (const r of parsed) {
    if (r.kind !== "X25519" && r.kind !== "mlkem768x25519") {
      return { _tag: "BadRecipient", problem: `a ${r.kind} recipient: keys are sealed to age1… (X25519) or age1pq1… (post-quantum) recipients` }
    }
    recipients.push({ kind: r.kind, publicKey: new Uint8Array(r.publicKey) })
  }
  const problem = sealRecipientsProblem(recipients)
  return problem === undefined ? { _tag: "Recipients", recipients } : { _tag: "BadRecipient", problem }
}
export type { SealRecipient } from "../age/sealKey.js"
