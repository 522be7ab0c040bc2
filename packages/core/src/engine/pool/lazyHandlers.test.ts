import { Effect, Layer, Schema, Stream } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { describe, expect, it } from "vitest"
import { EngineHandlersLive, EngineRpcs } from "./EngineRpcs.js"
import { lazyHandlers } from "./lazyHandlers.js"
import { Deadline } from "./TaskPolicy.js"
import { layerInline, WorkerPool } from "./WorkerPool.js"

class Double extends Rpc.make("Double", { payload: { n: Schema.Number }, success: Schema.Number }) {}
class Count extends Rpc.make("Count", { payload: { to: Schema.Number }, success: Schema.Number, stream: true }) {}
class Lazy extends RpcGroup.make(Double, Count) {}

const policy = { deadline: Deadline.none, idempotent: true, fallback: true }

describe("lazyHandlers", () => {
  it("loads an operation's handlers on its first request, once, and answers effects and streams through them", async () => {
    let loads = 0
    const handlers = lazyHandlers(Lazy, async () => {
      loads++
      return Lazy.toLayer({
        Double: ({ n }) => Effect.succeed(n * 2),
        Count: ({ to }) => Stream.range(1, to)
      })
    })
    const pool = layerInline({ group: EngineRpcs.merge(Lazy), handlers: Layer.mergeAll(EngineHandlersLive, handlers) })
    const seen = await Effect.runPromise(Effect.gen(function*() {
      const client = (yield* WorkerPool).client(Lazy)
      const before = loads
      const doubled = yield* client.run(policy, (c) => c.Double({ n: 21 }))
      const counted = yield* Stream.runCollect(client.stream(policy, (c) => c.Count({ to: 3 })))
      yield* client.run(policy, (c) => c.Double({ n: 1 }))
      return { before, doubled, counted, after: loads }
    }).pipe(Effect.provide(pool)))
    expect(seen).toEqual({ before: 0, doubled: 42, counted: [1, 2, 3], after: 1 })
  })
})
