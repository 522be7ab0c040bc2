/**
 * The file key from a header's stanzas and the identities given, as age.go `decryptHdr`
 * finds it: the scrypt rule first (an scrypt stanza must be alone, whatever the
 * identities); then each identity in turn, native ones (X25519, hybrid, scrypt) first,
 * over every stanza in order; the first file key found is checked against the header's
 * MAC (the caller's function: the header and its MAC are another module's). A stanza an
 * identity cannot read is skipped; one that breaks the rules for a type it reads ends the
 * search with that error.
 */
import type { AgeKeyKernel, RsaKeyPair } from "./AgeKeyKernel.js"
import type { LockedIdentityFile } from "./encryptedIdentity.js"
import type { AgeIdentity, LockedSshIdentity } from "./identities.js"
import type { Stanza } from "./stanza.js"
import * as Hybrid from "./stanzas/hybrid.js"
import { malformed, noMatch, type UnwrapResult } from "./stanzas/result.js"
import * as Scrypt from "./stanzas/scrypt.js"
import * as SshEd25519 from "./stanzas/sshEd25519.js"
import * as SshRsa from "./stanzas/sshRsa.js"
import { sshTag } from "./stanzas/sshTag.js"
import * as X25519 from "./stanzas/x25519.js"

export interface UnwrapOptions {
  readonly kernel: AgeKeyKernel
  /** Whether the header's MAC verifies under this file key [spec §Header MAC]; compares in constant time. */
  readonly verifyMac: (fileKey: Uint8Array) => boolean | Promise<boolean>
}

const NATIVE = new Set<AgeIdentity["kind"]>(["X25519", "mlkem768x25519", "scrypt"])

/** Each stanza in order until one gives a file key or an error (age.go `multiUnwrap`). */
const eachStanza = async (stanzas: ReadonlyArray<Stanza>, unwrap: (stanza: Stanza) => UnwrapResult | Promise<UnwrapResult>): Promise<UnwrapResult> => {
  for (const stanza of stanzas) {
    const result = await unwrap(stanza)
    if (result._tag !== "NoMatch") return result
  }
  return noMatch
}

const withSshPair = (pair: Extract<AgeIdentity, { kind: "ssh-ed25519" }>["pair"] | RsaKeyPair, stanzas: ReadonlyArray<Stanza>, kernel: AgeKeyKernel) =>
  pair.family === "rsa"
    ? eachStanza(stanzas, (s) => SshRsa.unwrap(s, pair, kernel))
    : eachStanza(stanzas, (s) => SshEd25519.unwrap(s, pair))

/**
 * A locked SSH key is unlocked only if a stanza of its type carries its tag (agessh
 * `EncryptedSSHIdentity`): no passphrase is asked for a file that is not for it.
 */
const withLockedSsh = async (identity: LockedSshIdentity, stanzas: ReadonlyArray<Stanza>, kernel: AgeKeyKernel): Promise<UnwrapResult> => {
  const type = identity.publicKey.family === "rsa" ? SshRsa.SSH_RSA_TYPE : SshEd25519.SSH_ED25519_TYPE
  const tag = sshTag(identity.publicKey)
  let named = false
  for (const stanza of stanzas) {
    if (stanza.type !== type) continue
    if (stanza.args.length < 1) return malformed(type, "no tag")
    if (stanza.args[0] === tag) {
      named = true
      break
    }
  }
  if (!named) return noMatch
  const pair = await identity.unlock()
  if ("_tag" in pair) return pair
  return withSshPair(pair, stanzas, kernel)
}

/**
 * A passphrase-encrypted identity file: unlocked (its passphrase asked for) when reached,
 * then its identities in turn, as age's `EncryptedIdentity.Unwrap`.
 */
const withLockedFile = async (identity: LockedIdentityFile, stanzas: ReadonlyArray<Stanza>, kernel: AgeKeyKernel): Promise<UnwrapResult> => {
  const inner = await identity.unlock(kernel)
  if ("_tag" in inner) return inner
  for (const id of inner) {
    const result = await withIdentity(id, stanzas, kernel)
    if (result._tag !== "NoMatch") return result
  }
  identity.noMatch()
  return noMatch
}

const withIdentity = (identity: AgeIdentity, stanzas: ReadonlyArray<Stanza>, kernel: AgeKeyKernel): Promise<UnwrapResult> => {
  switch (identity.kind) {
    case "X25519":
      return eachStanza(stanzas, (s) => X25519.unwrap(s, identity.identity, kernel.x25519))
    case "mlkem768x25519":
      return eachStanza(stanzas, (s) => Hybrid.unwrap(s, identity.identity))
    case "scrypt":
      return eachStanza(stanzas, (s) => Scrypt.unwrap(s, identity.identity, kernel))
    case "ssh-ed25519":
    case "ssh-rsa":
      return withSshPair(identity.pair, stanzas, kernel)
    case "encrypted-ssh":
      return withLockedSsh(identity, stanzas, kernel)
    case "encrypted-file":
      return withLockedFile(identity, stanzas, kernel)
  }
}

/** The header's file key under the first identity that unwraps it, its MAC verified; NoMatch when none does (or none is given). */
export const unwrapFileKey = async (
  stanzas: ReadonlyArray<Stanza>,
  identities: ReadonlyArray<AgeIdentity>,
  options: UnwrapOptions
): Promise<UnwrapResult> => {
  if (stanzas.length === 0) return malformed("header", "no stanza")
  const scrypt = Scrypt.checkScryptAlone(stanzas)
  if (scrypt !== undefined) return scrypt
  const ordered = [...identities.filter((i) => NATIVE.has(i.kind)), ...identities.filter((i) => !NATIVE.has(i.kind))]
  for (const identity of ordered) {
    const result = await withIdentity(identity, stanzas, options.kernel)
    if (result._tag === "NoMatch") continue
    if (result._tag !== "FileKey") return result
    if (!(await options.verifyMac(result.fileKey))) {
      result.fileKey.fill(0)
      return { _tag: "BadMac" }
    }
    return result
  }
  return noMatch
}
