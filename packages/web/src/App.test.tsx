import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { App } from "./App.js"
import { Announcer } from "./components/Announcer.js"
import { fakeDigest, file, makeTestJobs, settle } from "./jobs/testkit.js"
import { HashJobsContext } from "./jobs/useHashJobs.js"
import type { PerformanceMonitor } from "./performance/PerformanceMonitor.js"

// jsdom draws no canvas: the charts stand in as a marker.
vi.mock("./performance/PerformanceCharts.js", () => ({ default: () => <div data-testid="charts" /> }))

let disposers: Array<() => Promise<void>> = []

beforeEach(() => {
  localStorage.clear()
  // jsdom has no object URLs.
  let n = 0
  URL.createObjectURL = vi.fn(() => `blob:test/${++n}`)
  URL.revokeObjectURL = vi.fn()
})

afterEach(async () => {
  cleanup()
  for (const dispose of disposers.splice(0)) await dispose()
})

const renderApp = () => {
  const t = makeTestJobs({ auto: true })
  disposers.push(() => t.runtime.dispose())
  render(
    <HashJobsContext.Provider value={t.jobs}>
      <Announcer>
        <App />
      </Announcer>
    </HashJobsContext.Provider>
  )
  return t
}

const pick = (testId: string, files: Array<File>) => {
  const input = screen.getByTestId(testId) as HTMLInputElement
  Object.defineProperty(input, "files", { value: files, configurable: true })
  fireEvent.change(input)
}

const hashFiles = async (t: ReturnType<typeof makeTestJobs>, names: Array<string>) => {
  pick("pick-files", names.map((name) => file(name, `content of ${name}`)))
  await act(() => settle(t.frames, () => t.jobs.getSnapshot().rows.filter((row) => row.status === "done").length === names.length))
}

const rowNamed = (name: string) => screen.getByRole("listitem", { name })

