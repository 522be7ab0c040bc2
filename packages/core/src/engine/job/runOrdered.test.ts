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
