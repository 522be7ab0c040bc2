import { describe, expect, it } from "vitest"
import { makeRingBuffer } from "./RingBuffer.js"

describe("makeRingBuffer", () => {
  it("keeps the last `capacity` items, oldest first", () => {
    const ring = makeRingBuffer<number>(3)
    expect(ring.toArray()).toEqual([])
    expect(ring.last()).toBeUndefined()
    ring.push(1)
    ring.push(2)
    expect(ring.toArray()).toEqual([1, 2])
    for (const n of [3, 4, 5]) ring.push(n)
    expect(ring.toArray()).toEqual([3, 4, 5])
    expect(ring.size).toBe(3)
    expect(ring.last()).toBe(5)
  })

  it("wraps around any number of times", () => {
    const ring = makeRingBuffer<number>(120)
    for (let n = 0; n < 1000; n++) ring.push(n)
    const items = ring.toArray()
    expect(items).toHaveLength(120)
    expect(items[0]).toBe(880)
    expect(items[119]).toBe(999)
  })

  it("hands out a new array each time, and empties", () => {
    const ring = makeRingBuffer<string>(2)
    ring.push("a")
    const first = ring.toArray()
    ring.push("b")
    expect(first).toEqual(["a"])
    expect(ring.toArray()).not.toBe(ring.toArray())
    ring.clear()
    expect(ring.toArray()).toEqual([])
    ring.push("c")
    expect(ring.toArray()).toEqual(["c"])
  })

  it("refuses a capacity that holds nothing", () => {
    expect(() => makeRingBuffer(0)).toThrow(RangeError)
    expect(() => makeRingBuffer(1.5)).toThrow(RangeError)
  })
})
