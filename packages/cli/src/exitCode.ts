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
  /** age: no identity opened the file, or its passphrase is wrong (decrypt). */
  noIdentity: 6,
  /** age: the file was tampered with or damaged (a MAC or a chunk failed, truncated, data after the end). */
  tampered: 7,
  /** Interrupted by Ctrl-C (128 + SIGINT). */
  interrupted: 130
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
