// The pool's worker entry, bundled beside bin.js so the CLI is one self-contained folder.
import { enableCompileCache } from "node:module"

enableCompileCache()
await import("@sluice/core/node/worker")
