/**
 * `sluice derive KDF ...`: the program with derive as its only command, which bin.ts runs
 * for a derivation (not for `--help`, `--calibrate` or `-w N`, which go to the full
 * program). It loads commander, derive's command and core's derive entry
 * (`@sluice/core/node/derive`), not the other commands, the result cache or the worker
 * pool's platform: node:crypto's call comes that much sooner after the process starts.
 * Options, messages and exit codes are the full program's (the same `addDeriveCommand`).
 */
import { CommanderError } from "commander"
import { addDeriveCommand } from "./commands/derive.js"
import { ExitCode } from "./exitCode.js"
import { rootCommand } from "./options.js"

/**
 * Runs `sluice derive ...` (`argv` without node and script) and resolves to its exit code;
 * `out` writes to standard output.
 */
export const main = async (argv: ReadonlyArray<string>, out: (text: string) => void): Promise<number> => {
  let code: number = ExitCode.ok
  // No help here: bin.ts sends every `-h` and `--help` to the full program, whose help
  // ends with the table of exit codes (which needs the whole of core's errors).
  const program = rootCommand().helpOption(false)
  addDeriveCommand(program, (c) => {
    code = c
  }, "", undefined, out)
  try {
    await program.parseAsync([...argv], { from: "user" })
    return code
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage
    throw error
  }
}
