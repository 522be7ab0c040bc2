/**
 * `sluice encrypt` and `sluice decrypt` as commander's commands: age's flags (long and
 * short), its flags of the other mode (hidden, refused with age's hints), help and action.
 */
import { type Command, Option } from "commander"
import type { EarlyWorker } from "../earlyWorker.js"
import { workersOption } from "../options.js"
import { runCommand } from "../runtime.js"
import { AGE_WORKER_HEAP } from "../ageWorkers.js"
import { type DecryptArgs, type EncryptArgs, planDecrypt, planEncrypt } from "./ageArgs.js"

const repeated = (value: string, previous: Array<string> = []) => [...previous, value]

const NO_RESUME = `
An interrupted encryption or decryption does not resume: run it again. Resuming would
mean keeping the file key (or the plaintext made so far) on disk, which is the secret the
file protects. Ctrl-C leaves nothing at -o FILE (its temporary file is removed) and a
FILE that existed keeps its old content.`

const PASSPHRASES = `
Passphrases are typed at the terminal (/dev/tty) without echo, never given as arguments
(every user of the machine sees those, and shells keep them). For scripts:
  --passphrase-fd N    read it from file descriptor N to its end (one final newline dropped),
                       e.g. 3< pw.txt, or a pipe from a password manager
  SLUICE_PASSPHRASE    the environment variable; note that the environment of a process
                       can be read by the same user (/proc/PID/environ) while it runs`

const jsonOption = () =>
  new Option("--json", "print one JSON object on standard output at the end: bytes in and out, time, or the error and exit code (needs -o FILE)").default(false)

const fdOption = (what: string) => new Option("--passphrase-fd <n>", `read the passphrase ${what} from file descriptor N instead of the terminal`)

const hidden = (flags: string, description: string, repeatable: boolean) => {
  const option = new Option(flags, description).hideHelp()
  return repeatable ? option.argParser(repeated) : option
}

