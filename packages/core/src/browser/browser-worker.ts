/** Entry of each Web Worker of the pool: serves the pool's requests on `File`s with the portable kernels (WebCrypto for a batch's whole small files). */
import { Effect, Layer } from "effect"
import { RpcServer } from "effect/rpc"
import { operationHandlers, Operations } from "../operations.js"
import * as BlobReaderThread from "./BlobReaderThread.js"
import * as BrowserWorkerRunner from "./BrowserWorkerRunner.js"
import * as WebCryptoHashKernel from "./WebCryptoHashKernel.js"
import * as WebCryptoKdfKernel from "./WebCryptoKdfKernel.js"

/**
 * Every operation, keygen over this platform's kernel, loaded on the first key asked for;
 * age over libsodium's WebAssembly cipher (noble where it cannot start), on its first task.
 */
const BrowserHandlers = operationHandlers(
  () => import("./keygenHandlers.js").then((m) => m.handlers),
  () => import("./ageHandlers.js").then((m) => m.load())
)

const Handlers = BrowserHandlers.pipe(Layer.provide(Layer.mergeAll(BlobReaderThread.layer, WebCryptoHashKernel.layer, WebCryptoKdfKernel.layerBest)))
const Protocol = RpcServer.layerProtocolWorkerRunner.pipe(Layer.provide(BrowserWorkerRunner.layer))
const WorkerLive = RpcServer.layer(Operations).pipe(Layer.provide(Layer.mergeAll(Handlers, Protocol)))

// Not a runMain: the runner closes the worker on the close message. The launch itself ends
// only by failing, and then the parent must hear of it rather than wait for a ready signal.
Effect.runFork(Layer.launch(WorkerLive).pipe(
  Effect.tapCause(Effect.logError),
  Effect.ensuring(BrowserWorkerRunner.closeWorker)
))
