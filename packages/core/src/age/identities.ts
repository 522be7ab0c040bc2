/**
 * age identities: what unwraps a file key. Read from an identity file as age's `-i` reads
 * it (cmd/age/parse.go `parseIdentitiesFile`): lines of `AGE-SECRET-KEY-1…` (X25519) and
 * `AGE-SECRET-KEY-PQ-1…` (hybrid), with `#` comments and blank lines, or one SSH private key
 * (ssh-ed25519, ssh-rsa), or an age file encrypted with a passphrase that holds key lines
 * (encryptedIdentity.ts: its passphrase asked for when its identities are first needed). A
 * passphrase-protected OpenSSH key is read without its passphrase (its public key is in the
 * clear); the passphrase is asked for only when a stanza's tag names that key, once. A
 * problem names the line, never its text.
 */
import { x25519 } from "@noble/curves/ed25519.js"
import { parseAgeHybridSecret, parseAgeX25519Secret } from "../keys/formats/age.js"
import { opensshPrivateKeyHeader, parseOpensshPrivateKey } from "../keys/formats/openssh.js"
import { pemLabel } from "../keys/formats/pem.js"
import { parsePkcs1RsaPem, parsePkcs8Pem } from "../keys/formats/pkcs8.js"
import { type KeyPair, publicOf, type PublicKey, wipe } from "../keys/KeyPair.js"
import type { AgeKeyKernel, RsaKeyPair, RsaPublicKey } from "./AgeKeyKernel.js"
import { type IdentityFilePassphrase, isEncryptedIdentityFile, type LockedIdentityFile, lockedIdentityFile } from "./encryptedIdentity.js"
import type { AgeRecipient } from "./recipients.js"
import { type HybridIdentity, hybridPublicKey } from "./stanzas/hybrid.js"
import type { UnwrapFailure } from "./stanzas/result.js"
import type { ScryptIdentity } from "./stanzas/scrypt.js"
import type { Ed25519KeyPair, Ed25519PublicKey } from "./stanzas/sshEd25519.js"
import type { X25519Identity } from "./stanzas/x25519.js"

/** A passphrase-protected SSH key: its public key, and its private key once unlocked. */
export interface LockedSshIdentity {
  readonly kind: "encrypted-ssh"
  readonly publicKey: Ed25519PublicKey | RsaPublicKey
  /** The private key, asking for the passphrase the first time; a failure says why, never with a byte of either. */
  readonly unlock: () => Promise<Ed25519KeyPair | RsaKeyPair | UnwrapFailure>
  /** Wipes the private key if it was unlocked. */
  readonly forget: () => void
}

export type AgeIdentity =
  | { readonly kind: "X25519"; readonly identity: X25519Identity }
  | { readonly kind: "mlkem768x25519"; readonly identity: HybridIdentity }
  | { readonly kind: "scrypt"; readonly identity: ScryptIdentity }
  | { readonly kind: "ssh-ed25519"; readonly pair: Ed25519KeyPair }
  | { readonly kind: "ssh-rsa"; readonly pair: RsaKeyPair }
  | LockedSshIdentity
  | LockedIdentityFile

/** Asks for the passphrase of an encrypted SSH key (`name` says which file); undefined: none given. */
export type PassphrasePrompt = (name: string) => Promise<Uint8Array | undefined>

export type IdentityFile =
  | { readonly _tag: "Identities"; readonly identities: ReadonlyArray<AgeIdentity> }
  | { readonly _tag: "BadIdentityFile"; readonly line?: number; readonly problem: string }

export interface IdentityFileOptions {
  /** The file's name, for the passphrase prompt. */
  readonly name?: string
  readonly passphrase?: PassphrasePrompt
  /** Asks for the passphrase of a passphrase-encrypted identity file (age: `Enter passphrase for identity file "NAME":`). */
  readonly filePassphrase?: IdentityFilePassphrase
  /** Told when an encrypted identity file's identities open none of a file's stanzas (age: "encrypted identity file didn't match file's recipients"). */
  readonly noMatchWarning?: (name: string) => void
}

/** age's limits (cmd/age/parse.go): 16 MiB of key lines, 16 KiB for one SSH key file. */
const KEY_LINES_LIMIT = 1 << 24
const SSH_KEY_LIMIT = 1 << 14

const bad = (problem: string, line?: number): IdentityFile => ({ _tag: "BadIdentityFile", problem, ...(line === undefined ? {} : { line }) })

