import { startEarlyWorker } from "./earlyWorker.js"

// Commands that use the pool start their first worker now, while the program loads.
const usesPool = ["hash", "check"].includes(process.argv[2] ?? "") && !process.argv.some((a) => a === "--help" || a === "-h")
const early = usesPool ? startEarlyWorker(new URL("./worker.js", import.meta.url)) : undefined

// A reader that went away (`sluice hash * | head -1`) ends the program quietly, as SIGPIPE
// ends coreutils: nothing more can be written, and it is not an error of the input.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(141)
  throw error
})

const { main } = await import("./program.js")
process.exitCode = await main(process.argv.slice(2), early)
