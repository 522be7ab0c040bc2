/**
 * What is measured: each scenario is a set of commands, each over an input whose size
 * depends on the bench size. Budgets (budgets.json) name a scenario and two of its
 * commands. Tools are found on PATH; Sluice is the built CLI run by this Node.
 */
import type { HashAlgorithm } from "@sluice/core"
import { fileURLToPath } from "node:url"
import type { BenchSize } from "./budgets.js"
import { GiB, type InputSpec, KiB, MiB, type TreeSpec } from "./inputs.js"

/** `library`: `@sluice/core/node` in this process (src/cacheWorkload.ts, src/metricsCost.ts). */
export type ToolId = "sluice" | "openssl" | "sha256sum" | "b3sum" | "ssh-keygen" | "git" | "age" | "node" | "chromium" | "library"

export interface ToolInfo {
  readonly id: ToolId
  /** What to run: [executable, ...leading args] (Sluice: [node, bin.js]). */
  readonly argv: ReadonlyArray<string>
  readonly version?: string
}

export interface MissingTool {
  readonly id: ToolId
  readonly missing: string
}

/** Debian packages, for the message when a peer tool is missing. */
export const DEBIAN_PACKAGE: Readonly<Record<Exclude<ToolId, "sluice" | "node" | "chromium" | "library">, string>> = {
  openssl: "openssl",
  sha256sum: "coreutils",
  b3sum: "b3sum",
  "ssh-keygen": "openssh-client",
  git: "git",
  age: "age"
}

export const missingToolMessage = (tool: Exclude<ToolId, "sluice" | "node" | "chromium" | "library">): string =>
  `${tool} not found on PATH: install the Debian package \`${DEBIAN_PACKAGE[tool]}\` (apt-get install ${DEBIAN_PACKAGE[tool]})`

export type Algorithm = Extract<HashAlgorithm, "sha256" | "blake3">

/** A keygen command's work (run by src/keygen.ts): how many keys, into what. */
export interface KeygenWork {
  readonly keys: (size: BenchSize) => number
  /** `dir`: a new directory (the ssh-keygen loop's too); `jsonl`: a new file path. */
  readonly destination: "dir" | "jsonl"
}

export interface CommandSpec {
  readonly id: string
  readonly tool: ToolId
  /** How the table names it. */
  readonly label: string
  readonly input: (size: BenchSize) => InputSpec
  readonly args: (files: ReadonlyArray<string>) => Array<string>
  /** Commands of one scenario with the same algorithm must print the same digests (derived keys: the same 32-byte key in hex). */
  readonly algorithm?: Algorithm | "argon2id" | "scrypt"
  /** Set in the command's environment, over the bench's own (`SLUICE_NATIVE: "0"`: the fallback kernels). */
  readonly env?: Readonly<Record<string, string>>
  /** A keygen command (src/keygen.ts): how many keys, into what; `args` gets the destination's path. */
  readonly keygen?: KeygenWork
  /** The exit status that means the command did what is measured (a wrong passphrase refused: 6); 0 by default. */
  readonly expectExit?: number
  /** The least time a run is given before it counts as hung (default 5 s plus 50 MB/s of input): for seconds of work on a tiny input (a scrypt). */
  readonly minTimeoutSeconds?: number
}

/** What a browser scenario does in the web app (src/web.ts); its `chromium` commands are its figures. */
export type WebProbe = "sha256" | "cancel" | "blake3" | "memory" | "perfpage" | "keygen" | "files" | "pageload" | "age"

/** What a result-cache scenario does (src/cache.ts); all its commands are its figures. */
export type CacheProbe = "recheck" | "repeat" | "mixed" | "many"

/** What a metrics scenario does (src/metricsCost.ts): every command is a figure of its probe. */
export type MetricsProbe = "cost"

export interface ScenarioSpec {
  readonly id: string
  readonly title: string
  /** CLI commands are run as usual; commands of tool `chromium` are figures of the browser probe. */
  readonly commands: ReadonlyArray<CommandSpec>
  readonly web?: WebProbe
  /** The cache probe runs every command of the scenario itself. */
  readonly cache?: CacheProbe
  /** The metrics probe runs every command of the scenario itself, in this process. */
  readonly metrics?: MetricsProbe
  /** The keygen probe runs every command of the scenario itself (src/keygen.ts), each into a fresh destination. */
  readonly keygen?: true
  /** A tree the scenario generates, changes and deletes itself; its commands' `input` is then only a label. */
  readonly tree?: (size: BenchSize) => TreeSpec
  /**
   * Timed runs at least, whatever `--runs` says: commands of a fraction of a second, whose
   * medians a loaded machine moves by more than the margin their budget is about.
   */
  readonly minRuns?: number
  /**
   * Every run starts with the file system's dirty pages written back (`sync`, untimed), so
   * no command pays for the write-back of the one before it (Go age does not fsync its
   * output; Sluice fsyncs its own). Added for the slow decryptions to a file of stop 26
   * (2.3-3.3 s against 0.77 s), whose cause turned out to be fresh memory on this VM, not
   * the write-back (native/src/age_file.rs DROP_BEHIND); kept as the equal start it gives
   * every command.
   */
  readonly settleWrites?: boolean
}

const bySize = (small: InputSpec, full: InputSpec) => (size: BenchSize): InputSpec => size === "small" ? small : full

