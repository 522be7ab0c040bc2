import { cleanup, fireEvent, render, screen, within } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import type { HashRow } from "../jobs/HashJobs.js"
import { parsePasted } from "../verify/expected.js"
import { Announcer } from "./Announcer.js"
import { COMPACT_ROW_PX, FileList, VIRTUAL_FROM, visibleRange } from "./FileList.js"

afterEach(cleanup)

const SHA = "0123456789abcdef".repeat(4)

const base: HashRow = {
  id: 1,
  name: "a.iso",
  size: 4_000_000,
  algorithms: ["sha256"],
  status: "done",
  bytes: 4_000_000,
  bytesPerSecond: 0,
  etaSeconds: undefined,
  digests: {},
  failure: undefined,
  retryable: false,
  resumedAt: undefined,
  cached: false
}

const rows: Array<HashRow> = [
  { ...base, id: 1, name: "running.bin", status: "hashing", bytes: 1_000_000, bytesPerSecond: 500_000, etaSeconds: 6 },
  { ...base, id: 2, name: "waiting.bin", status: "queued", bytes: 0 },
  { ...base, id: 3, name: "done.iso", digests: { sha256: SHA }, bytesPerSecond: 2_000_000 },
  {
    ...base,
    id: 4,
    name: "gone.txt",
    status: "failed",
    retryable: true,
    failure: { title: "The browser could not read this file.", detail: "gone.txt: read failed (NotReadableError)" }
  }
]

const renderList = (overrides: Partial<Parameters<typeof FileList>[0]> = {}) => {
  const actions = { onCancel: vi.fn(), onRetry: vi.fn(), onRemove: vi.fn() }
  render(
    <Announcer>
      <FileList rows={rows} expected={[]} {...actions} {...overrides} />
    </Announcer>
  )
  return actions
}

const rowNamed = (name: string) => screen.getByRole("listitem", { name })

