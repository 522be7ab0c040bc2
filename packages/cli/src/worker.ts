// The pool's worker entry, bundled beside bin.js so the CLI is one self-contained folder.
import "@sluice/core/node/worker"
