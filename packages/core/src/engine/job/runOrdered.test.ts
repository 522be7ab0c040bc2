import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import type { JobProgress } from "./JobProgress.js"
import { type OrderedJob, type Outcome, runOrdered } from "./runOrdered.js"
import { orderedRangeMap, splitRanges } from "./rangeMap.js"

interface Done extends Outcome {
  readonly _tag: "Done" | "Failed"
  readonly size: number
  readonly via: "one" | "batch" | "known"
}

const isProgress = (event: Done | JobProgress): event is JobProgress => event._tag === "JobProgress"

const job = (sizes: ReadonlyArray<number>, extra: Partial<OrderedJob<Done>> = {}): OrderedJob<Done> => ({
  pipeline: "test",
  items: sizes.length,
  concurrency: 3,
  sizes,
  batching: { smallItemBytes: 10, maxBytes: 25, maxItems: 3 },
  // Later items finish first: the runner must still emit them in input order.
  one: (index, advance) =>
    Effect.andThen(
      Effect.andThen(advance(index, sizes[index]! / 2, sizes[index]), Effect.sleep(`${(sizes.length - index) * 2} millis`)),
      Effect.succeed<Done>({ _tag: "Done", index, size: sizes[index]!, via: "one" })
    ),
  batch: (indices) => Effect.succeed(indices.map((index): Done => ({ _tag: "Done", index, size: sizes[index]!, via: "batch" }))),
  kind: (outcome) => outcome._tag === "Failed" ? "failed" : outcome.via === "known" ? "cached" : "done",
  size: (outcome) => outcome.size,
  ...extra
})

const collect = (spec: OrderedJob<Done>) => Effect.runPromise(Stream.runCollect(runOrdered(spec)))

