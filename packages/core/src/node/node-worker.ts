/** Entry of each worker thread: serves the pool's requests with the Node layers. */
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import { Effect, Layer } from "effect"
import { RpcServer } from "effect/rpc"
import { HashHandlersLive } from "../hash/handlers.js"
import { HashRpcs } from "../hash/HashRpcs.js"
import * as NodeByteSource from "./NodeByteSource.js"
import * as NodeHashKernel from "./NodeHashKernel.js"

const Handlers = HashHandlersLive.pipe(Layer.provide(Layer.mergeAll(NodeByteSource.layer, NodeHashKernel.layer)))
const Protocol = RpcServer.layerProtocolWorkerRunner.pipe(Layer.provide(NodeWorkerRunner.layer))
const WorkerLive = RpcServer.layer(HashRpcs).pipe(Layer.provide(Layer.mergeAll(Handlers, Protocol)))

// Not NodeRuntime.runMain: the worker must end when the pool closes it, and runMain
// keeps a worker thread alive after its fiber is done.
Effect.runFork(Layer.launch(WorkerLive))
