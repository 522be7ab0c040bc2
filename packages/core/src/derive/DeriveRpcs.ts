import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { Transferable } from "effect/workers"
import { DeriveErrorSchema } from "./DeriveErrorSchema.js"
import { DeriveParams } from "./DeriveParams.js"

/**
 * One key derivation on one worker. No progress: a PBKDF2 of many iterations is silent
 * until done, so the pool judges it by its CPU deadline, not by a stall timeout. The key
 * comes back transferred, not copied, so no second copy of it stays on the worker.
 */
export class Derive extends Rpc.make("Derive", {
  payload: { params: DeriveParams },
  success: Schema.Struct({ key: Transferable.Uint8Array }),
  error: DeriveErrorSchema
}) {}

export class DeriveRpcs extends RpcGroup.make(Derive) {}
