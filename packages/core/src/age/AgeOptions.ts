/**
 * The library surface of age encryption and decryption (issue 14, design §5): what a caller
 * gives `encrypt` / `decrypt` and what they answer. Neutral: the CLI, the web app and the
 * Node wrappers build on these types.
 */
import type { AgeKeyKernel } from "./AgeKeyKernel.js"
import type { AgeIdentity } from "./identities.js"
import type { AgeRecipient } from "./recipients.js"

/** Chunks (64 KiB of plaintext each) one worker task seals or opens: 64 = 4 MiB. */
export const DEFAULT_CHUNKS_PER_PIECE = 64

export interface EncryptOptions {
  /** Recipients (parsed with `parseRecipient` / `parseRecipientsFile`); or `passphrase`, not both. */
  readonly recipients?: ReadonlyArray<AgeRecipient>
  /** A passphrase: the file gets one scrypt stanza, its scrypt run on a worker. The caller's bytes are not kept or wiped. */
  readonly passphrase?: Uint8Array
  /** scrypt's work factor log2(N) for `passphrase`; age's 18 by default. */
  readonly workFactor?: number
  /** ASCII armor (`-----BEGIN AGE ENCRYPTED FILE-----`): `encrypt` and Node's `encryptToFile` (not `encryptToSink`). */
  readonly armor?: boolean
  /** Chunks per worker task; `DEFAULT_CHUNKS_PER_PIECE` by default. */
  readonly chunksPerPiece?: number
  /** RSA-OAEP for `ssh-rsa` recipients (Node: `nodeAgeKeyKernel`); scrypt always runs on the pool. */
  readonly kernel?: AgeKeyKernel
}

/** A passphrase, or a function asked for it only when the file turns out to be passphrase-encrypted. */
export type PassphraseInput = Uint8Array | (() => Promise<Uint8Array | undefined>)

export interface DecryptOptions {
  /** Identities (from `parseIdentityFile`, `x25519Identity`...) tried over the header's stanzas. */
  readonly identities?: ReadonlyArray<AgeIdentity>
  /** For a passphrase-encrypted file (one scrypt stanza); its scrypt runs on a worker. */
  readonly passphrase?: PassphraseInput
  /** The largest scrypt work factor accepted (log2 N); 22 by default, as age. */
  readonly maxWorkFactor?: number
  /** Chunks per worker task; `DEFAULT_CHUNKS_PER_PIECE` by default. */
  readonly chunksPerPiece?: number
  /** RSA-OAEP for `ssh-rsa` identities (Node: `nodeAgeKeyKernel`); scrypt always runs on the pool. */
  readonly kernel?: AgeKeyKernel
}

/** What an encryption or decryption to a sink wrote. */
export interface AgeSummary {
  readonly plaintextBytes: number
  readonly ciphertextBytes: number
}
