import { Context, Effect, Layer, Schema, Stream } from "effect"
import { Rpc, RpcGroup, RpcSchema } from "effect/rpc"
import { describe, expect, it } from "vitest"
import { isStreamSchema, isWrapper, makeInlineClient } from "./inlineClient.js"

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

describe("the inline client's own reading of effect's marks", () => {
  it("tells a streamed request and a wrapped result as effect's RpcSchema.isStreamSchema and Rpc.isWrapper do", () => {
    for (const rpc of [Add, Count]) expect(isStreamSchema(rpc.successSchema)).toBe(RpcSchema.isStreamSchema(rpc.successSchema))
    expect(isStreamSchema(Count.successSchema)).toBe(true)
    const wrapped = Rpc.wrap({ fork: true })(Effect.succeed(1))
    expect(isWrapper(wrapped)).toBe(Rpc.isWrapper(wrapped))
    expect(isWrapper(wrapped)).toBe(true)
    expect(isWrapper(Effect.succeed(1))).toBe(false)
  })
})
