import type { HashErrorReason } from "@sluice/core"

/** Exit codes of `sluice`, one place for every command (shown in `--help` and the README). */
export const ExitCode = {
  ok: 0,
  /** A checksum or signature did not match. */
  mismatch: 1,
  /** The command line itself is wrong: unknown option, unsupported algorithm. */
  usage: 2,
  /** An input could not be used: missing, unreadable, a directory, a malformed checksum file. */
  input: 3,
  /** Sluice itself failed (a worker crashed); retrying may help. */
  internal: 4,
  /**
   * The output file (`-o`) could not be written; it is left as it was. Not 3: the inputs
   * were fine and the fix is elsewhere (free space, permissions), and a script that
   * re-runs on 3 with other inputs must not re-run on a full disk.
   */
  output: 5,
  /** Interrupted by Ctrl-C (128 + SIGINT). */
  interrupted: 130
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

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

export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    a checksum did not match (check)
  2    usage error: unknown option or unsupported algorithm
  3    an input could not be used: missing, unreadable, a directory, a malformed checksum file
  4    internal failure (a worker crashed); retrying may help
  5    -o FILE could not be written; FILE is left as it was
  130  interrupted (Ctrl-C)`
