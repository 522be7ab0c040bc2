import { enableCompileCache } from "node:module"
import { startEarlyWorker } from "./earlyWorker.js"

// V8 keeps the compiled program in the system's temporary folder (code only, never data),
// so a run after the first skips most of the parsing and compiling of the bundle.
enableCompileCache()

// Commands that use the pool start their first worker now, while the program loads.
const args = process.argv.slice(2)
const inline = args.some((a, i) => /^(-w|--workers)$/.test(a) ? args[i + 1] === "0" : /^(-w0|--workers=0)$/.test(a))
const usesPool = ["hash", "check"].includes(args[0] ?? "") && !inline && !args.some((a) => a === "--help" || a === "-h")
const early = usesPool ? startEarlyWorker(new URL("./worker.js", import.meta.url)) : undefined

// A reader that went away (`sluice hash * | head -1`) ends the program quietly, as SIGPIPE
// ends coreutils: nothing more can be written, and it is not an error of the input.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(141)
  throw error
})

const { main } = await import("./program.js")
process.exitCode = await main(args, early)
