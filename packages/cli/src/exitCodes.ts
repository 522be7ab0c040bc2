import {
  AgeErrorReason,
  BadHeaderMac,
  BadIdentity,
  BadRecipient,
  EmptyLastChunk,
  FileNotFound,
  IncompatibleRecipients,
  MalformedArmor,
  MalformedHeader,
  NoIdentityMatch,
  Tampered,
  TrailingData,
  Truncated,
  UndecryptableFileKey,
  UnsupportedVersion,
  WorkFactorTooLarge,
  type HashErrorReason,
  IsADirectory,
  isTransient,
  MalformedChecksumLine,
  PermissionDenied,
  ReadFailed,
  TRANSIENT_READ_CODES,
  UnsupportedAlgorithm,
  WorkerFailure
} from "@sluice/core"

import { ExitCode } from "./exitCode.js"

export { ExitCode } from "./exitCode.js"

export const exitCodeFor = (reason: HashErrorReason): ExitCode => {
  switch (reason._tag) {
    case "UnsupportedAlgorithm":
      return ExitCode.usage
    case "WorkerFailure":
      return ExitCode.internal
    default:
      return ExitCode.input
  }
}

/** The exit code of an age encryption or decryption that failed with `reason`. */
export const exitCodeForAge = (reason: AgeErrorReason): ExitCode => {
  switch (reason._tag) {
    case "NoIdentityMatch":
    case "BadPassphrase":
      return ExitCode.noIdentity
    case "BadHeaderMac":
    case "UndecryptableFileKey":
    case "Tampered":
    case "Truncated":
    case "TrailingData":
    case "EmptyLastChunk":
      return ExitCode.tampered
    case "BadRecipient":
    case "IncompatibleRecipients":
      return ExitCode.usage
    default:
      return ExitCode.input
  }
}

/** The worst of several outcomes decides the process's exit code. */
export const worst = (codes: Iterable<ExitCode>): ExitCode => {
  let result: ExitCode = ExitCode.ok
  for (const code of codes) if (code > result) result = code
  return result
}

export interface ErrorRow {
  readonly code: number
  /** The reason's tag, as `--json` prints it, or a word for what is not a reason. */
  readonly error: string
  /** From core's `isTransient` for a reason; "-" for what is not an error of an input. */
  readonly kind: "transient" | "permanent" | "-"
  readonly meaning: string
  /** A reason this row stands for: the tests check its exit code and kind. */
  readonly example?: HashErrorReason
  /** An age reason this row stands for (encrypt, decrypt): the tests check its exit code. */
  readonly ageExample?: AgeErrorReason
}

const row = (code: number, error: string, meaning: string, example?: HashErrorReason | "permanent"): ErrorRow =>
  example === undefined || example === "permanent"
    ? { code, error, kind: example ?? "-", meaning }
    : { code, error, kind: isTransient(example) ? "transient" : "permanent", meaning, example }

/**
 * age's BadPassphrase: @sluice/core's index exports keygen's reason of that name, so age's
 * is taken from the union's members (named for core in the report).
 */
const ageBadPassphrase = (): AgeErrorReason => {
  const member = AgeErrorReason.members.find((m) => m.identifier === "BadPassphrase") as unknown as new (fields: object) => AgeErrorReason
  return new member({})
}

/** A row of an age reason: never retried (the same file fails the same way). */
const ageRow = (code: number, reason: AgeErrorReason, meaning: string): ErrorRow => ({ code, error: reason._tag, kind: "permanent", meaning, ageExample: reason })

const transientReads = [...TRANSIENT_READ_CODES].join(" ")

