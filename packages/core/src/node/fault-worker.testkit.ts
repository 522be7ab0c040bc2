/**
 * A worker thread entry for fault-injection tests: the pool's handlers over the Node layers,
 * with `layerFaulty` in front of the byte source. Its rules and their shared counters come
 * in `workerData`, so every worker of the pool spends the same budget.
 */
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import { Effect, Layer } from "effect"
import { RpcServer } from "effect/rpc"
import { workerData } from "node:worker_threads"
import { OperationHandlers, Operations } from "../operations.js"
import { type FaultRule, layerFaulty } from "../engine/faultySource.testkit.js"
import * as NodeByteSink from "./NodeByteSink.js"
import * as NodeByteSource from "./NodeByteSource.js"
import * as NodeHashKernel from "./NodeHashKernel.js"

const { counters, rules } = workerData as { rules: ReadonlyArray<FaultRule>; counters: Int32Array }
const Sources = layerFaulty(rules, counters, { crash: () => process.exit(70) }).pipe(Layer.provide(NodeByteSource.layer))
const Handlers = OperationHandlers.pipe(Layer.provide(Layer.mergeAll(Sources, NodeByteSink.layer, NodeHashKernel.layer)))
const Protocol = RpcServer.layerProtocolWorkerRunner.pipe(Layer.provide(NodeWorkerRunner.layer))

Effect.runFork(Layer.launch(RpcServer.layer(Operations).pipe(Layer.provide(Layer.mergeAll(Handlers, Protocol)))))