/** The large single file: CI-sized in small, the issue's 1 GiB in full. */
const largeFile = bySize({ count: 1, bytes: 256 * MiB }, { count: 1, bytes: GiB })
/** RSS flatness: the same command on two files 4x (small) or 16x (full) apart. */
/** The full program always (bin.ts): the lean hash would take a 64 MiB file itself. */
const FULL_PROGRAM = { SLUICE_LEAN: "0" }
const rssBase = bySize({ count: 1, bytes: 64 * MiB }, { count: 1, bytes: 256 * MiB })
const rssLarge = bySize({ count: 1, bytes: 256 * MiB }, { count: 1, bytes: 4 * GiB })
/** 1,000 files in both sizes: the budget is about 1,000 files and 250 MiB is CI-sized. */
const files4k = bySize({ count: 1000, bytes: 4 * KiB }, { count: 1000, bytes: 4 * KiB })
const files256k = bySize({ count: 1000, bytes: 256 * KiB }, { count: 1000, bytes: 256 * KiB })
const emptyFile = bySize({ count: 1, bytes: 0 }, { count: 1, bytes: 0 })
/** Many small files for the metrics' cost: where a job makes the most metric updates for its bytes. */
const files4kMany = bySize({ count: 2000, bytes: 4 * KiB }, { count: 10_000, bytes: 4 * KiB })
/** The browser's memory scenario: 512 MiB (small) / 2 GiB (full). */
const webMemoryFile = bySize({ count: 1, bytes: 512 * MiB }, { count: 1, bytes: 2 * GiB })
/**
 * The issues' 1 GiB file, at both sizes, where a target names it and a peer is fast enough on
 * 256 MiB for Sluice's fixed start-up (Node, ~0.05 s) to decide the ratio: age's CLI targets
 * (Go age ~0.6-1.8 s on it) and BLAKE3 against b3sum (~0.13-0.2 s on it, ~0.04 s on 256 MiB).
 */
const gibFile = bySize({ count: 1, bytes: GiB }, { count: 1, bytes: GiB })
/** The issue's age target in Chromium is on a 256 MiB file, at both sizes. */
const ageWebFile = bySize({ count: 1, bytes: 256 * MiB }, { count: 1, bytes: 256 * MiB })

/**
 * The re-check tree: the issue's 10,000 files / 1 GiB at full (107,374 bytes each), 2,000
 * files / 128 MiB in CI; 100 files to a folder.
 */
const recheckTree = (size: BenchSize): TreeSpec =>
  size === "small" ? { count: 2000, bytes: 64 * KiB, perDir: 100 } : { count: 10_000, bytes: Math.floor(GiB / 10_000), perDir: 100 }
/** The mixed workload's files: many small ones and two large ones (streamed on their own; BLAKE3 over every worker). */
const mixedTree = (size: BenchSize): TreeSpec =>
  size === "small"
    ? { count: 500, bytes: 64 * KiB, perDir: 100, big: { count: 2, bytes: 16 * MiB } }
    : { count: 1000, bytes: 256 * KiB, perDir: 100, big: { count: 2, bytes: 64 * MiB } }
const asInput = (tree: (size: BenchSize) => TreeSpec) => (size: BenchSize): InputSpec => {
  const t = tree(size)
  return { count: t.count, bytes: t.bytes }
}

/**
 * Issue 13's many small files: 10,000 x 4 KiB in CI, 100,000 x 4 KiB at full size (the cost
 * per file, not the start-up); 1,000 files to a folder. The tree is a git repository with
 * every file committed, so that `git status` is a fair peer of a check answered from the cache.
 */
const manyTree = (size: BenchSize): TreeSpec =>
  size === "small" ? { count: 10_000, bytes: 4 * KiB, perDir: 1000 } : { count: 100_000, bytes: 4 * KiB, perDir: 1000 }

/** The password file of the KDF scenarios: 64 random bytes (both sizes: the cost is in the parameters). */
const passwordFile = bySize({ count: 1, bytes: 64 }, { count: 1, bytes: 64 })
const KDF_SALT = "00112233445566778899aabbccddeeff"
/**
 * node:crypto's own derivation of the same key, as the peer: the password file read as
 * Sluice reads it (one trailing newline dropped), the key printed in hex.
 */
const nodeKdf = (call: string) =>
  `const c=require("node:crypto");let p=require("node:fs").readFileSync(process.argv[1]);` +
  `if(p.at(-1)===10)p=p.subarray(0,p.at(-2)===13?-2:-1);const s=Buffer.from("${KDF_SALT}","hex");` +
  `${call}`
/** Argon2id at the issue's figure: 64 MiB, t = 3, p = 4 (0.42 s measured with node:crypto). */
const ARGON2ID_ARGS = ["--memory", "64MiB", "--passes", "3", "--parallelism", "4"]
const NODE_ARGON2ID = nodeKdf(`c.argon2("argon2id",{message:p,nonce:s,memory:65536,passes:3,parallelism:4,tagLength:32},(e,k)=>{if(e)throw e;console.log(k.toString("hex"))})`)
/** scrypt at N = 2^17, r = 8, p = 1 (128 MiB: OWASP's and most libraries' interactive setting). */
const SCRYPT_ARGS = ["--ln", "17", "--r", "8", "--p", "1"]
const NODE_SCRYPT = nodeKdf(`c.scrypt(p,s,32,{N:2**17,r:8,p:1,maxmem:256*1024*1024},(e,k)=>{if(e)throw e;console.log(k.toString("hex"))})`)

