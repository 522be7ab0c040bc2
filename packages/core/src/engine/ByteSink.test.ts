import { Effect, Fiber, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { orderedWriter, rechunk } from "./ByteSink.js"

const bytes = (...values: Array<number>) => Uint8Array.from(values)

describe("orderedWriter", () => {
  it("writes pieces put in any order in index order", async () => {
    const written: Array<number> = []
    await Effect.runPromise(Effect.gen(function*() {
      const writer = yield* orderedWriter((b) => Effect.sync(() => written.push(...b)), 8)
      for (const index of [3, 1, 0, 4, 2]) yield* writer.put(index, bytes(index))
      expect(writer.held()).toBe(0)
      expect(writer.next()).toBe(5)
    }))
    expect(written).toEqual([0, 1, 2, 3, 4])
  })

  it("holds at most `window` pieces: a put beyond it waits until the earlier ones are written", async () => {
    const written: Array<number> = []
    await Effect.runPromise(Effect.gen(function*() {
      const writer = yield* orderedWriter((b) => Effect.sync(() => written.push(...b)), 2)
      yield* writer.put(1, bytes(1))
      const far = yield* Effect.forkChild(writer.put(2, bytes(2)))
      yield* Effect.yieldNow
      // Piece 2 is outside the window [0, 2) while piece 0 is missing: not held, not written.
      expect(writer.held()).toBe(1)
      expect(far.pollUnsafe()).toBeUndefined()
      yield* writer.put(0, bytes(0))
      yield* Fiber.join(far)
    }))
    expect(written).toEqual([0, 1, 2])
  })

  it("stops at the first failed write and reports it", async () => {
    const exit = await Effect.runPromiseExit(Effect.gen(function*() {
      const writer = yield* orderedWriter((b) => b[0] === 1 ? Effect.fail("disk full" as const) : Effect.void, 4)
      yield* writer.put(1, bytes(1))
      yield* writer.put(0, bytes(0))
    }))
    expect(exit._tag).toBe("Failure")
  })
})

describe("rechunk", () => {
  const run = (size: number, parts: ReadonlyArray<Uint8Array>) =>
    Effect.runPromise(Stream.runCollect(Stream.fromIterable(parts).pipe(rechunk(size))))

  it("cuts pieces of any sizes into chunks of exactly `size`, the last shorter", async () => {
    const input = Uint8Array.from({ length: 23 }, (_, i) => i)
    const parts = [input.subarray(0, 1), input.subarray(1, 9), input.subarray(9, 9), input.subarray(9, 23)]
    const chunks = await run(5, parts)
    expect(chunks.map((c) => c.length)).toEqual([5, 5, 5, 5, 3])
    expect(Uint8Array.from(chunks.flatMap((c) => [...c]))).toEqual(input)
  })

  it("gives no short last chunk for a multiple of the size, and nothing for an empty input", async () => {
    expect((await run(4, [new Uint8Array(8)])).map((c) => c.length)).toEqual([4, 4])
    expect(await run(4, [])).toEqual([])
  })

  it("hands out chunks the consumer may keep (not one reused buffer)", async () => {
    const chunks = await run(2, [bytes(1, 2, 3, 4)])
    expect(chunks[0]).toEqual(bytes(1, 2))
    expect(chunks[1]).toEqual(bytes(3, 4))
  })
})