export const addAgeCommands = (
  program: Command,
  setExit: (code: number) => void,
  exitCodesHelp: string,
  early?: ReadonlyArray<EarlyWorker>
): void => {
  const err = (line: string) => process.stderr.write(line + "\n")
  const out = (text: string) => process.stdout.write(text)

  program
    .command("encrypt")
    .description("encrypt INPUT (standard input when none, or '-') to age recipients or with a passphrase, as age does, on every core")
    .argument("[input...]", "the file to encrypt (one)")
    .addOption(new Option("-r, --recipient <recipient>", "encrypt to RECIPIENT: age1..., age1pq1..., or an SSH public key (ssh-ed25519, ssh-rsa); repeatable").argParser(repeated))
    .addOption(new Option("-R, --recipients-file <path>", "encrypt to the recipients listed in PATH, one a line ('#' comments); '-' reads standard input; repeatable").argParser(repeated))
    .option("-p, --passphrase", "encrypt with a passphrase (asked twice; leave it empty to get a generated one)", false)
    .option("-a, --armor", "write the file as PEM text (-----BEGIN AGE ENCRYPTED FILE-----)", false)
    .option("-o, --output <file>", "write to FILE instead of standard output: a regular file appears whole or not at all (a temporary file renamed at the end); a device or FIFO (/dev/null, a named pipe) is written in order, as a pipe is; '-' forces standard output, even a terminal")
    .addOption(new Option("-i, --identity <path>", "encrypt to the recipients of the identities in PATH too (age's -e -i): age keys, SSH private keys, or a passphrase-encrypted identity file (its passphrase asked for); repeatable").argParser(repeated))
    .addOption(fdOption("(-p, or of a passphrase-encrypted identity file of -i)"))
    .addOption(jsonOption())
    .addOption(workersOption())
    .addHelpText("after", `
INPUT is read by the workers themselves when it is a file; standard output gets the file
in order. Binary output is not written to a terminal (use -a, or force it with "-o -").
Recipients files hold recipients one a line; empty lines and lines starting with "#" are
ignored; SSH keys of other types are skipped with a warning.
${PASSPHRASES}
${NO_RESUME}

Examples:
  sluice encrypt -r age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p -o data.tar.age data.tar
  tar cz ~/data | sluice encrypt -R ~/.ssh/id_ed25519.pub > data.tgz.age
  sluice encrypt -p -a secrets.txt > secrets.txt.age       a passphrase, armored
  sluice encrypt -p --passphrase-fd 3 -o big.age big.iso 3< pw.txt
${exitCodesHelp}`)
    .action(async (input: Array<string>, opts: EncryptArgs) => {
      const { encryptProgram, stopped } = await import("./age.js")
      try {
        const plan = planEncrypt(input, opts, { stdoutIsTTY: process.stdout.isTTY === true })
        const program = await encryptProgram(plan, out, err)
        setExit(await runCommand(program, { workers: opts.workers, cache: false, early, workerHeap: AGE_WORKER_HEAP }))
      } catch (error) {
        const code = stopped(error, err)
        if (code === undefined) throw error
        setExit(code)
      }
    })

  program
    .command("decrypt")
    .description("decrypt the age file INPUT (standard input when none, or '-'), armored or not, with identities or its passphrase, on every core")
    .argument("[input...]", "the age file (one)")
    .addOption(new Option("-i, --identity <path>", "an identity file: age secret keys (AGE-SECRET-KEY-1..., -PQ-1...) one a line, an SSH private key (ssh-ed25519, ssh-rsa; encrypted ones ask for their passphrase), or such keys in an age file encrypted with a passphrase (age -p; asked for when needed, decrypted in memory only); '-' reads standard input; repeatable").argParser(repeated))
    .option("-o, --output <file>", "write the plaintext to FILE: a regular file appears only once every chunk authenticated; a device or FIFO (/dev/null, a named pipe) gets each chunk in order once it authenticated, as standard output does; '-' forces standard output, even a terminal")
    .addOption(fdOption("of a passphrase-encrypted file, or of passphrase-encrypted identity files (-i)"))
    .addOption(jsonOption())
    .addOption(workersOption())
    .addOption(hidden("-r, --recipient <recipient>", "encrypt only", true))
    .addOption(hidden("-R, --recipients-file <path>", "encrypt only", true))
    .addOption(hidden("-p, --passphrase", "encrypt only", false))
    .addOption(hidden("-a, --armor", "encrypt only", false))
    .addHelpText("after", `
A passphrase-encrypted file (no -i) asks for its passphrase. Armor is detected. To a file,
plaintext is written only once it authenticated, and the file appears only when the last
chunk did: a tampered or truncated file leaves nothing at -o FILE (age itself leaves the
plaintext it had written). To standard output only authenticated chunks are written, and a
failure stops the output with a message naming the chunk and a non-zero exit. Plaintext
for a terminal is shown only whole and if it holds no control characters (force: "-o -").
${PASSPHRASES}
${NO_RESUME}

Examples:
  sluice decrypt -i key.txt -o data.tar data.tar.age
  sluice decrypt -i ~/.ssh/id_ed25519 data.tgz.age | tar xz
  sluice decrypt secrets.txt.age                    asks for the passphrase
  SLUICE_PASSPHRASE=... sluice decrypt -o big.iso big.age
${exitCodesHelp}`)
    .action(async (input: Array<string>, opts: DecryptArgs) => {
      const { decryptProgram, stopped } = await import("./age.js")
      try {
        const plan = planDecrypt(input, opts, { stdoutIsTTY: process.stdout.isTTY === true })
        const program = decryptProgram(plan, out, err)
        setExit(await runCommand(program, { workers: opts.workers, cache: false, early, workerHeap: AGE_WORKER_HEAP }))
      } catch (error) {
        const code = stopped(error, err)
        if (code === undefined) throw error
        setExit(code)
      }
    })
}