const kdfScenario = (algorithm: "argon2id" | "scrypt", args: ReadonlyArray<string>, peer: string, what: string): ScenarioSpec => ({
  id: `kdf-${algorithm}`,
  title: `${what} through \`sluice derive\` against node:crypto's own call in \`node -e\` (the same key)`,
  // 0.2-0.5 s a run, and a 10 % budget: three runs' medians moved from 0.77x to 1.29x at load 2-3,
  // and fifteen still from 1.02x to 1.10x in four CI runs of one build (stop 21): the median of
  // 25 is the same quantity measured more precisely (~20 s a command set).
  minRuns: 25,
  commands: [
    {
      id: "sluice",
      tool: "sluice",
      label: `sluice derive ${algorithm}`,
      input: passwordFile,
      args: (f) => ["derive", algorithm, ...args, "--salt-hex", KDF_SALT, "--length", "32", "--password-file", f[0]!],
      algorithm
    },
    { id: "node", tool: "node", label: `node -e 'crypto.${algorithm === "argon2id" ? "argon2" : "scrypt"}(...)'`, input: passwordFile, args: (f) => ["-e", peer, f[0]!], algorithm },
    { id: "version", tool: "sluice", label: "sluice --version (start-up)", input: passwordFile, args: () => ["--version"] },
    { id: "node_bare", tool: "node", label: "node -e '' (bare Node)", input: passwordFile, args: () => ["-e", ""] }
  ]
})

const inApp = (id: string, label: string, input: (size: BenchSize) => InputSpec): CommandSpec =>
  ({ id, tool: "chromium", label, input, args: () => [] })

const inProcess = (id: string, label: string, input: (size: BenchSize) => InputSpec): CommandSpec =>
  ({ id, tool: "library", label, input, args: () => [] })

const manyFiles = (id: string, title: string, input: (size: BenchSize) => InputSpec): ScenarioSpec => ({
  id,
  title,
  commands: [
    { id: "sluice", tool: "sluice", label: "sluice hash", input, args: (f) => ["hash", ...f], algorithm: "sha256" },
    { id: "sha256sum", tool: "sha256sum", label: "sha256sum", input, args: (f) => [...f], algorithm: "sha256" }
  ]
})

/** No input file: a keygen command makes its keys from nothing. */
const noInput = bySize({ count: 0, bytes: 0 }, { count: 0, bytes: 0 })
const keysBy = (small: number, full: number) => (size: BenchSize) => size === "small" ? small : full
const PEM = ["-f", "pkcs8-pem,spki-pem"]

/** `sluice keygen` of `keys` keys, PEM, to JSON lines at the path the probe gives, on `workers` workers. */
const keygenJsonl = (id: string, type: string, workers: number, keys: (size: BenchSize) => number, label = `sluice keygen -t ${type} -f pkcs8-pem,spki-pem --jsonl -w ${workers}`): CommandSpec => ({
  id,
  tool: "sluice",
  label,
  input: noInput,
  // The probe gives [destination, keys].
  args: (f) => ["keygen", "-t", type, "-n", f[1]!, ...PEM, "--jsonl", f[0]!, "-w", String(workers)],
  keygen: { keys, destination: "jsonl" }
})

/**
 * Keys of each bulk command to JSON lines: seconds of work, so that keys/s is the pool's
 * rate and not its start-up (~0.15 s before the first key; at 20,000 keys a run took
 * ~0.6 s, a quarter of it starting).
 */
const bulkKeys = keysBy(100_000, 200_000)
/**
 * Keys of each run of the scaling scenario: the issue's own million at full size, where
 * start-up (~0.25 s, a second worker's share of it unscaled) is ~2 % of a run; at 100,000 it is ~15 %.
 */
const scalingKeys = keysBy(100_000, 1_000_000)
/** The ssh-keygen loop: one process per key (~5 ms each), so fewer keys; rates compare. */
const loopKeys = keysBy(200, 1_000)
const dirKeys = keysBy(10_000, 100_000)
/** `sluice keygen` of Ed25519 keys in `forms` (none: the default OpenSSH pair) to a new --out-dir on 2 workers. */
const keygenDir = (id: string, forms: ReadonlyArray<string>, what: string): CommandSpec => ({
  id,
  tool: "sluice",
  label: `sluice keygen -t ed25519${forms.length === 0 ? "" : ` ${forms.join(" ")}`} --out-dir (${what}) -w 2`,
  input: noInput,
  // The probe gives [destination, keys].
  args: (f) => ["keygen", "-t", "ed25519", "-n", f[1]!, ...forms, "--out-dir", f[0]!, "-w", "2"],
  keygen: { keys: dirKeys, destination: "dir" }
})
/** The issue's million keys at full size; 100,000 in CI (~25 s). */
const rssKeys = keysBy(100_000, 1_000_000)
/** `ssh-keygen -q -t ed25519 -N '' -f DIR/kI` once per key, in /bin/sh. */
export const SSH_KEYGEN_LOOP = `i=0; while [ "$i" -lt "$2" ]; do i=$((i+1)); "$3" -q -t ed25519 -N '' -f "$1/k$i" </dev/null >/dev/null || exit 1; done`

/** The age scenarios' X25519 identity: a public bench fixture (fixtures/age-bench-key.txt). */
const AGE_KEY = fileURLToPath(new URL("../fixtures/age-bench-key.txt", import.meta.url))
const AGE_RECIPIENT = "age1vpkvg8yfgmyydqfyjcsrykylv3k2vfws8wqpmnakwws9hplcredskvhuv6"
/** A file an age command writes beside its input `f` (in the inputs' directory, removed at the end). */
const besides = (f: string, what: string) => `${f}.${what}`
/** Passphrases of the scrypt scenario (work factor 18, age's default): given as Sluice reads them in scripts. */
const AGE_PASSPHRASE = { SLUICE_PASSPHRASE: "bench passphrase, right" }
const AGE_WRONG_PASSPHRASE = { SLUICE_PASSPHRASE: "bench passphrase, wrong" }
/** A scrypt of work factor 18 (256 MiB) takes ~1 s idle and 3-6 s on a loaded 2-core machine: never a hang. */
const SCRYPT_TIMEOUT = 120
/** Sluice's addon off for age's payload: sodium-native seals and opens a chunk at a time. */
const NO_AEAD_ADDON = { SLUICE_NATIVE_AEAD: "0" }
/** `sluice decrypt`'s exit status for a wrong passphrase (cli/src/exitCodes.ts). */
const EXIT_BAD_PASSPHRASE = 6

