import { Context, Effect, Layer, Stream } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"
import { RpcSchema } from "effect/rpc"

/**
 * An operation's handlers that load when a request of the operation first arrives: a
 * worker that only ever hashes never evaluates the key-generation or KDF code (its tables,
 * its WebAssembly), and a program whose bundle splits at `import()` never even reads it.
 * `load` gives the real handlers as a layer; it is built once, with the services this
 * layer was built with, and lives as long as it.
 *
 * Where `load` fails (a chunk of a split bundle missing or unreadable), each request fails
 * with `unloaded(request)`, the operation's own typed failure (its kernel failed), and the
 * cause is not kept: without it, a defect. The failure is remembered, as a success is.
 */
export const lazyHandlers = <Rpcs extends Rpc.Any, R>(
  group: RpcGroup.RpcGroup<Rpcs>,
  load: () => Promise<Layer.Layer<Rpc.ToHandler<Rpcs>, never, R>>,
  unloaded?: (request: Rpc.Payload<Rpcs>) => Rpc.Error<Rpcs>
): Layer.Layer<Rpc.ToHandler<Rpcs>, never, R> =>
  Layer.effectContext(Effect.gen(function*() {
    const services = yield* Effect.context<R>()
    const scope = yield* Effect.scope
    const loaded = Effect.tryPromise({ try: load, catch: (cause) => cause })
    const real = yield* Effect.cached(
      Effect.flatMap(loaded, (layer) => Layer.buildWithScope(layer, scope)).pipe(Effect.provideContext(services))
    )
    const realFor = (request: unknown) =>
      Effect.catch(real, (cause) => unloaded === undefined ? Effect.die(cause) : Effect.fail(unloaded(request as Rpc.Payload<Rpcs>)))
    const entries = new Map<string, unknown>()
    group.requests.forEach((rpc, tag) => {
      const entryOf = (context: Context.Context<never>) => context.mapUnsafe.get(rpc.key) as Rpc.Handler<string>
      const stream = RpcSchema.isStreamSchema((rpc as unknown as { readonly successSchema: Parameters<typeof RpcSchema.isStreamSchema>[0] }).successSchema)
      entries.set(rpc.key, {
        tag,
        context: services,
        handler: (request: unknown, options: Parameters<Rpc.Handler<string>["handler"]>[1]) =>
          stream
            ? Stream.unwrap(Effect.map(realFor(request), (context) => {
              const entry = entryOf(context)
              return (entry.handler(request, options) as Stream.Stream<unknown, unknown>).pipe(
                Stream.updateContext((current: Context.Context<never>) => Context.merge(current, entry.context))
              )
            }))
            : Effect.flatMap(realFor(request), (context) => {
              const entry = entryOf(context)
              return (entry.handler(request, options) as Effect.Effect<unknown, unknown>).pipe(
                Effect.updateContext((current: Context.Context<never>) => Context.merge(current, entry.context))
              )
            })
      })
    })
    return Context.makeUnsafe(entries) as Context.Context<Rpc.ToHandler<Rpcs>>
  })) as Layer.Layer<Rpc.ToHandler<Rpcs>, never, R>