/** Every error a run can end with: its exit code, whether it is retried, what it means. */
export const ERROR_TABLE: ReadonlyArray<ErrorRow> = [
  row(0, "-", "success"),
  row(1, "mismatch", "a checksum did not match (check)"),
  row(2, "usage", "unknown option or bad option value", "permanent"),
  row(2, "UnsupportedAlgorithm", "an algorithm sluice does not have", new UnsupportedAlgorithm({ algorithm: "x" })),
  row(3, "FileNotFound", "an input is missing", new FileNotFound({ path: "x" })),
  row(3, "PermissionDenied", "an input may not be read", new PermissionDenied({ path: "x" })),
  row(3, "IsADirectory", "an input is a directory", new IsADirectory({ path: "x" })),
  row(3, "MalformedChecksumLine", "no usable line in a checksum file (a bad one: --strict)", new MalformedChecksumLine({ file: "x", line: 1, detail: "x" })),
  row(3, "ReadFailed", "a read failed (EIO...), or the input changed meanwhile", new ReadFailed({ path: "x", code: "EIO" })),
  row(3, "ReadFailed", `a read failed: ${transientReads}`, new ReadFailed({ path: "x", code: "EAGAIN" })),
  row(4, "WorkerFailure", "a worker crashed, hung or could not start", new WorkerFailure({ detail: "x", kind: "crashed" })),
  row(5, "OutputFailed", "-o FILE not written (ENOSPC...); FILE is unchanged", "permanent"),
  ageRow(2, new BadRecipient({ index: 0, problem: "x" }), "encrypt: a recipient (-r, -R) that cannot be used"),
  ageRow(2, new IncompatibleRecipients({ detail: "x" }), "encrypt: recipients that may not share a file (post-quantum with classical)"),
  ageRow(3, new BadIdentity({ file: "x", line: 1, problem: "x" }), "decrypt: an identity file (-i) that cannot be used"),
  ageRow(3, new MalformedHeader({ detail: "x" }), "decrypt: not an age file, or its header breaks the format"),
  ageRow(3, new UnsupportedVersion({}), "decrypt: another version of the age format, or not an age file"),
  ageRow(3, new MalformedArmor({ detail: "x" }), "decrypt: armor (-----BEGIN AGE ENCRYPTED FILE-----) that breaks the format"),
  ageRow(3, new WorkFactorTooLarge({ logN: 30, max: 22 }), "decrypt: a passphrase's work factor too large to run (refused before scrypt)"),
  ageRow(6, new NoIdentityMatch({}), "decrypt: no identity given opens the file"),
  ageRow(6, ageBadPassphrase(), "decrypt: the passphrase is wrong"),
  ageRow(7, new BadHeaderMac({}), "decrypt: the header was tampered with; nothing is written"),
  ageRow(7, new UndecryptableFileKey({ stanza: "ssh-ed25519" }), "decrypt: an SSH stanza names the -i key but does not open under it; nothing is written"),
  ageRow(7, new Tampered({ chunk: 0 }), "decrypt: a chunk failed to authenticate; -o FILE is not written"),
  ageRow(7, new Truncated({ chunk: 0 }), "decrypt: the file ends early; -o FILE is not written"),
  ageRow(7, new TrailingData({ chunk: 0 }), "decrypt: data after the file's end; -o FILE is not written"),
  ageRow(7, new EmptyLastChunk({}), "decrypt: an empty last chunk where none may be; -o FILE is not written"),
  row(130, "interrupted", "Ctrl-C; nothing more is printed, -o FILE is unchanged"),
  row(141, "EPIPE", "the reader of the output went away (as SIGPIPE)")
  // By code; rows of one code keep their order (a stable sort).
].sort((a, b) => a.code - b.code)

export const TRANSIENT_NOTE = "transient: retried automatically (up to ~5 s) before it is reported; permanent: never retried"

const HEADER = { code: "code", kind: "kind", error: "error", meaning: "meaning" } as const

/** The table as `--help` prints it: aligned columns, two spaces apart. */
export const errorTableText = (): string => {
  const rows = [HEADER, ...ERROR_TABLE.map((r) => ({ ...r, code: String(r.code) }))]
  const width = (key: "code" | "kind" | "error") => Math.max(...rows.map((r) => r[key].length))
  const lines = rows.map((r) =>
    `  ${r.code.padEnd(width("code"))}  ${r.kind.padEnd(width("kind"))}  ${r.error.padEnd(width("error"))}  ${r.meaning}`
  )
  return `\nErrors and exit codes (the same for every command):\n${lines.join("\n")}\n  ${TRANSIENT_NOTE}`
}

/** The table as the README shows it (a test holds the README to it). */
export const errorTableMarkdown = (): string =>
  [
    "| code | kind | error | meaning |",
    "|---|---|---|---|",
    ...ERROR_TABLE.map((r) => `| ${r.code} | ${r.kind} | ${r.error} | ${r.meaning} |`),
    "",
    TRANSIENT_NOTE
  ].join("\n")

export const EXIT_CODES_HELP = errorTableText()