describe("runOrdered", () => {
  it("emits every outcome once, in input order, whatever order the units finish in", async () => {
    const events = await collect(job([50, 60, 70, 80, 90]))
    expect(events.filter((e) => !isProgress(e)).map((e) => (e as Done).index)).toEqual([0, 1, 2, 3, 4])
  })

  it("batches runs of small items (at most maxItems, maxBytes) and runs large or unsized ones alone", async () => {
    const events = await collect(job([1, 2, 3, 4, 50, 5, 20]))
    const outcomes = events.filter((e): e is Done => !isProgress(e))
    expect(outcomes.map((o) => o.via)).toEqual(["batch", "batch", "batch", "one", "one", "one", "one"])
    // 1+2+3 is a full batch of 3; 4 is alone before the large item, so it runs as one.
  })

  it("known outcomes (the cache's) come out in their place without running", async () => {
    const ran: Array<number> = []
    const spec = job([50, 60, 70], {
      known: new Map([[1, { _tag: "Done" as const, index: 1, size: 60, via: "known" as const }]]),
      one: (index) => Effect.sync((): Done => {
        ran.push(index)
        return { _tag: "Done", index, size: 1, via: "one" }
      })
    })
    const outcomes = (await collect(spec)).filter((e): e is Done => !isProgress(e))
    expect(outcomes.map((o) => [o.index, o.via])).toEqual([[0, "one"], [1, "known"], [2, "one"]])
    expect(ran.sort()).toEqual([0, 2])
  })

  it("progress ends at every byte and item of the job, with the total once every size is known", async () => {
    const events = await collect(job([50, 60, 70]))
    const last = events.filter(isProgress).at(-1)!
    expect(last).toMatchObject({ bytes: 180, total: 180, filesDone: 3, files: 3 })
  })

  it("calls onUnit with each unit's outcomes before they are emitted", async () => {
    const seen: Array<number> = []
    await collect(job([1, 2, 50], { onUnit: (outcomes) => Effect.sync(() => seen.push(...outcomes.map((o) => o.index))) }))
    expect(seen.sort()).toEqual([0, 1, 2])
  })

  it("a failed item is an outcome like the others; the job goes on", async () => {
    const spec = job([50, 60], {
      one: (index) => Effect.succeed<Done>({ _tag: index === 0 ? "Failed" : "Done", index, size: 60, via: "one" })
    })
    const outcomes = (await collect(spec)).filter((e): e is Done => !isProgress(e))
    expect(outcomes.map((o) => o._tag)).toEqual(["Failed", "Done"])
  })

  it("with a lookup, a job of several chunks runs the first chunk's misses before the last chunk is looked up; outcomes stay in order", async () => {
    const sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    const log: Array<string> = []
    const spec = job(sizes, {
      sizes: sizes.map(() => undefined),
      concurrency: 1,
      lookup: {
        chunk: 3,
        run: (from, to) =>
          Effect.sync(() => {
            log.push(`lookup ${from}`)
            // Every even item is known (the cache's); the sizes come with the lookup.
            const range = sizes.slice(from, to)
            return {
              known: range.map((size, i) => (from + i) % 2 === 0 ? { _tag: "Done" as const, index: from + i, size, via: "known" as const } : undefined),
              sizes: range
            }
          })
      },
      batch: (indices) =>
        Effect.sync(() => {
          log.push(`batch ${indices.join(",")}`)
          return indices.map((index): Done => ({ _tag: "Done", index, size: sizes[index]!, via: "batch" }))
        }),
      one: (index) =>
        Effect.sync((): Done => {
          log.push(`one ${index}`)
          return { _tag: "Done", index, size: sizes[index]!, via: "one" }
        })
    })
    const events = await collect(spec)
    const outcomes = events.filter((e): e is Done => !isProgress(e))
    expect(outcomes.map((o) => [o.index, o.via === "known" ? "known" : "ran"])).toEqual(
      sizes.map((_, i) => [i, i % 2 === 0 ? "known" : "ran"])
    )
    expect(log.indexOf("one 1")).toBeLessThan(log.indexOf("lookup 9"))
    expect(events.filter(isProgress).at(-1)).toMatchObject({ bytes: 55, total: 55, filesDone: 10, files: 10 })
  })

  it("with a lookup, a job of one chunk is looked up once, then planned whole", async () => {
    const calls: Array<[number, number]> = []
    const spec = job([1, 2], {
      sizes: [undefined, undefined],
      lookup: { chunk: 8, run: (from, to) => Effect.sync(() => (calls.push([from, to]), { known: [undefined, undefined], sizes: [1, 2] })) }
    })
    const outcomes = (await collect(spec)).filter((e): e is Done => !isProgress(e))
    expect(calls).toEqual([[0, 2]])
    expect(outcomes.map((o) => o.via)).toEqual(["batch", "batch"])
  })

  it("batchConcurrency bounds the batches running at once, not the lone items", async () => {
    let batches = 0
    let mostBatches = 0
    let running = 0
    let most = 0
    const track = <A>(batch: boolean, effect: Effect.Effect<A>) =>
      Effect.suspend(() => {
        running++
        if (batch) batches++
        most = Math.max(most, running)
        mostBatches = Math.max(mostBatches, batches)
        return Effect.ensuring(Effect.andThen(Effect.sleep("5 millis"), effect), Effect.sync(() => {
          running--
          if (batch) batches--
        }))
      })
    const sizes = [1, 2, 1, 2, 1, 2, 50, 60, 70, 80]
    await collect(job(sizes, {
      concurrency: 4,
      batchConcurrency: 1,
      batching: { smallItemBytes: 10, maxBytes: 100, maxItems: 2 },
      batch: (indices) => track(true, Effect.succeed(indices.map((index): Done => ({ _tag: "Done", index, size: sizes[index]!, via: "batch" })))),
      one: (index) => track(false, Effect.succeed<Done>({ _tag: "Done", index, size: sizes[index]!, via: "one" }))
    }))
    expect(mostBatches).toBe(1)
    expect(most).toBeGreaterThan(1)
  })

  it("with one batch at a time, the next batch is started before the last one's outcomes are handled (onUnit)", async () => {
    const log: Array<string> = []
    const sizes = [1, 1, 1, 1, 1, 1]
    await collect(job(sizes, {
      concurrency: 2,
      batchConcurrency: 1,
      batching: { smallItemBytes: 10, maxBytes: 100, maxItems: 2 },
      batch: (indices) =>
        Effect.andThen(
          Effect.sync(() => log.push(`start ${indices[0]}`)),
          Effect.as(Effect.sleep("2 millis"), indices.map((index): Done => ({ _tag: "Done", index, size: 1, via: "batch" })))
        ),
      onUnit: (outcomes) => Effect.sync(() => void log.push(`handled ${outcomes[0]!.index}`))
    }))
    expect(log.indexOf("start 2")).toBeLessThan(log.indexOf("handled 0"))
    expect(log.indexOf("start 4")).toBeLessThan(log.indexOf("handled 2"))
  })

  it("100,000 small items all come out, in order (its cost per item is a bench budget, not a test)", async () => {
    const sizes = new Array<number>(100_000).fill(1)
    const events = await collect(job(sizes, { batching: { smallItemBytes: 10, maxBytes: 1e9, maxItems: 128 }, concurrency: 2 }))
    const outcomes = events.filter((e): e is Done => !isProgress(e))
    expect(outcomes).toHaveLength(100_000)
    expect(outcomes.every((o, i) => o.index === i)).toBe(true)
  })
})

describe("orderedRangeMap", () => {
  it("splits a source into ranges, the last shorter, one empty range for an empty source", () => {
    expect(splitRanges(10, 4)).toEqual([{ offset: 0, length: 4 }, { offset: 4, length: 4 }, { offset: 8, length: 2 }])
    expect(splitRanges(0, 4)).toEqual([{ offset: 0, length: 0 }])
  })

  it("results come out in range order; no more than `concurrency` ranges run at once", async () => {
    let running = 0
    let most = 0
    const results = await Effect.runPromise(Stream.runCollect(orderedRangeMap(splitRanges(100, 10), 3, (range, index) =>
      Effect.gen(function*() {
        running++
        most = Math.max(most, running)
        yield* Effect.sleep(`${(10 - index) % 4} millis`)
        running--
        return range.offset
      }))))
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
    expect(most).toBeLessThanOrEqual(3)
  })
})