/**
 * Issue 14's CLI targets against Debian's Go `age` (1.1.1) on the same file in the same run:
 * X25519, to a file (the output of one run replaced by the next) and to /dev/null. The
 * decryption scenario decrypts the file `age` itself made (its first command makes it).
 */
const ageScenarios: ReadonlyArray<ScenarioSpec> = [
  {
    id: "age-encrypt",
    // ~0.3-1.8 s a command on 1 GiB: five runs' medians, so one slow run on a shared machine does not decide.
    minRuns: 5,
    // Commands writing 1 GiB (see ScenarioSpec.settleWrites).
    settleWrites: true,
    title: "age encryption (X25519) of one large file, to a file and to /dev/null, against Go age",
    commands: [
      { id: "sluice_file", tool: "sluice", label: "sluice encrypt -r R -o FILE", input: gibFile, args: (f) => ["encrypt", "-r", AGE_RECIPIENT, "-o", besides(f[0]!, "sluice.age"), f[0]!] },
      { id: "age_file", tool: "age", label: "age -r R -o FILE", input: gibFile, args: (f) => ["-r", AGE_RECIPIENT, "-o", besides(f[0]!, "age.age"), f[0]!] },
      { id: "sluice_null", tool: "sluice", label: "sluice encrypt -r R -o /dev/null", input: gibFile, args: (f) => ["encrypt", "-r", AGE_RECIPIENT, "-o", "/dev/null", f[0]!] },
      { id: "age_null", tool: "age", label: "age -r R -o /dev/null", input: gibFile, args: (f) => ["-r", AGE_RECIPIENT, "-o", "/dev/null", f[0]!] },
      // Sluice without its addon's runs of chunks (OpenSSL), sodium-native a chunk at a time.
      { id: "sluice_null_sodium", tool: "sluice", label: "SLUICE_NATIVE_AEAD=0 sluice encrypt -r R -o /dev/null (sodium-native)", input: gibFile, args: (f) => ["encrypt", "-r", AGE_RECIPIENT, "-o", "/dev/null", f[0]!], env: NO_AEAD_ADDON }
    ]
  },
  {
    id: "age-decrypt",
    // ~0.3-1.8 s a command on 1 GiB: five runs' medians, so one slow run on a shared machine does not decide.
    minRuns: 5,
    // Commands writing 1 GiB (see ScenarioSpec.settleWrites).
    settleWrites: true,
    title: "age decryption (X25519) of one large file made by Go age, to a file and to /dev/null, against Go age",
    commands: [
      // First: the file the others decrypt (made again in each round, the same plaintext).
      { id: "age_encrypt", tool: "age", label: "age -r R -o FILE (the file decrypted)", input: gibFile, args: (f) => ["-r", AGE_RECIPIENT, "-o", besides(f[0]!, "dec.age"), f[0]!] },
      { id: "sluice_file", tool: "sluice", label: "sluice decrypt -i KEY -o FILE", input: gibFile, args: (f) => ["decrypt", "-i", AGE_KEY, "-o", besides(f[0]!, "sluice.out"), besides(f[0]!, "dec.age")] },
      { id: "age_file", tool: "age", label: "age -d -i KEY -o FILE", input: gibFile, args: (f) => ["-d", "-i", AGE_KEY, "-o", besides(f[0]!, "age.out"), besides(f[0]!, "dec.age")] },
      { id: "sluice_null", tool: "sluice", label: "sluice decrypt -i KEY -o /dev/null", input: gibFile, args: (f) => ["decrypt", "-i", AGE_KEY, "-o", "/dev/null", besides(f[0]!, "dec.age")] },
      { id: "age_null", tool: "age", label: "age -d -i KEY -o /dev/null", input: gibFile, args: (f) => ["-d", "-i", AGE_KEY, "-o", "/dev/null", besides(f[0]!, "dec.age")] },
      { id: "sluice_null_sodium", tool: "sluice", label: "SLUICE_NATIVE_AEAD=0 sluice decrypt -i KEY -o /dev/null (sodium-native)", input: gibFile, args: (f) => ["decrypt", "-i", AGE_KEY, "-o", "/dev/null", besides(f[0]!, "dec.age")], env: NO_AEAD_ADDON }
    ]
  },
  {
    id: "age-scrypt-wrong",
    title: "a wrong passphrase on a large scrypt-encrypted file (work factor 18) against the same on a 64-byte file, and against the scrypt alone (`sluice derive scrypt` with the same parameters)",
    commands: [
      // First: the file (made again in each round; its scrypt and payload are its own figure).
      {
        id: "encrypt",
        tool: "sluice",
        label: "sluice encrypt -p -o FILE (the file tried)",
        input: gibFile,
        args: (f) => ["encrypt", "-p", "-o", besides(f[0]!, "scrypt.age"), f[0]!],
        env: AGE_PASSPHRASE,
        minTimeoutSeconds: SCRYPT_TIMEOUT
      },
      {
        id: "wrong",
        tool: "sluice",
        label: "sluice decrypt -o FILE, a wrong passphrase (exit 6)",
        input: gibFile,
        args: (f) => ["decrypt", "-o", besides(f[0]!, "scrypt.out"), besides(f[0]!, "scrypt.age")],
        env: AGE_WRONG_PASSPHRASE,
        expectExit: EXIT_BAD_PASSPHRASE,
        minTimeoutSeconds: SCRYPT_TIMEOUT
      },
      // The same on a 64-byte file: what the wrong passphrase costs with (almost) no payload.
      {
        id: "encrypt_small",
        tool: "sluice",
        label: "sluice encrypt -p -o FILE, 64 bytes (the small file tried)",
        input: passwordFile,
        args: (f) => ["encrypt", "-p", "-o", besides(f[0]!, "scrypt.age"), f[0]!],
        env: AGE_PASSPHRASE,
        minTimeoutSeconds: SCRYPT_TIMEOUT
      },
      {
        id: "wrong_small",
        tool: "sluice",
        label: "sluice decrypt -o FILE, 64 bytes, a wrong passphrase (exit 6)",
        input: passwordFile,
        args: (f) => ["decrypt", "-o", besides(f[0]!, "scrypt.out"), besides(f[0]!, "scrypt.age")],
        env: AGE_WRONG_PASSPHRASE,
        expectExit: EXIT_BAD_PASSPHRASE,
        minTimeoutSeconds: SCRYPT_TIMEOUT
      },
      {
        id: "derive",
        tool: "sluice",
        label: "sluice derive scrypt --ln 18 --r 8 --p 1 (the scrypt alone)",
        input: passwordFile,
        args: (f) => ["derive", "scrypt", "--ln", "18", "--r", "8", "--p", "1", "--salt-hex", KDF_SALT, "--length", "32", "--password-file", f[0]!],
        minTimeoutSeconds: SCRYPT_TIMEOUT
      }
    ]
  }
]

