/**
 * `sluice derive KDF ...`: what bin.ts runs for a derivation (not for `--help`,
 * `--calibrate` or `-w N`, which go to the full program). A plain command line is read
 * here (`quickArgs`) and derived at once; any other is read by commander, with derive as
 * its only command. Either way it loads derive's command and core's derive entry
 * (`@sluice/core/node/derive`), not the other commands, the result cache or the worker
 * pool's platform: node:crypto's call comes that much sooner after the process starts.
 * Options, messages and exit codes are the full program's.
 */
import { deriveCommand, quickArgs } from "./commands/derive.js"

/**
 * Runs `sluice derive ...` (`argv` without node and script) and resolves to its exit code;
 * `out` writes to standard output.
 */
export const main = async (argv: ReadonlyArray<string>, out: (text: string) => void): Promise<number> => {
  const quick = quickArgs(argv)
  if (quick !== undefined) return deriveCommand(quick.kdf, quick.options, out, (line) => process.stderr.write(line + "\n"))
  const { runDeriveProgram } = await import("./commands/deriveCommand.js")
  return runDeriveProgram(argv, out)
}
