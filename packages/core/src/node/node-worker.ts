/** Entry of each worker thread: serves every operation's requests with the Node layers. */
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import { Effect, Layer } from "effect"
import { RpcServer } from "effect/rpc"
import { operationHandlers, Operations } from "../operations.js"
import * as NodeByteSource from "./NodeByteSource.js"
import * as NodeHashKernel from "./NodeHashKernel.js"
import * as NodeKdfKernel from "./NodeKdfKernel.js"

/** Every operation, keygen over this platform's kernel, loaded on the first key asked for. */
const NodeHandlers = operationHandlers(() => import("./keygenHandlers.js").then((m) => m.handlers))

const Handlers = NodeHandlers.pipe(Layer.provide(Layer.mergeAll(NodeByteSource.layer, NodeHashKernel.layer, NodeKdfKernel.layer)))
const Protocol = RpcServer.layerProtocolWorkerRunner.pipe(Layer.provide(NodeWorkerRunner.layer))
const WorkerLive = RpcServer.layer(Operations).pipe(Layer.provide(Layer.mergeAll(Handlers, Protocol)))

// Not NodeRuntime.runMain: the worker must end when the pool closes it, and runMain
// keeps a worker thread alive after its fiber is done.
Effect.runFork(Layer.launch(WorkerLive))
