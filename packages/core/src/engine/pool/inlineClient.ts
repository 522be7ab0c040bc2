import { Context, Effect, Scope, Stream } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"

/**
 * effect's own marks, read here without importing its RPC modules (`RpcSchema.isStreamSchema`,
 * `Rpc.isWrapper`), which bring Schema: a pool on the calling thread loads none of them
 * (inlineClient.test.ts holds these to effect's functions).
 */
const STREAM_SCHEMA = "~effect/rpc/RpcSchema/StreamSchema"
const WRAPPER = "~effect/rpc/Rpc/Wrapper"
export const isStreamSchema = (schema: unknown): boolean =>
  (typeof schema === "object" || typeof schema === "function") && schema !== null && STREAM_SCHEMA in schema
export const isWrapper = (value: unknown): value is { readonly value: unknown } =>
  typeof value === "object" && value !== null && WRAPPER in value

/**
 * A group's client on the calling thread: each call runs its handler here, straight from
 * the handlers' layer, the way a worker's server would run it (the handler's own services,
 * a scope per request that closes when the request ends), without the RPC machinery in
 * between. Nothing crosses a thread, so nothing is encoded, decoded or re-validated: the
 * payload is the object the task built, the result the handler's own. A program that never
 * starts a worker (`sluice derive`, a check the cache answers) so never loads the RPC
 * client, its protocols and the Schemas they bring (`layerWorkers` loads them with its
 * first worker).
 */
export const makeInlineClient = <Rpcs extends Rpc.Any>(
  group: RpcGroup.RpcGroup<Rpcs>
): Effect.Effect<unknown, never, Rpc.ToHandler<Rpcs>> =>
  Effect.map(Effect.context<Rpc.ToHandler<Rpcs>>(), (services) => {
    let nextId = 0
    const client: Record<string, (payload?: unknown) => unknown> = {}
    group.requests.forEach((rpc, tag) => {
      const isStream = isStreamSchema((rpc as unknown as Rpc.AnyWithProps).successSchema)
      const handle = (payload: unknown) => {
        const entry = (services as Context.Context<never>).mapUnsafe.get(rpc.key) as Rpc.Handler<string> | undefined
        if (entry === undefined) throw new Error(`no handler for '${tag}': its operation's handlers are not in the layer`)
        const options = { rpc, client: undefined, requestId: BigInt(nextId++), headers: {}, payload }
        const result = entry.handler(payload, options as unknown as Parameters<Rpc.Handler<string>["handler"]>[1])
        const value = isWrapper(result) ? result.value : result
        return { entry, value }
      }
      // The handler's services over the caller's, as a worker's server gives them.
      const withServices = (entry: Rpc.Handler<string>) => (current: Context.Context<never>) => Context.merge(current, entry.context)
      client[tag] = isStream
        ? (payload) =>
          Stream.unwrap(Effect.sync(() => {
            const { entry, value } = handle(payload)
            return (value as Stream.Stream<unknown, unknown>).pipe(Stream.updateContext(withServices(entry)))
          }))
        : (payload) =>
          Effect.suspend(() => {
            const { entry, value } = handle(payload)
            return Effect.scopedWith((scope) =>
              Effect.updateContext(
                value as Effect.Effect<unknown, unknown, Scope.Scope>,
                (current: Context.Context<never>) => Context.add(withServices(entry)(current), Scope.Scope, scope)
              )
            )
          })
    })
    return client
  })
