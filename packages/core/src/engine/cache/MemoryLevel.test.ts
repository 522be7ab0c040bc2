import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { makeMemoryLevel } from "./MemoryLevel.js"

const run = <A>(effect: Effect.Effect<A, unknown>) => Effect.runSync(effect as Effect.Effect<A>)

describe("the memory level", () => {
  it("keeps at most maxEntries, dropping the least recently used", () => {
    const level = makeMemoryLevel({ maxEntries: 2, maxBytes: 1 << 20 })
    run(level.set("a", "1"))
    run(level.set("b", "2"))
    expect(run(level.get("a"))).toBe("1") // a is now the most recently used
    run(level.set("c", "3"))
    expect(run(level.get("b"))).toBeUndefined()
    expect(run(level.get("a"))).toBe("1")
    expect(run(level.get("c"))).toBe("3")
    expect(run(level.size)).toEqual({ entries: 2, bytes: 8 })
  })

  it("keeps at most maxBytes (two bytes a character)", () => {
    const level = makeMemoryLevel({ maxEntries: 100, maxBytes: 40 })
    run(level.set("k1", "x".repeat(8))) // 20 bytes
    run(level.set("k2", "y".repeat(8))) // 40 in all
    run(level.set("k3", "z".repeat(8))) // 60: k1 goes
    expect(run(level.get("k1"))).toBeUndefined()
    expect(run(level.size)).toEqual({ entries: 2, bytes: 40 })
  })

  it("replacing a value counts its bytes once", () => {
    const level = makeMemoryLevel({ maxEntries: 10, maxBytes: 1000 })
    run(level.set("k", "aaaa"))
    run(level.set("k", "bb"))
    expect(run(level.size)).toEqual({ entries: 1, bytes: 6 })
    run(level.clear)
    expect(run(level.size)).toEqual({ entries: 0, bytes: 0 })
  })

  it("setMany writes every entry as set does, and keeps to the limits", () => {
    const level = makeMemoryLevel({ maxEntries: 2, maxBytes: 1 << 20 })
    run(level.setMany!([["a", "1"], ["b", "2"], ["c", "3"]]))
    expect(run(level.get("a"))).toBeUndefined()
    expect([run(level.get("b")), run(level.get("c"))]).toEqual(["2", "3"])
  })
})
