import { startEarlyWorker } from "./earlyWorker.js"

// Commands that use the pool start their first worker now, while the program loads.
const usesPool = ["hash", "check"].includes(process.argv[2] ?? "") && !process.argv.some((a) => a === "--help" || a === "-h")
const early = usesPool ? startEarlyWorker(new URL("./worker.js", import.meta.url)) : undefined

const { main } = await import("./program.js")
process.exitCode = await main(process.argv.slice(2), early)
