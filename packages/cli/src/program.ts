import { type Command, CommanderError, Option } from "commander"
import { formatBytes, HASH_ALGORITHMS, parseAlgorithm } from "@sluice/core"
import { type CacheAction, cacheCommand } from "./commands/cache.js"
import { checkCommand } from "./commands/check.js"
import { expandDirectories } from "./commands/walk.js"
import { hasEscapedBytes, osBytes, quoteName } from "./names.js"
import type { EarlyWorker } from "./earlyWorker.js"
import { hashCommand, parseAlgorithms } from "./commands/hash.js"
import { EXIT_CODES_HELP, ExitCode } from "./exitCodes.js"
import { rootCommand, workersOption } from "./options.js"
import { printErr, runCommand } from "./runtime.js"
import { withStats } from "./stats.js"
import { doctorCommand } from "./commands/doctor.js"
import { benchCommand } from "./commands/bench.js"
import { addDeriveCommand } from "./commands/deriveCommand.js"
import { addAgeCommands } from "./commands/ageCommand.js"
import { FILE_SUFFIX, type KeygenCommandOptions, keygenCommand, MANIFEST } from "./commands/keygen.js"
import { KEY_TYPES } from "@sluice/core"

export { VERSION } from "./version.js"
export { withRawArgs } from "./names.js"

const statsOption = () =>
  new Option("--stats", "after the job, print on stderr what it did: files, throughput, time per phase, cache hits, retries, memory, and tips")

const noCacheOption = () =>
  new Option("--no-cache", "neither answer from nor write to the result cache (every file is read and hashed)")

