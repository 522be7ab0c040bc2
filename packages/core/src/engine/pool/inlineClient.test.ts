import { Context, Effect, Layer, Schema, Stream } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { describe, expect, it } from "vitest"
import { makeInlineClient } from "./inlineClient.js"

class Refused extends Schema.TaggedError<Refused>()("Refused", { why: Schema.String }) {}
class Add extends Rpc.make("Add", { payload: { a: Schema.Number, b: Schema.Number }, success: Schema.Number, error: Refused }) {}
class Count extends Rpc.make("Count", { payload: { to: Schema.Number }, success: Schema.Number, stream: true }) {}
class Ops extends RpcGroup.make(Add, Count) {}

/** A service only the handlers' layer has. */
class Offset extends Context.Service<Offset, number>()("test/Offset") {}

const events: Array<string> = []
const handlers = Ops.toLayer(Effect.gen(function*() {
  const offset = yield* Offset
  return {
    Add: ({ a, b }) =>
      a < 0
        ? Effect.fail(new Refused({ why: "negative" }))
        : Effect.andThen(
          Effect.addFinalizer(() => Effect.sync(() => events.push("request scope closed"))),
          Effect.succeed(a + b + offset)
        ),
    Count: ({ to }) => Stream.range(1, to).pipe(Stream.map((n) => n + offset))
  }
})).pipe(Layer.provide(Layer.succeed(Offset)(100)))

const withClient = <A, E>(use: (client: any) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.flatMap(makeInlineClient(Ops), use).pipe(Effect.provide(handlers)) as Effect.Effect<A, E>)

describe("the inline client", () => {
  it("runs a handler on this thread with the handlers' services, in a scope that closes when the request ends", async () => {
    events.length = 0
    expect(await withClient((client) => client.Add({ a: 1, b: 2 }))).toBe(103)
    expect(events).toEqual(["request scope closed"])
  })

  it("passes the operation's typed error through", async () => {
    const failure = await withClient((client) => Effect.flip(client.Add({ a: -1, b: 2 })))
    expect(failure).toBeInstanceOf(Refused)
    expect((failure as Refused).why).toBe("negative")
  })

  it("gives a stream handler's events in order", async () => {
    const events = await withClient((client) => Stream.runCollect(client.Count({ to: 3 })))
    expect([...events]).toEqual([101, 102, 103])
  })
})
