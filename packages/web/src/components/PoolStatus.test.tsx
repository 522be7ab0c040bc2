import { healthyPool } from "@sluice/core"
import { act, render, screen } from "@testing-library/react"
import { describe, expect, it } from "vitest"
import { PoolStatus, poolStatusText } from "./PoolStatus.js"

describe("poolStatusText", () => {
  it("says nothing while the pool is healthy", () => {
    expect(poolStatusText(healthyPool, 0)).toBeUndefined()
  })

  it("says the work runs on the page, why, and when workers are tried again, while the breaker is open", () => {
    const text = poolStatusText(
      { ...healthyPool, breaker: { _tag: "open", since: 0, retryAt: 5_000, reason: "worker failed: blocked" } },
      1_200
    )
    expect(text).toContain("worker failed: blocked")
    expect(text).toContain("runs on this page")
    expect(text).toContain("in 4 s")
  })

  it("reports restarts and that no result was lost", () => {
    expect(poolStatusText({ ...healthyPool, restarts: 2 }, 0)).toBe(
      "2 hashing workers were restarted; their work was redone, and every result is complete."
    )
  })
})

describe("PoolStatus", () => {
  it("shows the latest health it hears of, as a polite live region", () => {
    let push: ((h: typeof healthyPool) => void) | undefined
    render(<PoolStatus subscribe={(listener) => {
      push = listener
      return () => {}
    }} />)
    const status = screen.getByRole("status")
    expect(status.textContent).toBe("")
    act(() => push!({ ...healthyPool, breaker: { _tag: "half-open", reason: "x" } }))
    expect(status.textContent).toBe("Trying the hashing workers again…")
    expect(status.getAttribute("data-breaker")).toBe("half-open")
  })
})
