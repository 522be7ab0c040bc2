import { createRequire, enableCompileCache } from "node:module"
import { availableParallelism } from "node:os"
import { cacheHasResults } from "./cacheHasResults.js"

// V8 keeps the compiled program in the system's temporary folder (code only, never data),
// so a run after the first skips most of the parsing and compiling of the bundle.
enableCompileCache()

// Commands that use the pool start their first worker now, while the program loads; a
// BLAKE3-only hash starts one per core, since one large file will be spread over them all.
const args = process.argv.slice(2)
const valueOf = (short: string, long: string) => {
  const i = args.findIndex((a) => a === short || a === long)
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`${long}=`))?.slice(long.length + 1)
}
const workers = valueOf("-w", "--workers")
// With the result cache on, files may all be answered without a worker: one started
// early would only compete with the lookups for the CPU, so the pool starts its own
// when a task needs it. Standard input is never cached.
// (A large file's worker started now all the same made a miss ~0.08 s sooner but a hit
// ~16 ms slower, 117 against 101 ms on 256 MiB with `--version` at 75, medians of 25: the
// cache's margin over the start-up grew by two thirds. Stop 20 undid it.)
// A cache whose folder holds no results yet (a first run, an emptied cache) can answer
// nothing: the worker is certain to be needed, and starts now (10,000 files of 4 KiB on an
// empty cache: it was spawned ~0.26 s in, after the walk and the first lookups, and the
// main thread then idled ~0.1 s for its start-up).
// encrypt and decrypt of one regular file with X25519 keys or a scripted passphrase run in
// ageMain.ts (built apart: no Effect, commander, RPC or pool; the payload on every core by
// @sluice/native); anything else it leaves, having printed and read nothing, to the full program.
const AGE_FULL_ONLY = ["-", "--json", "-a", "--armor", "-w", "--workers", "--help", "-h"]
const ageLean = process.env["SLUICE_LEAN"] !== "0" && (args[0] === "encrypt" || args[0] === "decrypt") && args.length > 1 &&
  !args.some((a) => AGE_FULL_ONLY.includes(a) || a.startsWith("--workers="))
const ageExit = ageLean ? await import("./ageMain.js").then((lean) => lean.main(args)) : undefined
// A hash of small files, or of files the cache answers, runs in hashMain.ts (built apart:
// no Effect, commander or worker pool; its own lean worker when there are many files).
// Its plan is the command line and a stat of each file: where it says no, having read and
// printed nothing, the full program runs the hash, with its early worker as before.
// A command line it never takes (standard input, an option only the full program reads)
// does not load it: the full program's early worker starts as soon as before.
const FULL_ONLY = ["-", "--json", "-o", "--output", "--resume", "--stats", "--help", "-h"]
// SLUICE_LEAN=0 always runs the full program (a comparison, a bench of the pool path).
const mayBeLean = process.env["SLUICE_LEAN"] !== "0" && args[0] === "hash" && args.length > 1 && !args.some((a) => FULL_ONLY.includes(a) || a.startsWith("--output="))
const hashPlan = mayBeLean ? await import("./hashMain.js").then((lean) => ({ lean, plan: lean.plan(args) })) : undefined
const files = args.length > 1 && !args.slice(1).includes("-")
const cacheMayAnswer = files && !args.includes("--no-cache") && cacheHasResults()
// A check of files tries the check index first (checkMain.ts: core's check entry, no
// Effect, commander or worker): a tree unchanged since its last check is a stat per file;
// a first check (or one with --no-cache) hashes what the cache does not answer as the lean
// hash does (the pool's worker is then not started: a check it leaves to the full program,
// a file too large for it, starts its worker a little later). Whatever it cannot answer it
// leaves, having printed nothing, to the full program.
// (A check with an option only the full program reads starts its worker now, as before.)
const CHECK_FULL_ONLY = [...FULL_ONLY, "-w", "--workers"]
const leanCheck = process.env["SLUICE_LEAN"] !== "0" && args[0] === "check" && files &&
  !args.some((a) => CHECK_FULL_ONLY.includes(a) || a.startsWith("--workers=") || a.startsWith("--output=") || /^-w./.test(a))
// A derivation needs a worker only to calibrate, or when -w asks for one: otherwise its
// kernel runs on libuv's thread pool (commands/derive.ts). That worker starts while the
// secret is read.
const derivesOnWorker = args[0] === "derive" && (args.includes("--calibrate") || args.some((a) => a.startsWith("--calibrate=")) || workers !== undefined)
const usesPool = (derivesOnWorker || (["hash", "check"].includes(args[0] ?? "") && !cacheMayAnswer && !leanCheck)) && workers !== "0" &&
  !args.some((a) => a === "--help" || a === "-h")
