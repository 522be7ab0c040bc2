/**
 * `sluice derive` as commander's command: in the full program (program.ts), and in
 * derive's own (deriveMain.ts) for a command line the quick reading leaves to commander.
 */
import { type Command, CommanderError } from "commander"
import type { EarlyWorker } from "../earlyWorker.js"
import { ExitCode } from "../exitCode.js"
import { rootCommand, workersOption } from "../options.js"
import { DERIVE_OPTIONS, type DeriveCommandOptions, deriveCommand } from "./derive.js"

/**
 * `sluice derive` as a command of `program`: its options, help and action, the same in the
 * full program (program.ts) and in derive's own (deriveMain.ts). `exitCodesHelp` ends its
 * help (the table of exit codes).
 */
export const addDeriveCommand = (
  program: Command,
  setExit: (code: number) => void,
  exitCodesHelp: string,
  early?: ReadonlyArray<EarlyWorker>,
  out: (text: string) => void = (text) => process.stdout.write(text)
): Command => {
  const command = program
    .command("derive")
    .description("derive a key with PBKDF2 or HKDF (SHA-256 or SHA-512), scrypt or Argon2id from explicit parameters, or pick parameters for this machine (--calibrate); the password or input key material is read from standard input, --password-file or a prompt")
    .argument("<kdf>", "pbkdf2, scrypt or argon2id (a key from a password) or hkdf (keys from key material that is already strong)")
  for (const [flags, description, defaultValue] of DERIVE_OPTIONS) command.option(flags, description, defaultValue)
  return command
    .addOption(workersOption())
    .addHelpText("after", `
The secret never comes from the command line: arguments are visible to every user of the
machine (ps, /proc) and stay in the shell's history. It is read from --password-file, else
from standard input, else, when standard input is a terminal, from a prompt that does not
echo. One trailing newline of a password is dropped (echo adds one); hkdf's input key
material is taken byte for byte. Without --salt*, hkdf uses RFC 5869's zero salt.
Nothing is cached or logged; parameters out of range (memory over the ceiling, zero
passes, a short salt) are refused (exit 2) before the secret is asked for. The key is
computed by node:crypto on libuv's threads, off the program's own thread, without a worker
thread to start (-w N asks for one); --calibrate measures on a worker.

Examples:
  sluice derive pbkdf2 --hash sha256 --iterations 600000 --salt-hex 6d7973616c74... --length 32
  sluice derive pbkdf2 --hash sha512 --iterations 210000 --salt-base64 ... --length 64 --password-file pw.txt
  sluice derive argon2id --memory 64MiB --passes 3 --parallelism 4 --salt-hex ... --length 32 --encoding phc
  sluice derive scrypt --ln 17 --r 8 --p 1 --salt-hex ... --length 32
  sluice derive argon2id --calibrate 500ms --max-memory 1GiB
  head -c 32 /dev/urandom > ikm && sluice derive hkdf --hash sha512 --salt-hex ... --info "app v1" --length 64 < ikm
  sluice derive hkdf --hash sha256 --info-hex 0102 --length 32 --encoding raw -o key.bin < ikm
${exitCodesHelp}`)
    .action(async (kdf: string, opts: DeriveCommandOptions) => {
      setExit(await deriveCommand(kdf, opts, out, (line) => process.stderr.write(line + "\n"), early))
    })
}

/**
 * `sluice derive ...` read by commander, with derive as the program's only command (bin.ts
 * sends `--help` to the full program, whose help ends with every command's exit codes).
 */
export const runDeriveProgram = async (argv: ReadonlyArray<string>, out: (text: string) => void): Promise<number> => {
  let code: number = ExitCode.ok
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