describe("FileList", () => {
  it("shows a running file's progress, rate and time left, and cancels it", () => {
    const actions = renderList()
    const row = rowNamed("running.bin")
    const bar = within(row).getByRole("progressbar", { name: "Progress of running.bin" })
    expect(bar.getAttribute("value")).toBe("1000000")
    expect(bar.getAttribute("max")).toBe("4000000")
    expect(within(row).getByText("25% · 500 kB/s · 0:06 left")).toBeDefined()
    expect(within(row).getByText("4.00 MB")).toBeDefined()
    fireEvent.click(within(row).getByRole("button", { name: "Cancel running.bin" }))
    expect(actions.onCancel).toHaveBeenCalledWith(1)
  })

  it("says a file was answered from the cache, beside its digest, and gives it no rate", () => {
    renderList({ rows: [{ ...base, id: 5, name: "same.iso", digests: { sha256: SHA }, cached: true, bytesPerSecond: 9e9 }] })
    const row = rowNamed("same.iso")
    expect(within(row).getByText(SHA)).toBeDefined()
    expect(within(row).getByText("from cache")).toBeDefined()
    expect(row.textContent).toContain("from cache Unchanged since it was hashed on this device, so it was not read again.")
    expect(row.textContent).not.toContain("Hashed at")
    renderList({ rows: [{ ...base, id: 6, name: "read.iso", digests: { sha256: SHA } }] })
    expect(within(rowNamed("read.iso")).queryByText("from cache")).toBeNull()
  })

  it("shows a waiting file as waiting, with a cancel button", () => {
    renderList()
    const row = rowNamed("waiting.bin")
    expect(within(row).getByText("Waiting")).toBeDefined()
    expect(within(row).getByRole("button", { name: "Cancel waiting.bin" })).toBeDefined()
  })

  it("shows digests with a copy button that copies the digest", async () => {
    const writeText = vi.fn(() => Promise.resolve())
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true })
    Object.defineProperty(window, "isSecureContext", { value: true, configurable: true })
    renderList()
    const row = rowNamed("done.iso")
    expect(within(row).getByText(SHA)).toBeDefined()
    expect(within(row).getByText("SHA-256")).toBeDefined()
    fireEvent.click(within(row).getByRole("button", { name: "Copy SHA-256 of done.iso" }))
    expect(writeText).toHaveBeenCalledWith(SHA)
    expect(await within(row).findByText("Copied")).toBeDefined()
    expect(screen.getByRole("status").textContent).toBe("Copied SHA-256 of done.iso")
  })

  it("explains a failure and offers a retry", () => {
    const actions = renderList()
    const row = rowNamed("gone.txt")
    expect(within(row).getByText("The browser could not read this file.")).toBeDefined()
    expect(within(row).getByText("gone.txt: read failed (NotReadableError)")).toBeDefined()
    fireEvent.click(within(row).getByRole("button", { name: "Retry gone.txt" }))
    expect(actions.onRetry).toHaveBeenCalledWith(4)
  })

  it("says where a resumed file went on from, while it hashes and once it is done", () => {
    const resumed: Array<HashRow> = [
      { ...base, id: 5, name: "big.iso", status: "hashing", bytes: 3_000_000, resumedAt: 2_480_000, bytesPerSecond: 1_000_000 },
      { ...base, id: 6, name: "done.img", status: "done", resumedAt: 1_000_000, digests: { sha256: SHA } },
      { ...base, id: 7, name: "cancelled.img", status: "cancelled", resumedAt: 1_000_000 }
    ]
    renderList({ rows: resumed })
    expect(within(rowNamed("big.iso")).getByText("Resumed at 62%, from a saved checkpoint.")).toBeDefined()
    expect(within(rowNamed("done.img")).getByText("Resumed at 25%, from a saved checkpoint.")).toBeDefined()
    expect(within(rowNamed("cancelled.img")).queryByText(/Resumed/)).toBeNull()
  })

  it("says nothing of resuming for a file hashed from its start", () => {
    renderList()
    expect(screen.queryByText(/Resumed/)).toBeNull()
  })

  it("marks the file a pasted digest matches, and no other; one file alone is marked mismatched", () => {
    const { rerender } = render(
      <FileList rows={rows} expected={[parsePasted(SHA.toUpperCase())]} onCancel={vi.fn()} onRetry={vi.fn()} onRemove={vi.fn()} />
    )
    expect(within(rowNamed("done.iso")).getByText("Verified")).toBeDefined()
    expect(within(rowNamed("done.iso")).getByText("OK")).toBeDefined()
    expect(within(rowNamed("done.iso")).getByText(/SHA-256 matches the pasted digest/)).toBeDefined()
    expect(within(rowNamed("running.bin")).getByText(/Will be checked against the pasted digest/)).toBeDefined()
    rerender(
      <FileList rows={rows} expected={[parsePasted("f".repeat(64))]} onCancel={vi.fn()} onRetry={vi.fn()} onRemove={vi.fn()} />
    )
    // Several files: a digest none has marks none of them (the Verify panel says so once).
    expect(within(rowNamed("done.iso")).queryByText("Mismatch")).toBeNull()
    rerender(
      <FileList rows={rows.slice(2, 3)} expected={[parsePasted("f".repeat(64))]} onCancel={vi.fn()} onRetry={vi.fn()} onRemove={vi.fn()} />
    )
    expect(within(rowNamed("done.iso")).getAllByText("Mismatch")).toHaveLength(2)
    expect(within(rowNamed("done.iso")).getByText(/SHA-256 does not match the pasted digest/)).toBeDefined()
    expect(within(rowNamed("done.iso")).getByText("f".repeat(64))).toBeDefined()
  })
})

describe("FileList with many files", () => {
  const many = Array.from({ length: 1000 }, (_, i): HashRow => ({ ...base, id: i + 1, name: `f${i}.bin`, digests: { sha256: SHA } }))

  it("renders only the rows in view, each with its digest and a copy button", () => {
    renderList({ rows: many })
    const items = screen.getAllByRole("listitem")
    expect(items.length).toBeGreaterThan(0)
    expect(items.length).toBeLessThan(VIRTUAL_FROM)
    const first = rowNamed("f0.bin")
    expect(first.getAttribute("aria-setsize")).toBe("1000")
    expect(within(first).getByText(SHA)).toBeTruthy()
    expect(within(first).getByRole("button", { name: "Copy SHA-256 of f0.bin" })).toBeTruthy()
    expect(screen.queryByRole("listitem", { name: "f999.bin" })).toBeNull()
  })

  it("shows every row in full below the threshold", () => {
    renderList({ rows: many.slice(0, VIRTUAL_FROM - 1) })
    expect(screen.getAllByRole("listitem")).toHaveLength(VIRTUAL_FROM - 1)
  })

  it("picks the rows in view and a few either side for a scroll position", () => {
    expect(visibleRange(0, 400, 1000)).toEqual({ first: 0, last: 400 / COMPACT_ROW_PX + 10 })
    const middle = visibleRange(500 * COMPACT_ROW_PX, 400, 1000)
    expect(middle.first).toBe(490)
    expect(middle.last).toBe(500 + 400 / COMPACT_ROW_PX + 10)
    expect(visibleRange(1000 * COMPACT_ROW_PX, 400, 1000).last).toBe(1000)
  })
})