describe("App", () => {
  it("hashes picked files with the ticked algorithms and announces the end", async () => {
    const t = renderApp()
    fireEvent.click(screen.getByRole("checkbox", { name: "BLAKE3" }))
    await hashFiles(t, ["a.iso", "b.iso"])
    const row = rowNamed("b.iso")
    expect(within(row).getByText(fakeDigest("sha256", "b.iso"))).toBeDefined()
    expect(within(row).getByText(fakeDigest("blake3", "b.iso"))).toBeDefined()
    expect(screen.getByText("2 files · 2 done")).toBeDefined()
    expect(screen.getByText("Finished: 2 hashed.")).toBeDefined()
  })

  it("verifies against a pasted digest: the file it matches, and no other", async () => {
    const t = renderApp()
    await hashFiles(t, ["a.iso", "b.iso"])
    const field = screen.getByRole("textbox", { name: "Expected digest" })
    fireEvent.change(field, { target: { value: fakeDigest("sha256", "b.iso") } })
    expect(within(rowNamed("b.iso")).getByText("OK")).toBeDefined()
    expect(within(rowNamed("a.iso")).queryByText(/does not match the pasted digest/)).toBeNull()
    expect(within(rowNamed("a.iso")).queryByText("Mismatch")).toBeNull()
    expect(screen.getByText(/Matches b\.iso/)).toBeDefined()
    fireEvent.change(field, { target: { value: "0".repeat(64) } })
    expect(screen.getByText("None of the 2 files has this digest.")).toBeDefined()
    expect(screen.queryAllByText(/does not match the pasted digest/)).toHaveLength(0)
    fireEvent.change(field, { target: { value: "1234" } })
    expect(screen.getByText(/could not be read/)).toBeDefined()
  })

  it("matches a SHA256SUMS file to the files by name", async () => {
    const t = renderApp()
    await hashFiles(t, ["a.iso", "b.iso", "c.iso"])
    const sums = [
      `${fakeDigest("sha256", "a.iso")}  a.iso`,
      `${"0".repeat(64)} *b.iso`,
      `${fakeDigest("sha256", "z.iso")}  z.iso`,
      "garbage",
      ""
    ].join("\n")
    pick("pick-sums", [new File([sums], "SHA256SUMS")])
    const listed = await screen.findByRole("list", { name: "Checksum files" })
    expect(within(listed).getByText("SHA256SUMS")).toBeDefined()
    expect(within(listed).getByText("1 OK, 1 not matching")).toBeDefined()
    expect(within(listed).getByText("1 listed file is not among your files")).toBeDefined()
    expect(within(listed).getByText("1 line could not be read")).toBeDefined()
    expect(within(rowNamed("a.iso")).getByText(/matches the SHA256SUMS line 1/)).toBeDefined()
    expect(within(rowNamed("b.iso")).getByText(/does not match the SHA256SUMS line 2/)).toBeDefined()
    expect(within(rowNamed("c.iso")).queryByText(/SHA256SUMS/)).toBeNull()
  })

  it("offers to hash again with the algorithm a checksum file needs", async () => {
    const t = renderApp()
    await hashFiles(t, ["a.iso"])
    pick("pick-sums", [new File([`SHA1 (a.iso) = ${fakeDigest("sha1", "a.iso")}\n`], "SHA1SUMS")])
    fireEvent.click(await screen.findByRole("button", { name: "Add SHA-1 and hash again" }))
    await act(() => settle(t.frames, () => t.jobs.getSnapshot().rows[0]!.digests.sha1 !== undefined))
    expect(within(rowNamed("a.iso")).getByText(/SHA-1 matches the SHA1SUMS line 1/)).toBeDefined()
    expect(screen.getByRole("checkbox", { name: /SHA-1/ })).toHaveProperty("checked", true)
  })

  it("exports a checksum file or JSON as a download with no network", async () => {
    const t = renderApp()
    fireEvent.click(screen.getByRole("checkbox", { name: /MD5/ }))
    await hashFiles(t, ["a.iso", "b.iso"])
    const preview = screen.getByRole("textbox", { name: "SHA256SUMS contents" }) as HTMLTextAreaElement
    expect(preview.value).toBe(`${fakeDigest("sha256", "a.iso")}  a.iso\n${fakeDigest("sha256", "b.iso")}  b.iso\n`)
    const download = screen.getByRole("link", { name: "Download SHA256SUMS" })
    expect(download.getAttribute("download")).toBe("SHA256SUMS")
    expect(download.getAttribute("href")).toMatch(/^blob:/)

    fireEvent.change(screen.getByRole("combobox", { name: "Algorithm" }), { target: { value: "md5" } })
    fireEvent.click(screen.getByRole("checkbox", { name: /BSD style/ }))
    const md5 = screen.getByRole("textbox", { name: "MD5SUMS contents" }) as HTMLTextAreaElement
    expect(md5.value.split("\n")[0]).toBe(`MD5 (a.iso) = ${fakeDigest("md5", "a.iso")}`)
    expect(screen.getByText("cksum -c MD5SUMS")).toBeDefined()

    fireEvent.click(screen.getByRole("radio", { name: "JSON" }))
    const json = screen.getByRole("textbox", { name: "sluice-digests.json contents" }) as HTMLTextAreaElement
    expect(JSON.parse(json.value).files[1]).toEqual({
      name: "b.iso",
      bytes: "content of b.iso".length,
      digests: { sha256: fakeDigest("sha256", "b.iso"), md5: fakeDigest("md5", "b.iso") }
    })
    expect(screen.getByRole("link", { name: "Download sluice-digests.json" })).toBeDefined()
  })

  it("hashes typed text", async () => {
    const t = renderApp()
    fireEvent.change(screen.getByRole("textbox", { name: "Text to hash" }), { target: { value: "hello" } })
    await act(() => settle(t.frames, () => t.jobs.getSnapshot().text.status === "done"))
    expect(screen.getByText(fakeDigest("sha256", "text"))).toBeDefined()
    expect(screen.getByRole("button", { name: "Copy SHA-256 of the text" })).toBeDefined()
  })

  it("cancels everything and clears finished rows", async () => {
    const t = makeTestJobs({ size: 1 })
    disposers.push(() => t.runtime.dispose())
    render(
      <HashJobsContext.Provider value={t.jobs}>
        <Announcer>
          <App />
        </Announcer>
      </HashJobsContext.Provider>
    )
    pick("pick-files", [file("one"), file("two")])
    await act(() => settle(t.frames, () => t.pool.tasks.length === 1 && t.jobs.getSnapshot().rows.length === 2))
    fireEvent.click(screen.getByRole("button", { name: "Cancel all" }))
    await act(() => settle(t.frames, () => t.jobs.getSnapshot().rows.every((row) => row.status === "cancelled")))
    expect(screen.getByText("2 files · 2 cancelled")).toBeDefined()
    expect(screen.getByText("Finished: 0 hashed, 2 cancelled.")).toBeDefined()
    fireEvent.click(screen.getByRole("button", { name: "Clear finished" }))
    await act(() => settle(t.frames, () => t.jobs.getSnapshot().rows.length === 0))
    expect(screen.queryByRole("list", { name: "Files" })).toBeNull()
  })
})

