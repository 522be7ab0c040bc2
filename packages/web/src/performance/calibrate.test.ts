import { layerInline } from "@sluice/core/browser"
import { WorkerPool } from "@sluice/core"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { makeFakePool } from "../jobs/testkit.js"
import { calibrate } from "./calibrate.js"

describe("calibrate", () => {
  it("measures nothing where hashing would run on the main thread", async () => {
    expect(await Effect.runPromise(calibrate(["sha256"]).pipe(Effect.provide(layerInline)))).toBeUndefined()
  })

  it("hashes the bytes of each algorithm on a worker and gives its speed", async () => {
    const fake = makeFakePool({ auto: true })
    const workers = Layer.effect(WorkerPool)(Effect.map(Effect.service(WorkerPool), (pool) => ({ ...pool, kind: "workers" as const })))
      .pipe(Layer.provide(fake.layer))
    const speeds = await Effect.runPromise(calibrate(["sha256", "blake3"], 1024 * 1024).pipe(Effect.provide(workers)))
    expect(Object.keys(speeds!)).toEqual(["sha256", "blake3"])
    for (const speed of Object.values(speeds!)) expect(speed).toBeGreaterThan(0)
  })
})
