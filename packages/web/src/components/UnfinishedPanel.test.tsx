import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import type { Unfinished } from "../resume/Checkpoints.js"
import { UnfinishedPanel, unfinishedText } from "./UnfinishedPanel.js"

afterEach(cleanup)

const MiB = 1024 * 1024

const unfinished = (name: string, bytes: number, size: number, algorithms: Unfinished["algorithms"] = ["sha256"]) => ({
  key: name,
  name,
  size,
  bytes,
  algorithms,
  savedAt: 0
})

/** A `Checkpoints` reduced to what the panel uses, over a list the test controls. */
const fakeSource = (initial: ReadonlyArray<Unfinished>) => {
  let list = initial
  const listeners = new Set<() => void>()
  const set = (next: ReadonlyArray<Unfinished>) => {
    list = next
    for (const listener of listeners) listener()
  }
  return {
    set,
    source: {
      subscribe: (listener: () => void) => {
        listeners.add(listener)
        return () => void listeners.delete(listener)
      },
      getSnapshot: () => list,
      forgetUnfinished: async () => set([])
    }
  }
}

describe("unfinishedText", () => {
  it("names the file, how far it got and with what, and what to do", () => {
    expect(unfinishedText([unfinished("big.iso", 62 * MiB, 100 * MiB)])).toBe(
      "Unfinished: big.iso, 62% (SHA-256) — pick or drop the same file to resume."
    )
  })

  it("lists several, with their algorithms", () => {
    expect(unfinishedText([
      unfinished("a.iso", 1 * MiB, 100 * MiB, ["blake3", "sha256"]),
      unfinished("b.img", 999, 1000, ["md5"])
    ])).toBe("Unfinished: a.iso, 1% (BLAKE3, SHA-256); b.img, 99% (MD5) — pick or drop the same files to resume.")
  })

  it("says nothing when nothing is unfinished", () => {
    expect(unfinishedText([])).toBeUndefined()
  })
})

describe("UnfinishedPanel", () => {
  it("shows what is unfinished as a labelled region, and forgets it on request", async () => {
    const { source } = fakeSource([unfinished("big.iso", 62 * MiB, 100 * MiB)])
    render(<UnfinishedPanel checkpoints={source} />)
    const panel = screen.getByRole("region", { name: "Unfinished hashes" })
    expect(within(panel).getByText("Unfinished: big.iso, 62% (SHA-256) — pick or drop the same file to resume.")).toBeDefined()
    await act(async () => fireEvent.click(within(panel).getByRole("button", { name: "Forget it" })))
    expect(screen.queryByRole("region", { name: "Unfinished hashes" })).toBeNull()
  })

  it("follows the list: gone once the file is picked again", () => {
    const { set, source } = fakeSource([])
    render(<UnfinishedPanel checkpoints={source} />)
    expect(screen.queryByRole("region", { name: "Unfinished hashes" })).toBeNull()
    act(() => set([unfinished("a.iso", 1, 2), unfinished("b.iso", 1, 2)]))
    expect(screen.getByRole("button", { name: "Forget them" })).toBeDefined()
    act(() => set([]))
    expect(screen.queryByRole("region", { name: "Unfinished hashes" })).toBeNull()
  })
})
