/**
 * The pool as its users see it: the `WorkerPool` service, its clients and health, and what
 * every kind of pool shares. Without the supervised workers' machinery (WorkerPool.ts) nor
 * Effect's Schema: a program whose pool is the calling thread (inlinePool.ts) loads no more
 * of the pool than this.
 */
import { Context, Effect, type Layer, type Stream, SubscriptionRef } from "effect"
import type { Rpc, RpcClient, RpcGroup } from "effect/rpc"
import type { RpcClientError } from "effect/rpc/RpcClientError"
import type { WorkerError } from "../errors.js"
import * as Metrics from "../metrics/Metrics.js"
import { isTransientError } from "../transient.js"
import type { BreakerState } from "./CircuitBreaker.js"
import { makeInlineClient as makeDirectClient } from "./inlineClient.js"
import type { TaskPolicy } from "./TaskPolicy.js"

/** What a pipeline knows of the job a task belongs to, for the pool to place the task. */
export interface TaskHints {
  /** Bytes the whole job still has to read, when every size is known. */
  readonly jobBytes?: number | undefined
}

/** What the pool has lived through: the breaker, and counts a front end or metrics can show. */
export interface PoolHealth {
  readonly breaker: BreakerState
  /** Workers replaced after a crash or a missed deadline. */
  readonly restarts: number
  /** Tasks tried again after a transient failure. */
  readonly retries: number
  /** Tasks that ran past their deadline. */
  readonly timeouts: number
  /** Tasks that ran on the calling thread: while the breaker was open, or after their worker crashed. */
  readonly fallbackTasks: number
}

export const healthyPool: PoolHealth = {
  breaker: { _tag: "closed", failures: 0 },
  restarts: 0,
  retries: 0,
  timeouts: 0,
  fallbackTasks: 0
}

/** The client of one operation's RPC group, as a task sees it on whichever thread runs it. */
export type GroupClient<Rpcs extends Rpc.Any> = RpcClient.RpcClient<Rpcs, RpcClientError>

/**
 * One operation's way into the pool. A task is a call of the operation's client; the pool
 * makes the call on a worker (or the calling thread), supervised as its policy says, and
 * makes it again on another attempt. Failures of the worker come back as `WorkerError`;
 * the operation's own errors pass through.
 */
export interface PoolClient<Rpcs extends Rpc.Any> {
  readonly run: <A, E>(
    policy: TaskPolicy,
    task: (client: GroupClient<Rpcs>) => Effect.Effect<A, E | RpcClientError>,
    hints?: TaskHints
  ) => Effect.Effect<A, Exclude<E, RpcClientError> | WorkerError>
  readonly stream: <A, E>(
    policy: TaskPolicy,
    task: (client: GroupClient<Rpcs>) => Stream.Stream<A, E | RpcClientError>,
    hints?: TaskHints
  ) => Stream.Stream<A, Exclude<E, RpcClientError> | WorkerError>
}

/**
 * Where heavy work runs. The pool serves one RPC group, the union of every operation's
 * group, and knows none of them: a layer decides whether requests go to worker threads,
 * Web Workers or the calling thread.
 */
export class WorkerPool extends Context.Service<WorkerPool, {
  /** How many tasks run at once; pipelines size their fan-out by it. */
  readonly size: number
  readonly kind: "workers" | "inline"
  /** Breaker state and recovery counts, live. */
  readonly health: SubscriptionRef.SubscriptionRef<PoolHealth>
  /** The way in for an operation whose group the pool serves (a defect otherwise). */
  readonly client: <Rpcs extends Rpc.Any>(group: RpcGroup.RpcGroup<Rpcs>) => PoolClient<Rpcs>
}>()("@sluice/core/WorkerPool") {}

/** What the pool serves: the merged group of every operation and the layer of their handlers. */
export interface Served<Rpcs extends Rpc.Any, R> {
  readonly group: RpcGroup.RpcGroup<Rpcs>
  readonly handlers: Layer.Layer<Rpc.ToHandler<Rpcs>, never, R>
}

// The pool handles every task as an untyped call; `PoolClient` gives it back its types.
export type AnyClient = any
export type AnyTask = (client: AnyClient) => Effect.Effect<unknown, unknown>
export type AnyStreamTask = (client: AnyClient) => Stream.Stream<unknown, unknown>

/** The group's requests must all be served, or the operation was never registered. */
const checkServed = (served: RpcGroup.RpcGroup<Rpc.Any>, group: RpcGroup.RpcGroup<Rpc.Any>) => {
  for (const tag of group.requests.keys()) {
    if (!served.requests.has(tag)) throw new Error(`the pool does not serve '${tag}': add its group to the operations`)
  }
}

/** The handlers' client on the calling thread, as `layerInline` and the breaker's fallback use it (`inlineClient.ts`). */
export const makeInlineClient = <Rpcs extends Rpc.Any>(group: RpcGroup.RpcGroup<Rpcs>) =>
  makeDirectClient(group) as unknown as Effect.Effect<AnyClient>

/** Counts a failure that is about to be retried in the pool's health. */
export const countRetry = (health: SubscriptionRef.SubscriptionRef<PoolHealth>) => (error: unknown) =>
  isTransientError(error)
    ? Effect.andThen(SubscriptionRef.update(health, (h) => ({ ...h, retries: h.retries + 1 })), Metrics.record(Metrics.retries, 1))
    : Effect.void

export const typed = (
  served: RpcGroup.RpcGroup<Rpc.Any>,
  run: (policy: TaskPolicy, task: AnyTask, hints?: TaskHints) => Effect.Effect<unknown, unknown>,
  stream: (policy: TaskPolicy, task: AnyStreamTask, hints?: TaskHints) => Stream.Stream<unknown, unknown>
) =>
<Rpcs extends Rpc.Any>(group: RpcGroup.RpcGroup<Rpcs>): PoolClient<Rpcs> => {
  checkServed(served, group as unknown as RpcGroup.RpcGroup<Rpc.Any>)
  return { run, stream } as unknown as PoolClient<Rpcs>
}

