/** Entry of each worker thread: serves every operation's requests with the Node layers. */
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import { Effect, Layer } from "effect"
import { RpcServer } from "effect/rpc"
import { workerData } from "node:worker_threads"
import { operationHandlers, Operations } from "../operations.js"
import * as NodeByteSink from "./NodeByteSink.js"
import * as NodeByteSource from "./NodeByteSource.js"
import * as NodeHashKernel from "./NodeHashKernel.js"
import * as NodeKdfKernel from "./NodeKdfKernel.js"

/** Whether a worker's data asks it to load `operation`'s code before its first request. */
const warms = (data: unknown, operation: string): boolean => {
  const warm = (data as { readonly warm?: unknown } | null | undefined)?.warm
  return Array.isArray(warm) && warm.includes(operation)
}

/** Every operation, keygen over this platform's kernel, loaded on the first key asked for. */
const NodeHandlers = operationHandlers(
  () => import("./keygenHandlers.js").then((m) => m.handlers),
  () => import("./ageHandlers.js").then((m) => m.handlers)
)

const Handlers = NodeHandlers.pipe(Layer.provide(Layer.mergeAll(NodeByteSource.layer, NodeByteSink.layer, NodeHashKernel.layer, NodeKdfKernel.layer)))
const Protocol = RpcServer.layerProtocolWorkerRunner.pipe(Layer.provide(NodeWorkerRunner.layer))
const WorkerLive = RpcServer.layer(Operations).pipe(Layer.provide(Layer.mergeAll(Handlers, Protocol)))

// Not NodeRuntime.runMain: the worker must end when the pool closes it, and runMain
// keeps a worker thread alive after its fiber is done.
Effect.runFork(Layer.launch(WorkerLive))

// A worker started for key generation (its `workerData` says `{ warm: ["keygen"] }`: the
// CLI's early workers for `sluice keygen`) loads keygen's chunk and libsodium now, while
// the calling thread is still loading its program, rather than on its first request,
// after it: ~30 ms of CPU off the path to each worker's first key. Its first request finds
// the module loaded (the same `import()`); a failure here is the first request's to report.
if (warms(workerData, "keygen")) void import("./keygenHandlers.js").then((m) => m.warm(), () => undefined)
// The same for age (`{ warm: ["age"] }`: the CLI's encrypt and decrypt): its handlers and
// libsodium load now, each worker in parallel with the calling thread's program.
if (warms(workerData, "age")) void import("./ageHandlers.js").catch(() => undefined)