export const x25519Identity = (secret: Uint8Array): AgeIdentity => ({ kind: "X25519", identity: { secret, publicKey: x25519.getPublicKey(secret) } })

/** A passphrase as an identity, for a passphrase-encrypted file (`maxLogN`: the largest work factor accepted, 22 by default). */
export const scryptIdentity = (passphrase: Uint8Array, maxLogN?: number): AgeIdentity => ({
  kind: "scrypt",
  identity: maxLogN === undefined ? { passphrase } : { passphrase, maxLogN }
})

const sshIdentity = (pair: KeyPair): AgeIdentity | undefined => {
  if (pair.family === "okp" && pair.type === "ed25519") return { kind: "ssh-ed25519", pair }
  if (pair.family === "rsa") return { kind: "ssh-rsa", pair }
  return undefined
}

const lockedSsh = (text: string, publicKey: Ed25519PublicKey | RsaPublicKey, name: string, prompt: PassphrasePrompt | undefined): LockedSshIdentity => {
  let unlocked: Ed25519KeyPair | RsaKeyPair | undefined
  return {
    kind: "encrypted-ssh",
    publicKey,
    unlock: async () => {
      if (unlocked !== undefined) return unlocked
      if (prompt === undefined) return { _tag: "IdentityLocked", detail: `${name} is passphrase-protected and no passphrase can be asked for` }
      const passphrase = await prompt(name)
      if (passphrase === undefined) return { _tag: "IdentityLocked", detail: `no passphrase was given for ${name}` }
      try {
        const { pair } = parseOpensshPrivateKey(text, passphrase)
        const identity = sshIdentity(pair)
        if (identity === undefined || !("pair" in identity)) return { _tag: "IdentityLocked", detail: `${name} is not an Ed25519 or RSA key` }
        unlocked = identity.pair
        return unlocked
      } catch {
        return { _tag: "IdentityLocked", detail: `the passphrase for ${name} is wrong, or the key file is damaged` }
      } finally {
        passphrase.fill(0)
      }
    },
    forget: () => {
      if (unlocked !== undefined) wipe(unlocked)
      unlocked = undefined
    }
  }
}

const readSshKey = (text: string, options: IdentityFileOptions): IdentityFile => {
  if (text.length >= SSH_KEY_LIMIT) return bad("the key file is too long for an SSH key")
  const name = options.name ?? "the SSH key"
  const label = pemLabel(text)
  try {
    if (label === "OPENSSH PRIVATE KEY") {
      const header = opensshPrivateKeyHeader(text)
      const key: PublicKey = header.publicKey
      if (!(key.family === "rsa" || (key.family === "okp" && key.type === "ed25519"))) return bad("an SSH key that is neither ssh-ed25519 nor ssh-rsa")
      if (header.encrypted) return { _tag: "Identities", identities: [lockedSsh(text, key, name, options.passphrase)] }
      const identity = sshIdentity(parseOpensshPrivateKey(text).pair)
      return identity === undefined ? bad("an SSH key that is neither ssh-ed25519 nor ssh-rsa") : { _tag: "Identities", identities: [identity] }
    }
    if (label === "PRIVATE KEY") {
      const identity = sshIdentity(parsePkcs8Pem(text))
      return identity === undefined ? bad("a private key that is neither Ed25519 nor RSA") : { _tag: "Identities", identities: [identity] }
    }
    if (label === "RSA PRIVATE KEY") {
      if (/^Proc-Type:\s*4,ENCRYPTED/m.test(text)) return bad(`an encrypted PEM key, not read: convert it with "ssh-keygen -p -m RFC4716"`)
      return { _tag: "Identities", identities: [{ kind: "ssh-rsa", pair: parsePkcs1RsaPem(text) as RsaKeyPair }] }
    }
  } catch {
    return bad("a malformed SSH private key")
  }
  return bad(`an unsupported private key format (${label ?? "no PEM label"}): convert it with "ssh-keygen -p -m RFC4716"`)
}