// Where the native BLAKE3 kernel is installed (and not turned off), one worker takes a large
// file whole (core's SpreadBlake3); a resolve is enough here, loading it is the worker's job.
// Asked only for a BLAKE3-only hash: every other start skips it.
const nativeBlake3 = (): boolean => {
  if (process.env["SLUICE_NATIVE"] === "0") return false
  try {
    createRequire(import.meta.url).resolve("@napi-rs/blake-hash")
    return true
  } catch {
    return false
  }
}
const spread = args[0] === "hash" && /^(blake3|b3)$/i.test(valueOf("-a", "--algorithm") ?? "") && !nativeBlake3()
// Keygen always generates on the pool: with more keys than one batch, on every worker it
// asks for, each started now with keygen's heap (a second worker started once the program
// has loaded took ~0.15 s of a 20,000-key run before its first key).
const keygen = args[0] === "keygen" && workers !== "0" && !args.some((a) => a === "--help" || a === "-h")
const keygenWorkers = Number(valueOf("-n", "--count") ?? "1") > 256 ? Math.min(availableParallelism(), Number(workers ?? Infinity) || 1) : 1
// encrypt and decrypt spread a file's pieces over every worker: all start now, each loading
// age's handlers and libsodium while this thread loads the program and reads the keys.
const age = ageExit === undefined && ["encrypt", "decrypt"].includes(args[0] ?? "") && workers !== "0" && !args.some((a) => a === "--help" || a === "-h")
const allWorkers = () => Math.min(availableParallelism(), Number(workers ?? Infinity) || 1)
const count = keygen ? keygenWorkers : age ? allWorkers() : !usesPool || hashPlan?.plan !== undefined ? 0 : !spread ? 1 : allWorkers()
// worker_threads loads only when a worker starts here: a command that needs none does not evaluate it.
// keygen's and age's worker settings load with their workers: a command that starts none reads neither file.
const early = count === 0 ? [] : await Promise.all([import("./earlyWorker.js"), import("./keygenWorkers.js"), import("./ageWorkers.js")]).then((
  [{ startEarlyWorker }, { KEYGEN_WORKER_DATA, KEYGEN_WORKER_HEAP }, { AGE_WORKER_DATA, AGE_WORKER_HEAP }]
) =>
  Array.from({ length: count }, () =>
    startEarlyWorker(
      new URL("./worker.js", import.meta.url),
      keygen ? KEYGEN_WORKER_HEAP : age ? AGE_WORKER_HEAP : undefined,
      keygen ? KEYGEN_WORKER_DATA : age ? AGE_WORKER_DATA : undefined
    ))
)

// A reader that went away (`sluice hash * | head -1`) ends the program quietly, as SIGPIPE
// ends coreutils: nothing more can be written, and it is not an error of the input.
let guarded = false
const stdout = (): NodeJS.WriteStream => {
  if (!guarded) {
    guarded = true
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(141)
      throw error
    })
  }
  return process.stdout
}

// A derivation on libuv's threads loads derive's own program: commander with derive alone
// and core's derive entry, not the other commands, the cache or the worker platform, so
// node:crypto's call comes as soon after start-up as it can. Its help (which ends with the
// table of every command's exit codes), calibration, a worker (-w N) and an argument that
// is not UTF-8 (names.ts gives such names their bytes) stay with the full program.
const leanDerive = args[0] === "derive" && count === 0 && !args.some((a) => a === "--help" || a === "-h" || a.includes("\uFFFD"))
// It writes its lines with write(2): no stream is made for them.
const checked = ageExit !== undefined
  ? ageExit
  : leanCheck
  ? await (await import("./checkMain.js")).main(args)
  : hashPlan?.plan !== undefined
  ? await hashPlan.lean.run(hashPlan.plan)
  : undefined
if (checked !== undefined) process.exitCode = checked
else if (leanDerive) {
  const { main } = await import("./deriveMain.js")
  // Standard output is made (a pipe's is a socket, with the stream modules) when the key is
  // written, after node:crypto's call, as `node -e` makes its own for console.log.
  process.exitCode = await main(args, (text) => stdout().write(text))
} else {
  stdout()
  // One import: every module the program needs comes in the chunks it loads.
  const { main, withRawArgs } = await import("./program.js")
  // File names are bytes: an argument that is not UTF-8 is given as the bytes the kernel has.
  process.exitCode = await main(withRawArgs(args), early)
}
for (const worker of early) worker.discard()
// Interrupted: a worker thread stuck in a system call (a slow disk) must not hold the exit.
if (process.exitCode === 130) process.exit(130)
