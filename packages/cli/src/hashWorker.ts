// The lean hash's worker (hashMain.ts), built apart as one file: core's leanHash.ts and
// nothing else, so it is up in a fraction of the pool worker's start-up.
import { hashShared, type HashAlgorithm } from "@sluice/core/node/check"
import { parentPort, workerData } from "node:worker_threads"

const { algorithms, counter, identify, paths } = workerData as {
  paths: ReadonlyArray<string>
  algorithms: ReadonlyArray<HashAlgorithm>
  counter: Int32Array
  identify: boolean
}
hashShared(paths, algorithms, counter, (batch) => parentPort!.postMessage(batch), identify)
