import { Effect, Fiber, Layer, Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { EngineHandlersLive, EngineRpcs } from "./EngineRpcs.js"
import { Deadline } from "./TaskPolicy.js"
import { layerInline, WorkerPool } from "./WorkerPool.js"

class Wait extends Rpc.make("Wait", { payload: { ms: Schema.Number }, success: Schema.Number }) {}
class Waits extends RpcGroup.make(Wait) {}

// A kernel that runs off the calling thread: the fiber only waits, as for node:crypto's async KDFs.
const handlers = Waits.toLayer({ Wait: ({ ms }) => Effect.as(Effect.sleep(ms), ms) })
const pool = layerInline({ group: EngineRpcs.merge(Waits), handlers: Layer.mergeAll(EngineHandlersLive, handlers) })
// Deadline.cpu(1 s): 2 s of base and 4 x the estimate, 6 s in all.
const policy = { deadline: Deadline.cpu(1000), idempotent: false, fallback: true }

const run = (ms: number, advance: number) =>
  Effect.gen(function*() {
    const fiber = yield* (yield* WorkerPool).client(Waits).run(policy, (c) => c.Wait({ ms })).pipe(Effect.result, Effect.forkChild)
    yield* TestClock.adjust(advance)
    return yield* Fiber.join(fiber)
  }).pipe(Effect.provide(Layer.merge(pool, TestClock.layer())))

describe("layerInline", () => {
  it("fails a task that runs past its deadline with a WorkerError of kind timeout", async () => {
    const result = await Effect.runPromise(run(60_000, 7000))
    expect(result._tag).toBe("Failure")
    const error = (result as { failure: { _tag: string; reason: { kind: string; message: string } } }).failure
    expect(error._tag).toBe("WorkerError")
    expect(error.reason.kind).toBe("timeout")
    expect(error.reason.message).toContain("no answer within 6s")
  })

  it("lets a task within its deadline finish", async () => {
    const result = await Effect.runPromise(run(5000, 5000))
    expect(result).toMatchObject({ _tag: "Success", success: 5000 })
  })
})