const readKeyLines = (text: string): IdentityFile => {
  if (text.length > KEY_LINES_LIMIT) return bad("the identity file is longer than 16 MiB")
  const identities: Array<AgeIdentity> = []
  const lines = text.split("\n")
  // A file's final newline ends its last line; it does not start another.
  if (lines.at(-1) === "") lines.pop()
  for (const [index, raw] of lines.entries()) {
    const n = index + 1
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw
    if (line === "" || line.startsWith("#")) continue
    try {
      if (line.startsWith("AGE-SECRET-KEY-PQ-1")) identities.push({ kind: "mlkem768x25519", identity: { seed: parseAgeHybridSecret(line) } })
      else if (line.startsWith("AGE-SECRET-KEY-1")) identities.push(x25519Identity(parseAgeX25519Secret(line)))
      else if (line.startsWith("AGE-PLUGIN-")) return bad("plugin identities are not supported", n)
      else if (line.startsWith("age1")) return bad("an apparent recipient found in the identity file", n)
      else return bad("an unknown identity type", n)
    } catch {
      return bad("a malformed secret key", n)
    }
  }
  return identities.length === 0 ? bad("no identities found") : { _tag: "Identities", identities }
}

const latin1 = (bytes: Uint8Array): string => {
  let text = ""
  for (const byte of bytes.subarray(0, 14)) text += String.fromCharCode(byte)
  return text
}

/**
 * The identities of an identity file, its text or its bytes (an encrypted identity file is
 * binary unless armored: give bytes to read one).
 */
export const parseIdentityFile = (file: string | Uint8Array, options: IdentityFileOptions = {}): IdentityFile => {
  const start = typeof file === "string" ? file.slice(0, 14) : latin1(file)
  if (isEncryptedIdentityFile(start)) {
    if (file.length > KEY_LINES_LIMIT) return bad("the identity file is longer than 16 MiB")
    const bytes = typeof file === "string" ? new TextEncoder().encode(file) : file.slice()
    return { _tag: "Identities", identities: [lockedIdentityFile(bytes, options.name ?? "the identity file", options.filePassphrase, readKeyLines, options.noMatchWarning)] }
  }
  const text = typeof file === "string" ? file : new TextDecoder().decode(file)
  if (start.startsWith("-----BEGIN")) return readSshKey(text, options)
  return readKeyLines(text)
}

/**
 * The recipient of each identity, as age's `-e -i` encrypts to them (cmd/age
 * `identitiesToRecipients`): X25519 and hybrid keys' public keys, SSH keys' public keys (a
 * passphrase-protected one's without its passphrase), and the identities inside an
 * encrypted identity file (its passphrase asked for: scrypt through `kernel`). A failure
 * (an identity file that cannot be unlocked) says why; a passphrase is no identity here.
 */
export const recipientsOfIdentities = async (
  identities: ReadonlyArray<AgeIdentity>,
  kernel: AgeKeyKernel
): Promise<Array<AgeRecipient> | UnwrapFailure> => {
  const recipients: Array<AgeRecipient> = []
  for (const id of identities) {
    switch (id.kind) {
      case "X25519":
        recipients.push({ kind: "X25519", publicKey: id.identity.publicKey })
        break
      case "mlkem768x25519":
        recipients.push({ kind: "mlkem768x25519", publicKey: hybridPublicKey(id.identity.seed) })
        break
      case "ssh-ed25519":
        recipients.push({ kind: "ssh-ed25519", key: publicOf(id.pair) as Ed25519PublicKey })
        break
      case "ssh-rsa":
        recipients.push({ kind: "ssh-rsa", key: publicOf(id.pair) as RsaPublicKey })
        break
      case "encrypted-ssh":
        recipients.push(id.publicKey.family === "rsa" ? { kind: "ssh-rsa", key: id.publicKey } : { kind: "ssh-ed25519", key: id.publicKey })
        break
      case "encrypted-file": {
        const inner = await id.unlock(kernel)
        if ("_tag" in inner) return inner
        const more = await recipientsOfIdentities(inner, kernel)
        if (!Array.isArray(more)) return more
        recipients.push(...more)
        break
      }
      case "scrypt":
        return { _tag: "IdentityLocked", detail: "a passphrase is not an identity to encrypt to" }
    }
  }
  return recipients
}

/** Wipes every secret the identities hold (keys, seeds, passphrases). */
export const forgetIdentities = (identities: ReadonlyArray<AgeIdentity>): void => {
  for (const id of identities) {
    switch (id.kind) {
      case "X25519":
        id.identity.secret.fill(0)
        break
      case "mlkem768x25519":
        id.identity.seed.fill(0)
        break
      case "scrypt":
        id.identity.passphrase.fill(0)
        break
      case "ssh-ed25519":
      case "ssh-rsa":
        wipe(id.pair)
        break
      case "encrypted-ssh":
      case "encrypted-file":
        id.forget()
    }
  }
}
