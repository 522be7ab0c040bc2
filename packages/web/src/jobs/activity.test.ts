import { describe, expect, it } from "vitest"
import { makeActivityLedger } from "./activity.js"

describe("makeActivityLedger", () => {
  it("counts bytes as a file's progress grows, and worker time while it runs", () => {
    const ledger = makeActivityLedger()
    ledger.start(1, 1_000, 1)
    ledger.read(1, 300)
    ledger.read(1, 200) // out of order: never counted twice, never taken back
    ledger.read(1, 500)
    expect(ledger.at(1_400)).toEqual({ bytes: 500, busyMs: 400, running: 1 })
    ledger.stop(1, 1_500)
    expect(ledger.at(9_000)).toEqual({ bytes: 500, busyMs: 500, running: 0 })
  })

  it("counts a file spread over every worker once per worker", () => {
    const ledger = makeActivityLedger()
    ledger.start(1, 0, 4)
    ledger.start(2, 0, 1)
    expect(ledger.at(100).busyMs).toBe(500)
  })

  it("counts a stopped file once, and a run after a retry from nothing", () => {
    const ledger = makeActivityLedger()
    ledger.start(1, 0, 1)
    ledger.read(1, 40)
    ledger.stop(1, 50)
    ledger.stop(1, 500) // stopped twice (cancelled, then its fiber ended): once
    expect(ledger.at(100)).toEqual({ bytes: 40, busyMs: 50, running: 0 })
    ledger.start(1, 100, 1)
    ledger.read(1, 10)
    ledger.stop(1, 110)
    expect(ledger.at(1_000)).toEqual({ bytes: 50, busyMs: 60, running: 0 })
  })

  it("only grows", () => {
    const ledger = makeActivityLedger()
    let last = ledger.at(0)
    for (let t = 0; t < 100; t++) {
      if (t % 10 === 0) ledger.start(t, t, 1 + (t % 3))
      ledger.read(t - (t % 10), (t % 10) * 7)
      if (t % 10 === 9) ledger.stop(t - 9, t)
      const now = ledger.at(t)
      expect(now.bytes).toBeGreaterThanOrEqual(last.bytes)
      expect(now.busyMs).toBeGreaterThanOrEqual(last.busyMs)
      last = now
    }
  })
})