export const SCENARIOS: ReadonlyArray<ScenarioSpec> = [
  {
    id: "sha256-large",
    title: "SHA-256 of one large file",
    commands: [
      {
        id: "sluice",
        tool: "sluice",
        label: "sluice hash -a sha256",
        input: largeFile,
        args: (f) => ["hash", "-a", "sha256", ...f],
        algorithm: "sha256"
      },
      { id: "openssl", tool: "openssl", label: "openssl dgst -sha256", input: largeFile, args: (f) => ["dgst", "-sha256", ...f], algorithm: "sha256" },
      { id: "sha256sum", tool: "sha256sum", label: "sha256sum", input: largeFile, args: (f) => [...f], algorithm: "sha256" }
    ]
  },
  {
    id: "blake3-large",
    title: "BLAKE3 of one large file",
    commands: [
      {
        id: "sluice_w2",
        tool: "sluice",
        label: "sluice hash -a blake3 -w 2",
        input: largeFile,
        args: (f) => ["hash", "-a", "blake3", "-w", "2", ...f],
        algorithm: "blake3"
      },
      {
        id: "sluice_w1",
        tool: "sluice",
        label: "sluice hash -a blake3 -w 1",
        input: largeFile,
        args: (f) => ["hash", "-a", "blake3", "-w", "1", ...f],
        algorithm: "blake3"
      },
      {
        // Without Sluice's own addon (@sluice/native not built, or SLUICE_NATIVE_FILE=0):
        // one worker reads the file and hashes it on one thread with @napi-rs/blake-hash.
        id: "fallback_w2",
        tool: "sluice",
        label: "SLUICE_NATIVE_FILE=0 sluice hash -a blake3 -w 2",
        input: largeFile,
        args: (f) => ["hash", "-a", "blake3", "-w", "2", ...f],
        algorithm: "blake3",
        env: { SLUICE_NATIVE_FILE: "0" }
      },
      {
        // Without any native addon (another platform, SLUICE_NATIVE=0): our WASM kernel,
        // one file spread over the workers in subtrees.
        id: "wasm_w2",
        tool: "sluice",
        label: "SLUICE_NATIVE=0 sluice hash -a blake3 -w 2",
        input: largeFile,
        args: (f) => ["hash", "-a", "blake3", "-w", "2", ...f],
        algorithm: "blake3",
        env: { SLUICE_NATIVE: "0" }
      },
      {
        id: "wasm_w1",
        tool: "sluice",
        label: "SLUICE_NATIVE=0 sluice hash -a blake3 -w 1",
        input: largeFile,
        args: (f) => ["hash", "-a", "blake3", "-w", "1", ...f],
        algorithm: "blake3",
        env: { SLUICE_NATIVE: "0" }
      },
      {
        // Two threads like Sluice's two workers, also on machines with more cores.
        id: "b3sum",
        tool: "b3sum",
        label: "b3sum --num-threads 2",
        input: largeFile,
        args: (f) => ["--num-threads", "2", ...f],
        algorithm: "blake3"
      }
    ]
  },
  {
    id: "blake3-gib",
    // ~0.1-0.3 s a command: five runs' medians, so one slow run on a shared machine does not decide.
    minRuns: 5,
    title: "BLAKE3 of the issue's 1 GiB file through the CLI against b3sum (the same file at both sizes)",
    commands: [
      { id: "sluice_w2", tool: "sluice", label: "sluice hash -a blake3 -w 2", input: gibFile, args: (f) => ["hash", "-a", "blake3", "-w", "2", ...f], algorithm: "blake3" },
      { id: "b3sum", tool: "b3sum", label: "b3sum --num-threads 2", input: gibFile, args: (f) => ["--num-threads", "2", ...f], algorithm: "blake3" }
    ]
  },
  {
    id: "rss-flat",
    title: "Peak RSS of the CLI against file size",
    commands: [
      // Flatness of the pool's program: at CI size the base (64 MiB) is a file the lean hash
      // would take (its own 1 MiB buffer), so both runs ask for the full program.
      { id: "sluice_base", tool: "sluice", label: "SLUICE_LEAN=0 sluice hash", input: rssBase, args: (f) => ["hash", ...f], env: FULL_PROGRAM },
      { id: "sluice_large", tool: "sluice", label: "SLUICE_LEAN=0 sluice hash", input: rssLarge, args: (f) => ["hash", ...f], env: FULL_PROGRAM },
      { id: "sluice_b3_base", tool: "sluice", label: "sluice hash -a blake3", input: rssBase, args: (f) => ["hash", "-a", "blake3", ...f] },
      { id: "sluice_b3_large", tool: "sluice", label: "sluice hash -a blake3", input: rssLarge, args: (f) => ["hash", "-a", "blake3", ...f] }
    ]
  },
  manyFiles("files-256k", "SHA-256 of 1,000 files of 256 KiB", files256k),
  manyFiles("files-4k", "SHA-256 of 1,000 files of 4 KiB", files4k),
  {
    id: "web-sha256",
    title: "Web app in headless Chromium: SHA-256 of one large file (throughput, main-thread long tasks)",
    web: "sha256",
    commands: [
      {
        id: "sluice",
        tool: "sluice",
        label: "sluice hash -a sha256",
        input: largeFile,
        args: (f) => ["hash", "-a", "sha256", ...f],
        algorithm: "sha256"
      },
      inApp("web", "web app SHA-256 (pick → Done)", largeFile),
      inApp("web_shown", "web app SHA-256 (its \"Hashed at\")", largeFile),
      inApp("hashwasm", "hash-wasm SHA-256 in memory, a Web Worker of the page", largeFile),
      inApp("web_longtask", "web app: longest main-thread task", largeFile)
    ]
  },
  {
    id: "web-files",
    title: "Web app in headless Chromium: SHA-256 of 1,000 files of 4 KiB picked at once (time to all done, main-thread long tasks)",
    web: "files",
    commands: [
      { id: "sha256sum", tool: "sha256sum", label: "sha256sum", input: files4k, args: (f) => [...f], algorithm: "sha256" },
      inApp("web_files", "web app: 1,000 files of 4 KiB, SHA-256 (pick → all done)", files4k),
      inApp("web_files_longtask", "web app, 1,000 files: the app's longest main-thread task", files4k),
      inApp("web_files_pick", "Chromium: its task building the picked FileList of 1,000 files", files4k)
    ]
  },
  {
    id: "web-cancel",
    title: "Web app in headless Chromium: click on Cancel during a SHA-256 job",
    web: "cancel",
    commands: [inApp("web_cancel", "web app: click → row says Cancelled", largeFile)]
  },
  {
    id: "web-blake3",
    title: "Web app in headless Chromium: BLAKE3 of one large file (Web Workers used)",
    web: "blake3",
    commands: [
      {
        id: "sluice_w2",
        tool: "sluice",
        label: "sluice hash -a blake3 -w 2",
        input: largeFile,
        args: (f) => ["hash", "-a", "blake3", "-w", "2", ...f],
        algorithm: "blake3"
      },
      inApp("web_b3", "web app BLAKE3 (workers alive)", largeFile),
      inApp("cores", "navigator.hardwareConcurrency", largeFile),
      inApp("hashwasm_b3", "hash-wasm BLAKE3 in memory, every Web Worker of the page busy", largeFile),
      inApp("read_1", "the same File read bare in one Web Worker (the read's ceiling)", largeFile),
      inApp("read_all", "the same File read bare over every Web Worker (the read's ceiling)", largeFile),
      inApp("hashwasm_b3_file", "hash-wasm BLAKE3 fed by the same File reader over every Web Worker (a streaming peer)", largeFile)
    ]
  },
  {
    id: "web-memory",
    title: "Web app in headless Chromium: memory while hashing a larger file (SHA-256)",
    web: "memory",
    commands: [
      inApp("web_renderer", "web app: page renderer RSS (page + its workers)", webMemoryFile),
      inApp("web_renderer_private", "web app: page renderer private memory", webMemoryFile),
      inApp("web_heap", "web app: page JS heap (CDP)", webMemoryFile)
    ]
  },
  {
    id: "web-keygen",
    title: "Web app in headless Chromium: 20 RSA-4096 keys in the Keys tool (the main thread's longest task)",
    web: "keygen",
    commands: [inApp("web_keygen_longtask", "web app Keys tool, 20 RSA-4096 keys: longest main-thread task", emptyFile)]
  },
  {
    id: "web-pageload",
    title: "Web app in headless Chromium: first visit of each tool's address on a fresh profile, in a browser running for a second and right after its launch (the main thread's longest task from the navigation until the app is ready and settled)",
    web: "pageload",
    commands: [
      inApp("web_load_longtask", "web app page load, any tool's address: longest main-thread task", emptyFile),
      inApp("web_load_median", "web app page load: each load's longest main-thread task, median of the loads", emptyFile),
      inApp("web_load_launch", "web app page load right after Chromium's launch: each load's longest main-thread task, median", emptyFile),
      inApp("web_load_hash", "web app page load, Hash (/): longest main-thread task", emptyFile),
      inApp("web_load_keys", "web app page load, Keys (#/keys): longest main-thread task", emptyFile),
      inApp("web_load_derive", "web app page load, Derive (#/derive): longest main-thread task", emptyFile)
    ]
  },
  {
    id: "web-age",
    title: "Web app in headless Chromium: the Encrypt / Decrypt tool (X25519) against typage (age-encryption) in the same page, each streaming to an OPFS file (throughput, main-thread long tasks)",
    web: "age",
    commands: [
      inApp("web_age_enc", "web app Encrypt tool, X25519 (click → Done)", ageWebFile),
      inApp("typage_enc", "typage encrypt in the same page (main thread), streamed", ageWebFile),
      inApp("web_age_dec", "web app Decrypt tool, X25519 (click → Done)", ageWebFile),
      inApp("typage_dec", "typage decrypt in the same page (main thread), streamed", ageWebFile),
      inApp("web_age_longtask", "web app Encrypt / Decrypt: longest main-thread task", ageWebFile)
    ]
  },
  {
    id: "web-perfpage",
    title: "Web app in headless Chromium: its Performance view open during a SHA-256 job (the view's own long tasks and chart update rate)",
    web: "perfpage",
    commands: [
      inApp("web_perf_longtask", "web app, Performance view open: longest main-thread task", largeFile),
      inApp("web_perf_update", "web app, Performance view open: mean time between chart updates", largeFile)
    ]
  },
  {
    id: "cache-recheck",
    title: "Result cache: check a tree (empty cache), change 1 % of its files, check it again (the cache of the first check)",
    cache: "recheck",
    tree: recheckTree,
    commands: [
      { id: "first_check", tool: "sluice", label: "sluice check SUMS (first: empty cache)", input: asInput(recheckTree), args: (f) => ["check", ...f] },
      { id: "recheck", tool: "sluice", label: "sluice check SUMS (re-check: 1 % changed)", input: asInput(recheckTree), args: (f) => ["check", ...f] },
      { id: "nocache_check", tool: "sluice", label: "sluice check --no-cache SUMS", input: asInput(recheckTree), args: (f) => ["check", "--no-cache", ...f] },
      { id: "sha256sum_c", tool: "sha256sum", label: "sha256sum -c SUMS", input: asInput(recheckTree), args: (f) => ["-c", ...f] },
      { id: "version", tool: "sluice", label: "sluice --version (start-up)", input: asInput(recheckTree), args: () => ["--version"] },
      {
        id: "recheck_hits",
        tool: "sluice",
        label: "cache hits of the re-check (sluice hash -r --json on its cache)",
        input: asInput(recheckTree),
        args: (f) => ["hash", "-r", "--json", ...f]
      },
      { id: "recheck_wrong", tool: "sluice", label: "re-check: files reported wrongly", input: asInput(recheckTree), args: (f) => ["check", ...f] }
    ]
  },
  {
    id: "many-files",
    title: "Many small files (issue 13): `hash` on an empty cache against sha256sum (and with BLAKE3 against b3sum); `check` answered from the cache against `sha256sum -c` and `git status` on the same tree; the first `check` of the peers' own lists on an empty cache against their `-c`",
    cache: "many",
    tree: manyTree,
    commands: [
      { id: "hash", tool: "sluice", label: "sluice hash -r (empty cache)", input: asInput(manyTree), args: (f) => ["hash", "-r", ...f], algorithm: "sha256" },
      { id: "sha256sum", tool: "sha256sum", label: "sha256sum (names by printf | xargs -0)", input: asInput(manyTree), args: (f) => [...f], algorithm: "sha256" },
      { id: "hash_blake3", tool: "sluice", label: "sluice hash -a blake3 -r (empty cache)", input: asInput(manyTree), args: (f) => ["hash", "-a", "blake3", "-r", ...f], algorithm: "blake3" },
      { id: "b3sum", tool: "b3sum", label: "b3sum (names by printf | xargs -0)", input: asInput(manyTree), args: (f) => [...f], algorithm: "blake3" },
      { id: "check_cached", tool: "sluice", label: "sluice check SUMS (every file from the cache)", input: asInput(manyTree), args: (f) => ["check", ...f] },
      { id: "check_first", tool: "sluice", label: "sluice check SUMS, the first after the hash (the result cache, no check index)", input: asInput(manyTree), args: (f) => ["check", ...f] },
      { id: "sha256sum_c", tool: "sha256sum", label: "sha256sum -c SUMS", input: asInput(manyTree), args: (f) => ["-c", ...f] },
      { id: "check_foreign", tool: "sluice", label: "sluice check of sha256sum's list (empty cache)", input: asInput(manyTree), args: (f) => ["check", ...f] },
      { id: "check_foreign_b3", tool: "sluice", label: "sluice check -a blake3 of b3sum's list (empty cache)", input: asInput(manyTree), args: (f) => ["check", "-a", "blake3", ...f] },
      { id: "b3sum_c", tool: "b3sum", label: "b3sum -c of its list", input: asInput(manyTree), args: (f) => ["-c", ...f] },
      { id: "git_status", tool: "git", label: "git status (the tree committed)", input: asInput(manyTree), args: () => ["status"] },
      { id: "version", tool: "sluice", label: "sluice --version (start-up)", input: asInput(manyTree), args: () => ["--version"] }
    ]
  },
  {
    id: "cache-repeat",
    title: "Result cache: hash an unchanged large file again",
    cache: "repeat",
    commands: [
      { id: "cached_hash", tool: "sluice", label: "sluice hash (answered from the cache)", input: largeFile, args: (f) => ["hash", ...f], algorithm: "sha256" },
      { id: "version", tool: "sluice", label: "sluice --version", input: largeFile, args: () => ["--version"] },
      { id: "first_hash", tool: "sluice", label: "sluice hash (first: fills the cache)", input: largeFile, args: (f) => ["hash", ...f], algorithm: "sha256" },
      { id: "sha256sum", tool: "sha256sum", label: "sha256sum", input: largeFile, args: (f) => [...f], algorithm: "sha256" }
    ]
  },
  {
    id: "cache-mixed",
    title: "Result cache: hit rate over a mixed workload of hashes and checks (@sluice/core/node in process)",
    cache: "mixed",
    tree: mixedTree,
    commands: [
      { id: "workload", tool: "library", label: "hit rate over the workload (ResultCache stats)", input: asInput(mixedTree), args: () => [] },
      { id: "ceiling", tool: "library", label: "most any cache could hit (first sights miss)", input: asInput(mixedTree), args: () => [] },
      { id: "seen", tool: "library", label: "hit rate on content the cache had seen", input: asInput(mixedTree), args: () => [] },
      { id: "wrong", tool: "library", label: "wrong answers (digests, check verdicts)", input: asInput(mixedTree), args: () => [] }
    ]
  },
  {
    id: "metrics-cost",
    title: "Metrics: the same SHA-256 job with metrics on and off, in interleaved rounds (@sluice/core/node in process)",
    metrics: "cost",
    commands: [
      inProcess("large_on", "one large file, metrics on", largeFile),
      inProcess("large_off", "one large file, metrics off", largeFile),
      inProcess("large_off_b", "one large file, metrics off (again)", largeFile),
      inProcess("large_cpu", "one large file: main-thread CPU the metrics add, % of the job's time", largeFile),
      inProcess("files_on", "4 KiB files, metrics on", files4kMany),
      inProcess("files_off", "4 KiB files, metrics off", files4kMany),
      inProcess("files_off_b", "4 KiB files, metrics off (again)", files4kMany),
      inProcess("files_cpu", "4 KiB files: main-thread CPU the metrics add, % of the job's time", files4kMany)
    ]
  },
  {
    id: "keygen-scaling",
    title: "Bulk keys with PEM export (PKCS#8 + SPKI) to JSON lines: 2 workers against 1 (small: 100,000 keys a run; full: the issue's 1,000,000)",
    keygen: true,
    commands: [
      keygenJsonl("ed25519_w2", "ed25519", 2, scalingKeys),
      keygenJsonl("ed25519_w1", "ed25519", 1, scalingKeys),
      keygenJsonl("p256_w2", "ecdsa-p256", 2, scalingKeys),
      keygenJsonl("p256_w1", "ecdsa-p256", 1, scalingKeys)
    ]
  },
  {
    id: "keygen-vs-ssh-keygen",
    title: "Bulk Ed25519 keys, keys per second, against a loop of `ssh-keygen -t ed25519 -N '' -f ...` per key (small: Sluice 10,000 keys to a directory, 100,000 to JSON lines, the loop 200; full: 100,000, 200,000 and 1,000)",
    keygen: true,
    commands: [
      // The issue's layout: a file per key (its private key), the public key and fingerprints in the manifest.
      keygenDir("sluice_dir", ["-f", "pkcs8-pem"], "a file per key; public keys, fingerprints in the manifest"),
      // Two files a key, as the ssh-keygen loop writes: the private and the public key.
      keygenDir("sluice_dir_pair", PEM, "a file per key per form, manifest"),
      keygenDir("sluice_dir_openssh", [], "OpenSSH files, as ssh-keygen writes"),
      keygenJsonl("sluice_jsonl", "ed25519", 2, bulkKeys),
      // The same on node:crypto's kernel (what runs where sodium-native's binary does not load).
      {
        ...keygenJsonl("sluice_jsonl_nodecrypto", "ed25519", 2, bulkKeys, "sluice keygen -t ed25519 -f pkcs8-pem,spki-pem --jsonl -w 2, node:crypto kernel (SLUICE_NATIVE=0)"),
        env: { SLUICE_NATIVE: "0" }
      },
      {
        id: "ssh_keygen_loop",
        tool: "ssh-keygen",
        label: "for each key: ssh-keygen -q -t ed25519 -N '' -f DIR/kI",
        input: noInput,
        args: () => [],
        keygen: { keys: loopKeys, destination: "dir" }
      }
    ]
  },
  {
    id: "keygen-rss",
    title: "Peak RSS of 1,000,000 Ed25519 keys to JSON lines on 2 workers (small: 100,000 keys)",
    keygen: true,
    commands: [
      {
        id: "sluice",
        tool: "sluice",
        label: "sluice keygen -t ed25519 --jsonl FILE -w 2",
        input: noInput,
        args: (f) => ["keygen", "-t", "ed25519", "-n", f[1]!, "--jsonl", f[0]!, "-w", "2"],
        keygen: { keys: rssKeys, destination: "jsonl" }
      }
    ]
  },
  kdfScenario("argon2id", ARGON2ID_ARGS, NODE_ARGON2ID, "Argon2id, 64 MiB, t=3, p=4,"),
  kdfScenario("scrypt", SCRYPT_ARGS, NODE_SCRYPT, "scrypt, N=2^17, r=8, p=1,"),
  ...ageScenarios,
  {
    id: "startup",
    title: "Start-up: hashing an empty file",
    commands: [
      { id: "sluice", tool: "sluice", label: "sluice hash (empty file)", input: emptyFile, args: (f) => ["hash", ...f], algorithm: "sha256" },
      { id: "sha256sum", tool: "sha256sum", label: "sha256sum (empty file)", input: emptyFile, args: (f) => [...f], algorithm: "sha256" },
      { id: "node", tool: "node", label: "node -e '' (bare Node)", input: emptyFile, args: () => ["-e", ""] }
    ]
  }
]

export const findScenario = (id: string): ScenarioSpec | undefined => SCENARIOS.find((s) => s.id === id)

/** 64-hex-digit digests in output order, whatever the tool's line format. */
export const digestsIn = (output: string): Array<string> =>
  [...output.matchAll(/\b[0-9a-f]{64}\b/g)].map((m) => m[0])
