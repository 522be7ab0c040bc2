import {
  FileNotFound,
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
}

const row = (code: number, error: string, meaning: string, example?: HashErrorReason | "permanent"): ErrorRow =>
  example === undefined || example === "permanent"
    ? { code, error, kind: example ?? "-", meaning }
    : { code, error, kind: isTransient(example) ? "transient" : "permanent", meaning, example }

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
  row(130, "interrupted", "Ctrl-C; nothing more is printed, -o FILE is unchanged"),
  row(141, "EPIPE", "the reader of the output went away (as SIGPIPE)")
]

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
