import { Effect, Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"

/**
 * The engine's own request: a worker answers it as soon as it serves requests at all. The
 * pool sends it to every new worker before giving the worker a task, so a task's deadline
 * and stall limit count the task's own time, never the worker's start (which a loaded
 * machine may stretch to seconds).
 */
export class Ready extends Rpc.make("Ready", { success: Schema.Void }) {}

export class EngineRpcs extends RpcGroup.make(Ready) {}

export const EngineHandlersLive = EngineRpcs.toLayer({ Ready: () => Effect.void })
