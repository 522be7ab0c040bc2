/**
 * Stage four of the page's load (main.tsx): Effect's schemas and RPC, which core's
 * descriptors and the workers' requests are defined with, in a task of their own.
 */
import { Schema } from "effect"
import { RpcGroup } from "effect/rpc"

export const loaded = [Schema.String, RpcGroup.make] as const
