// The Web Worker entry: the core's request handlers, reading `File`s in slices.
import "@sluice/core/browser/worker"