describe("App views", () => {
  const renderWithViews = () => {
    const t = makeTestJobs({ auto: true })
    disposers.push(() => t.runtime.dispose())
    let listening = 0
    const view = { points: [], latest: undefined, job: undefined, recommendations: [], pool: undefined, calibration: undefined, readings: 0 }
    const monitor: PerformanceMonitor = {
      subscribe: () => {
        listening++
        return () => listening--
      },
      getView: () => view
    }
    render(
      <HashJobsContext.Provider value={t.jobs}>
        <Announcer>
          <App performanceMonitor={monitor} />
        </Announcer>
      </HashJobsContext.Provider>
    )
    return { listening: () => listening }
  }

  afterEach(() => history.replaceState(null, "", "/"))

  it("shows Files first; Performance is a tab that polls only while shown and is kept in the address", async () => {
    const page = renderWithViews()
    const files = screen.getByRole("tab", { name: "Files" })
    const performance = screen.getByRole("tab", { name: "Performance" })
    expect(files.getAttribute("aria-selected")).toBe("true")
    expect(screen.getByRole("tabpanel", { name: "Files" })).toBeDefined()
    expect(page.listening()).toBe(0)

    fireEvent.click(performance)
    expect(await screen.findByText("Reading the first figures…")).toBeDefined()
    expect(screen.getByRole("tabpanel", { name: "Performance" })).toBeDefined()
    expect(screen.queryByRole("tabpanel", { name: "Files" })).toBeNull() // hidden, still in the page
    expect(screen.getByTestId("pick-files")).toBeDefined()
    expect(location.hash).toBe("#performance")
    expect(page.listening()).toBe(1)

    fireEvent.click(files)
    expect(page.listening()).toBe(0)
    expect(location.hash).toBe("")
  })

  it("moves between the tabs with the arrow keys, Home and End, one tab stop", () => {
    renderWithViews()
    const files = screen.getByRole("tab", { name: "Files" })
    const performance = screen.getByRole("tab", { name: "Performance" })
    expect([files.tabIndex, performance.tabIndex]).toEqual([0, -1])
    files.focus()
    fireEvent.keyDown(files, { key: "ArrowRight" })
    expect(document.activeElement).toBe(performance)
    expect(performance.getAttribute("aria-selected")).toBe("true")
    expect([files.tabIndex, performance.tabIndex]).toEqual([-1, 0])
    fireEvent.keyDown(performance, { key: "ArrowRight" })
    expect(document.activeElement).toBe(files)
    fireEvent.keyDown(files, { key: "End" })
    expect(document.activeElement).toBe(performance)
    fireEvent.keyDown(performance, { key: "Home" })
    expect(document.activeElement).toBe(files)
  })

  it("opens on the Performance view when the address says so", async () => {
    history.replaceState(null, "", "/#performance")
    renderWithViews()
    expect(screen.getByRole("tab", { name: "Performance" }).getAttribute("aria-selected")).toBe("true")
    expect(await screen.findByText("Reading the first figures…")).toBeDefined()
  })
})

describe("App tools", () => {
  afterEach(() => history.replaceState(null, "", "/"))

  const navLink = (name: string) => within(screen.getByRole("navigation", { name: "Tools" })).getByRole("link", { name })

  it("lists every tool in one navigation, Hash current at the page's plain address", () => {
    renderApp()
    expect(navLink("Hash").getAttribute("aria-current")).toBe("page")
    expect(navLink("Keys").getAttribute("href")).toBe("#/keys")
    expect(navLink("Derive").getAttribute("href")).toBe("#/derive")
    expect(document.title).toBe("Sluice: hash files in your browser")
  })

  it("opens a tool at its own address and follows the address as it changes, keeping Hash's rows", async () => {
    history.replaceState(null, "", "#/keys")
    renderApp()
    expect(navLink("Keys").getAttribute("aria-current")).toBe("page")
    expect(screen.getByText("Generate key pairs on this device, one or a million. Nothing is uploaded or stored.")).toBeDefined()
    expect(document.title).toBe("Sluice: generate keys in your browser")
    // No runtime given: the tool says it cannot run rather than running anywhere else.
    expect(screen.getByText("This tool needs the page's worker pool, which did not start.")).toBeDefined()
    await act(async () => {
      history.pushState(null, "", "#/derive")
      dispatchEvent(new HashChangeEvent("hashchange"))
    })
    expect(navLink("Derive").getAttribute("aria-current")).toBe("page")
    expect(document.title).toBe("Sluice: derive keys from passwords in your browser")
    await act(async () => {
      history.pushState(null, "", "#/hash")
      dispatchEvent(new HashChangeEvent("hashchange"))
    })
    expect(navLink("Hash").getAttribute("aria-current")).toBe("page")
    expect(screen.getByText("Hash files, folders and text on this device. Nothing is uploaded.")).toBeDefined()
  })
})
