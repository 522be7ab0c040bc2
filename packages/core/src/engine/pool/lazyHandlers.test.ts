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

class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", { n: Schema.Number }) {}
class Half extends Rpc.make("Half", { payload: { n: Schema.Number }, success: Schema.Number, error: Unavailable }) {}
class Failing extends RpcGroup.make(Half) {}

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

  it("fails each request with the operation's own error when its handlers cannot be loaded, trying the load once", async () => {
    let loads = 0
    const handlers = lazyHandlers<RpcGroup.Rpcs<typeof Failing>, never>(Failing, () => {
      loads++
      return Promise.reject(new Error("Cannot find module './handlers-X.js'"))
    }, ({ n }) => new Unavailable({ n }))
    const pool = layerInline({ group: EngineRpcs.merge(Failing), handlers: Layer.mergeAll(EngineHandlersLive, handlers) })
    const seen = await Effect.runPromise(Effect.gen(function*() {
      const client = (yield* WorkerPool).client(Failing)
      const first = yield* Effect.flip(client.run(policy, (c) => c.Half({ n: 4 })))
      const second = yield* Effect.flip(client.run(policy, (c) => c.Half({ n: 6 })))
      return { first, second }
    }).pipe(Effect.provide(pool)))
    expect(seen.first).toEqual(new Unavailable({ n: 4 }))
    expect(seen.second).toEqual(new Unavailable({ n: 6 }))
    expect(loads).toBe(1)
  })

  it("dies with the load's failure where the operation gives no error for it", async () => {
    const handlers = lazyHandlers<RpcGroup.Rpcs<typeof Failing>, never>(Failing, () => Promise.reject(new Error("no chunk")))
    const pool = layerInline({ group: EngineRpcs.merge(Failing), handlers: Layer.mergeAll(EngineHandlersLive, handlers) })
    const exit = await Effect.runPromiseExit(Effect.gen(function*() {
      return yield* (yield* WorkerPool).client(Failing).run(policy, (c) => c.Half({ n: 4 }))
    }).pipe(Effect.provide(pool)))
    expect(exit._tag).toBe("Failure")
    expect(String(exit._tag === "Failure" ? exit.cause : "")).toContain("no chunk")
  })
})