/** Builds the `sluice` program; `setExit` receives the exit code of the command that ran. */
export const makeProgram = (setExit: (code: number) => void, early?: ReadonlyArray<EarlyWorker>): Command => {
  const program = rootCommand()
    .addHelpText("after", `
Examples:
  sluice hash big.iso                      SHA-256, like sha256sum, on a pool of workers
  sluice hash -a blake3 big.iso            BLAKE3, one file spread over every worker
  sluice hash *.iso > SHA256SUMS           checksum lines for many files
  sluice check SHA256SUMS                  verify them, like sha256sum -c
  sluice help hash                         every option of a command
${EXIT_CODES_HELP}`)

  program
    .command("hash")
    .description("print checksums of FILEs (standard input when none, or for '-'), in coreutils format")
    .argument("[files...]", "files to hash")
    .option("-a, --algorithm <names>", `one or several, comma-separated: ${HASH_ALGORITHMS.join(", ")}`, "sha256")
    .option("--tag", "print BSD-style lines: SHA256 (file) = hex (the default with several algorithms)", false)
    .option("-b, --binary", "mark lines with '*' (binary mode), as sha256sum -b does", false)
    .option("--json", "print one JSON object per file: {\"file\", \"bytes\", and a digest per algorithm}, or {\"file\", \"error\"}; a name that is not UTF-8 has U+FFFD in \"file\" and its exact bytes in \"fileHex\"", false)
    .option("-o, --output <file>", "write the lines to FILE instead of standard output: all of them or, if anything fails, none (FILE is left as it was)")
    .option("-r, --recursive", "hash every regular file under each directory given, in name order (symbolic links are not followed)", false)
    .option("--resume", "make the hash of each large file (64 MiB or more) resumable: it saves its progress as it goes, and the same command run again after a crash or kill goes on from there", false)
    .addOption(noCacheOption())
    .addOption(statsOption())
    .addOption(workersOption())
    .addHelpText("after", `
Examples:
  sluice hash big.iso                      like sha256sum, on every core
  sluice hash -a blake3 *.tar              BLAKE3, one large file spread over all workers
  sluice hash -a sha256,blake3 disk.img    both digests from one read of the file
  sluice hash --tag -a sha512 a b c        BSD-style lines
  cat file | sluice hash -a md5 -          standard input
  sluice hash --json *.bin | jq .sha256
  sluice hash -o SHA256SUMS *.iso          SHA256SUMS appears whole, or stays as it was
  sluice hash --resume disk.img            killed halfway? run it again: it goes on from there
  sluice hash -r backup/ > SUMS            a whole tree; files unchanged since the last run come from the cache
${EXIT_CODES_HELP}`)
    .action(async (args: Array<string>, opts: { algorithm: string; tag: boolean; binary: boolean; json: boolean; output?: string; recursive: boolean; resume: boolean; cache: boolean; stats: boolean; workers?: string }) => {
      const files = opts.recursive ? expandDirectories(args) : args
      const algorithms = parseAlgorithms([opts.algorithm])
      if (!Array.isArray(algorithms) || algorithms.length === 0) {
        const name = Array.isArray(algorithms) ? opts.algorithm : algorithms.unknown
        process.stderr.write(`sluice: unsupported algorithm '${name}' (supported: ${HASH_ALGORITHMS.join(", ")})\n`)
        return setExit(ExitCode.usage)
      }
      if (opts.output !== undefined && hasEscapedBytes(opts.output)) {
        process.stderr.write(`sluice: -o ${quoteName(osBytes(opts.output))}: an output name that is not UTF-8 is not supported\n`)
        return setExit(ExitCode.usage)
      }
      const options = { algorithm: algorithms, tag: opts.tag, binary: opts.binary, json: opts.json, output: opts.output, resume: opts.resume }
      const command = hashCommand(files, options)
      setExit(await runCommand(opts.stats ? withStats(command, { algorithms }, printErr) : command, { ...opts, early }))
    })

  program
    .command("check")
    .description("read checksums from SUMFILEs (standard input when none) and verify them, as sha256sum -c does")
    .argument("[sumfiles...]", "checksum files in coreutils or BSD --tag format")
    .option("-a, --algorithm <name>", "algorithm of plain lines with 64 or 128 hex digits (default: sha256 / sha512)")
    .option("--quiet", "don't print OK for each successfully verified file", false)
    .option("--status", "don't output anything, the exit code shows success", false)
    .option("--warn", "warn about improperly formatted checksum lines", false)
    .option("--strict", "exit non-zero for improperly formatted checksum lines", false)
    .option("--ignore-missing", "don't fail or report status for missing files", false)
    .option("--resume", "save how far the check got as it goes; the same command run again after a crash or kill goes on from there", false)
    .addOption(noCacheOption())
    .addOption(statsOption())
    .addOption(workersOption())
    .addHelpText("after", `
Examples:
  sluice hash *.iso > SHA256SUMS && sluice check SHA256SUMS
  sluice check --quiet SHA256SUMS          print only failures
  sluice check -a blake3 B3SUMS            plain 64-digit lines made by b3sum
  sluice check --status SUMS && echo intact
${EXIT_CODES_HELP}`)
    .action(async (sumFiles: Array<string>, opts: {
      algorithm?: string
      quiet: boolean
      status: boolean
      warn: boolean
      strict: boolean
      ignoreMissing: boolean
      cache: boolean
      stats: boolean
      workers?: string
    }) => {
      const algorithm = opts.algorithm === undefined ? undefined : parseAlgorithm(opts.algorithm)
      if (opts.algorithm !== undefined && algorithm === undefined) {
        process.stderr.write(`sluice: unsupported algorithm '${opts.algorithm}' (supported: ${HASH_ALGORITHMS.join(", ")})\n`)
        return setExit(ExitCode.usage)
      }
      const command = checkCommand(sumFiles, { ...opts, algorithm })
      setExit(await runCommand(opts.stats ? withStats(command, {}, printErr) : command, { ...opts, early }))
    })

  program
    .command("cache")
    .description("show, empty or trim the result cache (digests of files seen unchanged; no content, no secrets)")
    .argument("<action>", "stats: where it is and what it holds; clear: remove every entry; prune: drop old versions' entries and the least recently used beyond the limits")
    .option("--json", "print one JSON object", false)
    .addOption(statsOption())
    .addHelpText("after", `
The cache lives in $SLUICE_CACHE_DIR, else $XDG_CACHE_HOME/sluice, else ~/.cache/sluice.
A file is answered from it only while its device, inode, size, modification and change
times are as they were (and, for a file that changed within 2 s of being cached, a
fingerprint of sampled blocks too); --no-cache on hash and check bypasses it.

Examples:
  sluice cache stats
  sluice cache clear
${EXIT_CODES_HELP}`)
    .action(async (action: string, opts: { json: boolean; stats: boolean }) => {
      if (!["stats", "clear", "prune"].includes(action)) {
        process.stderr.write(`sluice: unknown cache action '${action}' (stats, clear, prune)\n`)
        return setExit(ExitCode.usage)
      }
      const started = performance.now()
      setExit(await cacheCommand(action as CacheAction, opts, (line) => process.stdout.write(line + "\n"), (line) => process.stderr.write(line + "\n")))
      if (opts.stats) {
        const rss = process.resourceUsage().maxRSS * 1024
        process.stderr.write(`sluice: stats: cache ${action} in ${(performance.now() - started).toFixed(0)} ms; peak RSS ${formatBytes(rss)}\n`)
      }
    })

  addDeriveCommand(program, setExit, EXIT_CODES_HELP, early)
  addAgeCommands(program, setExit, EXIT_CODES_HELP, early)

  program
    .command("keygen")
    .description("generate keys of one type on every core: one to standard output, or many to a directory (one file per key per form, and a manifest) or as JSON lines; age keys as age-keygen does")
    .argument("[input]", "with -y: the identity file to read (standard input when none, or for '-')")
    .option("-t, --type <type>", `the key type: ${KEY_TYPES.join(", ")}, or age (age-keygen's key file: an X25519 key, post-quantum with --pq) (required)`)
    .option("-n, --count <n>", "how many keys (default 1; more than one needs --out-dir or --jsonl)")
    .option("-f, --format <forms>", `a form to write, repeatable or comma-separated: ${Object.keys(FILE_SUFFIX).join(", ")} (default: openssh-private and openssh-public for OpenSSH types, age-identity and age-recipient for x25519, pkcs8-pem and spki-pem otherwise)`, (value: string, previous: Array<string> = []) => [...previous, value])
    .option("--out-dir <dir>", `write key-000001, key-000001.pub... there (private forms mode 0600, each file whole or not at all; past 1,000 keys in subdirectories of 1,000: 0000/, 0001/...) and ${MANIFEST}: one line per key with its files, public key and fingerprints`)
    .option("--jsonl <file>", "write one JSON object per key to FILE (- for standard output): its index, each form (DER in base64) and fingerprints; FILE appears whole or not at all, mode 0600 when it holds private keys")
    .option("--encrypt", "encrypt the private keys (encrypted PKCS#8 with scrypt, OpenSSH's own bcrypt-pbkdf encryption); the passphrase is asked for", false)
    .option("--passphrase-file <file>", "encrypt the private keys with the passphrase in FILE (one trailing newline dropped)")
    .option("--comment <text>", "the OpenSSH comment of every key")
    .option("--resume", `go on with an --out-dir run that was stopped: the keys in its ${MANIFEST} are kept, what is past them is made again`, false)
    .option("--json", "print one JSON object at the end: what was written, time and keys/s (with no destination: the key as one JSON object)", false)
    .option("--pq", "with --type age: a post-quantum hybrid key (ML-KEM-768 + X25519: age1pq1…, AGE-SECRET-KEY-PQ-1…), as age-keygen -pq")
    .option("-o, --output <file>", "with --type age or -y: write to FILE, a new file (mode 0600; an existing FILE is never replaced, as age-keygen); the public key is then printed on standard error")
    .option("-y", "print the recipient of each identity in INPUT, an age identity file (age-keygen -y)")
    .option("--seal-to <recipient|file>", "seal each private key with age to this recipient (age1…, or age1pq1… post-quantum) or to every recipient in FILE (one a line, # comments): private files become age files (NAME.age), JSON lines hold them ASCII-armored; public keys and the manifest stay plain")
    .addOption(workersOption())
    .addHelpText("after", `
The passphrase never comes from the command line: arguments are visible to every user of
the machine (ps, /proc) and stay in the shell's history. It is read from --passphrase-file,
else from the environment variable SLUICE_PASSPHRASE, else, on a terminal, from a prompt
that does not echo (typed twice). Encryption is asked for by --encrypt, --passphrase-file
or an encrypted form; each private form is then written encrypted (jwk and age-identity
have no encrypted form and are refused). Bad options exit 2 before any key is made.
--seal-to RECIPIENT|FILE encrypts each private form with age on the worker that made it,
before it is written: a file key, header and payload of its own per key, to X25519 or
post-quantum recipients (not both: age's rule), so no private key is ever on disk or in
a JSON line in plaintext. Files are binary age files named after the form's file plus
.age (key-000001.age, key-000001.pem.age); in JSON lines (and on standard output) each
private form is the armored age file as a string, which 'age -d -i KEY' reads as is.
--type age writes age-keygen's file ('# created:', '# public key:', the secret key);
with -o FILE it never replaces a file. -y prints an identity file's recipients.
A private key is never on disk with wider permissions than 0600, not even for a moment:
its temporary file is created 0600 and renamed into place. After a failure or Ctrl-C the
directory holds whole keys only, each in ${MANIFEST}; --resume goes on from there.

Examples:
  sluice keygen -t ed25519                           one OpenSSH key pair, printed
  sluice keygen -t ed25519 -n 10000 --out-dir keys   keys/0000/key-000001, keys/0000/key-000001.pub, ... and keys/${MANIFEST}
  sluice keygen -t ecdsa-p256 -n 500 -f pkcs8-pem,spki-pem,jwk-public --out-dir certs
  sluice keygen -t ed25519 -n 100 --passphrase-file pw --out-dir keys    encrypted with pw
  sluice keygen -t x25519 -n 1000 --jsonl - | jq -r '."age-recipient"'
  sluice keygen -t ed25519 -n 1000000 --out-dir keys --resume           after a kill: goes on
  sluice keygen --type age -o key.txt                 age-keygen -o key.txt
  sluice keygen --type age --pq -o pq.txt             age-keygen -pq -o pq.txt
  sluice keygen -y key.txt                            age-keygen -y key.txt
  sluice keygen -t ed25519 -n 10000 --seal-to age1… --out-dir keys       private keys as age files
  sluice keygen -t ecdsa-p256 -n 500 -f pkcs8-pem,spki-pem --seal-to escrow.txt --jsonl keys.jsonl
${EXIT_CODES_HELP}`)
    .action(async (input: string | undefined, opts: KeygenCommandOptions) => {
      setExit(await keygenCommand(opts, (text) => process.stdout.write(text), (line) => process.stderr.write(line + "\n"), early, input))
    })

  program
    .command("doctor")
    .description("report this machine (cores, WebAssembly, the kernels chosen and their speed here, worker start-up, the cache) with tips")
    .option("--json", "print one JSON object", false)
    .action(async (opts: { json: boolean }) => {
      setExit(await doctorCommand(opts, (line) => process.stdout.write(line + "\n")))
    })

  program
    .command("bench")
    .description("time the quick scenarios on this machine against sha256sum and b3sum when they are installed")
    .option("--size <MiB>", "size of the large file", "256")
    .option("--runs <n>", "runs of each command; the median counts", "3")
    .option("--json", "print the results as JSON", false)
    .action((opts: { size: string; runs: string; json: boolean }) => {
      const sizeMiB = Number(opts.size)
      const runs = Number(opts.runs)
      if (!Number.isInteger(sizeMiB) || sizeMiB < 1 || sizeMiB > 65536 || !Number.isInteger(runs) || runs < 1 || runs > 99) {
        process.stderr.write("sluice: --size must be a whole number of MiB from 1 to 65536, --runs from 1 to 99\n")
        return setExit(ExitCode.usage)
      }
      setExit(benchCommand({ sizeMiB, runs, json: opts.json }, (line) => process.stdout.write(line + "\n"), (line) => process.stderr.write(line + "\n")))
    })

  return program
}

/** Runs `sluice` with `argv` (without node and script) and resolves to its exit code. */
export const main = async (argv: ReadonlyArray<string>, early?: ReadonlyArray<EarlyWorker>): Promise<number> => {
  let code: number = ExitCode.ok
  const program = makeProgram((c) => {
    code = c
  }, early)
  try {
    await program.parseAsync([...argv], { from: "user" })
    return code
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage
    }
    throw error
  }
}
