import type { CacheStats } from "@sluice/core"
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { makeCachePreference } from "../cache/cachePreference.js"
import type { CacheControl } from "../runtime.js"
import { Announcer } from "./Announcer.js"
import { degradedLines, SettingsPanel } from "./SettingsPanel.js"

afterEach(cleanup)
beforeEach(() => localStorage.clear())

const stats = (overrides: Partial<CacheStats> = {}): CacheStats => ({
  lookups: 12,
  hits: 5,
  levels: [
    { name: "memory", hits: 2, misses: 10, writes: 7, entries: 7, bytes: 1400 },
    { name: "indexedDB", hits: 3, misses: 7, writes: 7, entries: 1234, bytes: 250_000 }
  ],
  ...overrides
})

const DEGRADED = stats({
  levels: [
    { name: "memory", hits: 4, misses: 1, writes: 1, entries: 1, bytes: 200 },
    {
      name: "indexedDB",
      hits: 0,
      misses: 0,
      writes: 0,
      entries: 0,
      bytes: 0,
      degraded: "IndexedDB refused to open (InvalidStateError: no)"
    }
  ]
})

/** A CacheControl whose figures the test sets, recording what the panel asks. */
const fakeCache = (initial: CacheStats) => {
  let current = initial
  const control = {
    stats: vi.fn(() => Promise.resolve(current)),
    clear: vi.fn(() => {
      current = stats({ levels: current.levels.map((level) => ({ ...level, entries: 0, bytes: 0 })) })
      return Promise.resolve()
    }),
    prune: vi.fn(() => Promise.resolve(3))
  } satisfies CacheControl
  return { control, set: (next: CacheStats) => void (current = next) }
}

const renderPanel = (cache: CacheControl, busy = false, finished = 0) => {
  const preference = makeCachePreference()
  const view = render(
    <Announcer>
      <SettingsPanel cache={cache} preference={preference} busy={busy} finished={finished} />
    </Announcer>
  )
  return {
    preference,
    panel: () => screen.getByRole("region", { name: "Settings" }),
    rerender: (next: { readonly busy: boolean; readonly finished: number }) =>
      view.rerender(
        <Announcer>
          <SettingsPanel cache={cache} preference={preference} {...next} />
        </Announcer>
      )
  }
}

const rowOf = (level: string) => screen.getByRole("row", { name: new RegExp(`^${level.replace(/[()]/g, "\\$&")}`) })

describe("SettingsPanel", () => {
  it("shows each level's entries, size, hits and misses", async () => {
    const { control } = fakeCache(stats())
    renderPanel(control)
    await screen.findByRole("table")
    expect(within(rowOf("Memory (this visit)")).getAllByRole("cell").map((cell) => cell.textContent)).toEqual([
      "7",
      "1.40 kB",
      "2",
      "10"
    ])
    expect(within(rowOf("IndexedDB (this device)")).getAllByRole("cell").map((cell) => cell.textContent)).toEqual([
      "1,234",
      "250 kB",
      "3",
      "7"
    ])
    expect(screen.queryByText(/degraded/)).toBeNull()
  })

  it("says which level dropped out and why, and that memory goes on", async () => {
    const { control } = fakeCache(DEGRADED)
    renderPanel(control)
    expect(await screen.findByText("IndexedDB (this device): degraded: IndexedDB refused to open (InvalidStateError: no)"))
      .toBeDefined()
    expect(screen.getByText("The cache goes on without it: results are kept in memory until this page closes.")).toBeDefined()
    expect(degradedLines(stats())).toEqual([])
  })

  it("reads the figures again when a job ends, not while it runs", async () => {
    const { control, set } = fakeCache(stats())
    const { rerender } = renderPanel(control, true)
    await act(async () => {})
    rerender({ busy: true, finished: 1 })
    await act(async () => {})
    expect(control.stats).not.toHaveBeenCalled()
    set(DEGRADED)
    rerender({ busy: false, finished: 2 })
    expect(await screen.findByText(/degraded/)).toBeDefined()
    expect(control.stats).toHaveBeenCalledTimes(1)
  })

  it("reads them again when a file finishes between two renders (the cache answered it at once)", async () => {
    const { control, set } = fakeCache(stats())
    const { rerender } = renderPanel(control, false, 0)
    await screen.findByRole("table")
    set(DEGRADED)
    rerender({ busy: false, finished: 1 })
    expect(await screen.findByText(/degraded/)).toBeDefined()
    expect(control.stats).toHaveBeenCalledTimes(2)
  })

  it("clears and prunes on request, says what it did, and shows the new figures", async () => {
    const { control } = fakeCache(stats())
    const { panel } = renderPanel(control)
    await screen.findByRole("table")
    await act(async () => fireEvent.click(within(panel()).getByRole("button", { name: "Clear cache" })))
    expect(control.clear).toHaveBeenCalledTimes(1)
    expect(await screen.findByText("The cache is empty.")).toBeDefined()
    expect(within(rowOf("IndexedDB (this device)")).getAllByRole("cell")[0]!.textContent).toBe("0")
    await act(async () => fireEvent.click(within(panel()).getByRole("button", { name: "Prune" })))
    expect(control.prune).toHaveBeenCalledTimes(1)
    expect(await screen.findByText("Pruned 3 entries.")).toBeDefined()
  })

  it("turns the cache off and on, and remembers it on this device", async () => {
    const { control } = fakeCache(stats())
    const { preference } = renderPanel(control)
    const toggle = screen.getByRole("checkbox", { name: "Use the cache" }) as HTMLInputElement
    expect(toggle.checked).toBe(true)
    fireEvent.click(toggle)
    expect(toggle.checked).toBe(false)
    expect(preference.get()).toBe(false)
    expect(localStorage.getItem("sluice.useCache")).toBe("off")
    expect(screen.getByText(/Off: every file is read and hashed, and nothing is stored\./)).toBeDefined()
    // A later visit starts with the cache off.
    expect(makeCachePreference().get()).toBe(false)
    fireEvent.click(toggle)
    expect(localStorage.getItem("sluice.useCache")).toBe("on")
    await act(async () => {})
  })
})

describe("makeCachePreference", () => {
  it("is on by default, and where storage throws (private modes), still works for the visit", () => {
    expect(makeCachePreference().get()).toBe(true)
    const throwing = {
      getItem: () => {
        throw new DOMException("denied", "SecurityError")
      },
      setItem: () => {
        throw new DOMException("denied", "SecurityError")
      }
    }
    const preference = makeCachePreference(throwing)
    expect(preference.get()).toBe(true)
    preference.set(false)
    expect(preference.get()).toBe(false)
  })
})
