/**
 * Passphrase-encrypted identity files, as age's `-i` reads them (cmd/age/encrypted_keys.go
 * `EncryptedIdentity`): an identity file that is itself an age file, binary or armored,
 * encrypted with a passphrase (`age -p -o key.age key.txt`). Its passphrase is asked for
 * the first time its identities are needed (a file whose stanzas another identity opened
 * first never asks), once; the file is decrypted in memory (scrypt through the kernel, on a
 * worker; the few hundred bytes of payload here), its key lines read as an identity file's,
 * and the plaintext wiped. The decrypted identities are never written anywhere.
 */
import type { AgeKeyKernel } from "./AgeKeyKernel.js"
import { dearmor, isArmored } from "./armor.js"
import { NONCE_SIZE, parseHeader } from "./header.js"
import type { AgeIdentity } from "./identities.js"
import { payloadKey, verifyHeaderMac } from "./keySchedule.js"
import { nobleAead } from "./nobleAead.js"
import type { UnwrapFailure } from "./stanzas/result.js"
import * as Scrypt from "./stanzas/scrypt.js"
import { openPayload } from "./stream.js"

/** An identity file encrypted with a passphrase: its identities once unlocked. */
export interface LockedIdentityFile {
  readonly kind: "encrypted-file"
  /** The file's name, as the user gave it (messages, the prompt). */
  readonly name: string
  /**
   * The identities the file holds, asking for its passphrase and decrypting it the first
   * time (scrypt through `kernel`); a failure says why, with neither a byte of the
   * passphrase nor of the file's plaintext.
   */
  readonly unlock: (kernel: AgeKeyKernel) => Promise<ReadonlyArray<AgeIdentity> | UnwrapFailure>
  /** Wipes the identities if the file was unlocked. */
  readonly forget: () => void
  /** Called when the identities inside opened none of a file's stanzas (age warns then). */
  readonly noMatch: () => void
}

/** Asks for the passphrase of the identity file `name`; undefined: none given. */
export type IdentityFilePassphrase = (name: string) => Promise<Uint8Array | undefined>

/** The identities of a decrypted identity file's text (identities.ts's key lines), or why not. */
export type KeyLinesReader = (text: string) =>
  | { readonly _tag: "Identities"; readonly identities: ReadonlyArray<AgeIdentity> }
  | { readonly _tag: "BadIdentityFile"; readonly line?: number; readonly problem: string }

/** Whether an identity file's text is an age file (age's test: its first 14 characters). */
export const isEncryptedIdentityFile = (text: string): boolean => {
  const start = text.slice(0, 14)
  return start === "age-encryption" || start === "-----BEGIN AGE"
}

/** age's messages, naming the file: "failed to decrypt identity file NAME: why", or `detail` of it. */
const locked = (name: string, detail: string): UnwrapFailure => ({
  _tag: "IdentityLocked",
  detail: detail.startsWith("failed to decrypt: ") ? `failed to decrypt identity file ${name}: ${detail.slice(19)}` : `identity file ${name}: ${detail}`
})

/** The plaintext of a passphrase-encrypted age file `bytes`, or why not; `ask` is called only for such a file. */
const decryptWithPassphrase = async (
  bytes: Uint8Array,
  name: string,
  ask: IdentityFilePassphrase | undefined,
  kernel: AgeKeyKernel
): Promise<Uint8Array | UnwrapFailure> => {
  let file: Uint8Array
  let header
  try {
    file = isArmored(bytes) ? dearmor(bytes) : bytes
    header = parseHeader(file)
  } catch {
    return locked(name, "failed to decrypt: not a readable age file")
  }
  const stanzas = header.stanzas
  const alone = Scrypt.checkScryptAlone(stanzas)
  if (alone !== undefined) return locked(name, "failed to decrypt: an scrypt stanza must be the only stanza in the header")
  // age: "identity file is encrypted with age but not with a passphrase".
  if (stanzas.length !== 1 || stanzas[0]!.type !== Scrypt.SCRYPT_TYPE) return locked(name, "is encrypted with age but not with a passphrase")
  if (ask === undefined) return locked(name, "is encrypted with a passphrase, and no passphrase can be asked for (no terminal)")
  const passphrase = await ask(name)
  if (passphrase === undefined) return locked(name, "no passphrase was given for it")
  let result
  try {
    result = await Scrypt.unwrap(stanzas[0]!, { passphrase }, kernel)
  } finally {
    passphrase.fill(0)
  }
  switch (result._tag) {
    case "FileKey":
      break
    case "NoMatch":
      return locked(name, "failed to decrypt: incorrect passphrase")
    case "WorkFactorTooLarge":
      return locked(name, `failed to decrypt: the passphrase's work factor 2^${result.logN} is above the maximum 2^${result.max}`)
    default:
      return locked(name, "failed to decrypt: a malformed scrypt stanza")
  }
  const fileKey = result.fileKey
  try {
    if (!verifyHeaderMac(fileKey, header.macInput, header.mac)) return locked(name, "failed to decrypt: the header's MAC does not verify")
    const nonce = file.subarray(header.headerLength, header.headerLength + NONCE_SIZE)
    if (nonce.length !== NONCE_SIZE) return locked(name, "failed to decrypt: the file is truncated")
    const key = payloadKey(fileKey, nonce)
    const parts: Array<Uint8Array> = []
    const failure = openPayload(nobleAead, key, file.subarray(header.headerLength + NONCE_SIZE), (plaintext) => parts.push(plaintext.slice()))
    key.fill(0)
    const size = parts.reduce((n, p) => n + p.length, 0)
    const plaintext = new Uint8Array(size)
    let at = 0
    for (const part of parts) {
      plaintext.set(part, at)
      at += part.length
      part.fill(0)
    }
    if (failure !== undefined) {
      plaintext.fill(0)
      return locked(name, `failed to decrypt: ${failure.message}`)
    }
    return plaintext
  } finally {
    fileKey.fill(0)
  }
}

/**
 * The identity file `bytes` (an age file, binary or armored) as one identity that asks
 * for its passphrase when first needed. `readLines` reads the decrypted key lines.
 */
export const lockedIdentityFile = (
  bytes: Uint8Array,
  name: string,
  ask: IdentityFilePassphrase | undefined,
  readLines: KeyLinesReader,
  noMatch: (name: string) => void = () => {}
): LockedIdentityFile => {
  let unlocked: ReadonlyArray<AgeIdentity> | undefined
  let failed: UnwrapFailure | undefined
  const wipeAll = () => {
    for (const identity of unlocked ?? []) {
      if (identity.kind === "X25519") identity.identity.secret.fill(0)
      else if (identity.kind === "mlkem768x25519") identity.identity.seed.fill(0)
    }
  }
  return {
    kind: "encrypted-file",
    name,
    unlock: async (kernel) => {
      if (unlocked !== undefined) return unlocked
      // Asked once: a wrong passphrase is not asked again for the next stanza or file part.
      if (failed !== undefined) return failed
      const plaintext = await decryptWithPassphrase(bytes, name, ask, kernel)
      if (!(plaintext instanceof Uint8Array)) return (failed = plaintext)
      try {
        const read = readLines(new TextDecoder("utf-8", { fatal: false }).decode(plaintext))
        if (read._tag === "BadIdentityFile") {
          return (failed = locked(name, `holds no usable identities: ${read.line === undefined ? "" : `line ${read.line}: `}${read.problem}`))
        }
        unlocked = read.identities
        return unlocked
      } finally {
        plaintext.fill(0)
      }
    },
    forget: () => {
      wipeAll()
      unlocked = undefined
    },
    noMatch: () => noMatch(name)
  }
}
