/**
 * What every `sluice` program shares, the full one (program.ts) and derive's own
 * (deriveMain.ts): the root command's settings and the options several commands take.
 */
import { Command, InvalidArgumentError, Option } from "commander"
import { parseWorkers } from "./run.js"
import { VERSION } from "./version.js"

/** `sluice` itself: its description, version, and how it reports a mistake. */
export const rootCommand = (): Command =>
  new Command("sluice")
    .description("Hash, check, encrypt and sign data of any size, streaming, on a pool of workers.")
    .version(VERSION, "-V, --version")
    .configureOutput({ outputError: (text, write) => write(`sluice: ${text.replace(/^error: /, "")}`) })
    .showHelpAfterError("(sluice help COMMAND shows its usage)")
    .exitOverride()

export const workersOption = (): Option =>
  new Option("-w, --workers <n>", "worker threads (default: one per core; 0 runs on the main thread)").argParser(
    (value: string) => {
      if (parseWorkers(value) === undefined) {
        throw new InvalidArgumentError("workers must be a whole number from 0 to 256")
      }
      return value
    }
  )
