/**
 * The production build in Debian's Chromium, as a person uses it: files picked and dropped
 * are hashed to the digests the native tools print, a running job cancels at once, a
 * checksum file with a bad line shows which file does not match, hashing a large file
 * leaves the main thread free, and nothing is fetched from anywhere but the app's origin.
 * One browser for the whole file, so the request log covers every test.
 */
import { readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { afterEach, expect, it } from "vitest"
import {
  chooseAlgorithms,
  clearFinished,
  dataTransferOf,
  digestShown,
  expectClean,
  MiB,
  nativeDigest,
  pickFiles,
  report,
  rowOf,
  runIn,
  screenshot,
  statusOf,
  waitForStatus,
  writeRandomFile,
  wordsOf,
  writeSparseFile,
  useAppSession
} from "./testkit.js"

const TITLE = "Sluice: hash files in your browser"
const RATE = /^Hashed at ([\d.]+) (B|kB|MB|GB)\/s\.$/

const session = useAppSession()

afterEach(() => expectClean(session.app))

/** The size of a PNG file, checked to be one. */
const pngSize = async (path: string): Promise<number> => {
  const bytes = await readFile(path)
  expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG")
  return bytes.length
}

/** "Hashed at 120 MB/s." as MB/s. */
const shownRate = (text: string): number => {
  const match = RATE.exec(text.trim())
  if (match === null) throw new Error(`not a rate: ${JSON.stringify(text)}`)
  const scale = { B: 1e-6, kB: 1e-3, MB: 1, GB: 1e3 }[match[2] as "B" | "kB" | "MB" | "GB"]
  return Number(match[1]) * scale
}

it("shows the empty page: where to drop files and where hashing runs", async () => {
  const { page } = session.app
  expect(await page.title()).toBe(TITLE)
  await expect.poll(() => page.locator("body").innerText()).toContain("Drop files or folders here")
  const body = await page.locator("body").innerText()
  expect(body).toContain("Hash files, folders and text on this device. Nothing is uploaded.")
  expect(body).toContain("Hashing on a pool of Web Workers (WebAssembly kernels).")
  expect(await page.getByRole("checkbox", { name: "SHA-256", exact: true }).isChecked()).toBe(true)
  expect(await page.getByRole("list", { name: "Files" }).count()).toBe(0)
  const path = await screenshot(page, "empty.png")
  expect(await pngSize(path)).toBeGreaterThan(10_000)
  report("screenshot", path)
})

it("shows the SHA-256 and BLAKE3 that sha256sum and b3sum print, for a picked and a dropped file", async () => {
  const { page } = session.app
  await chooseAlgorithms(page, ["SHA-256", "BLAKE3"])

  // Picked, as "Choose files" does.
  const picked = await writeRandomFile(join(session.files, "picked.bin"), 4 * MiB + 123)
  await pickFiles(page, [picked])
  await waitForStatus(page, "picked.bin", "Done")
  expect(await digestShown(page, "picked.bin", "SHA-256")).toBe(await nativeDigest("sha256sum", picked))
  expect(await digestShown(page, "picked.bin", "BLAKE3")).toBe(await nativeDigest("b3sum", picked))
  expect(await rowOf(page, "picked.bin").innerText()).toContain("4.19 MB")

  // Dropped: a drag from the desktop carries a DataTransfer of Files.
  const dropped = await writeRandomFile(join(session.files, "dropped.bin"), 3 * MiB + 7)
  const zone = page.locator("section.dropzone")
  const dataTransfer = await dataTransferOf(page, [{ name: "dropped.bin", bytes: await readFile(dropped) }])
  await zone.dispatchEvent("dragenter", { dataTransfer })
  await zone.dispatchEvent("dragover", { dataTransfer })
  await page.getByRole("heading", { name: "Drop to hash" }).waitFor({ timeout: 5_000 })
  await zone.dispatchEvent("drop", { dataTransfer })
  await dataTransfer.dispose()
  await page.getByRole("heading", { name: "Drop files or folders here" }).waitFor({ timeout: 5_000 })
  await waitForStatus(page, "dropped.bin", "Done")
  expect(await digestShown(page, "dropped.bin", "SHA-256")).toBe(await nativeDigest("sha256sum", dropped))
  expect(await digestShown(page, "dropped.bin", "BLAKE3")).toBe(await nativeDigest("b3sum", dropped))

  await expect.poll(() => page.getByRole("region", { name: "All files" }).innerText()).toContain("2 files · 2 done")
  const path = await screenshot(page, "finished.png")
  expect(await pngSize(path)).toBeGreaterThan(10_000)
  report("screenshot", path)
})

it("checks files against a SHA256SUMS with one bad line: two OK, one mismatch", async () => {
  const { page } = session.app
  await clearFinished(page)
  await chooseAlgorithms(page, ["SHA-256"])
  const names = ["alpha.bin", "bravo.bin", "charlie.bin"]
  for (const [i, name] of names.entries()) await writeRandomFile(join(session.files, name), 256 * 1024 + i * 1000)
  // The real tool's output, then bravo.bin's digest altered in its last hex digit.
  const lines = (await runIn(session.files, "sha256sum", names)).trimEnd().split("\n")
  expect(lines).toHaveLength(3)
  const good = lines[1]!.slice(0, 64)
  const bad = good.slice(0, 63) + (good[63] === "0" ? "1" : "0")
  lines[1] = bad + lines[1]!.slice(64)
  const sums = join(session.files, "SHA256SUMS")
  await writeFile(sums, lines.join("\n") + "\n")

  await pickFiles(page, names.map((name) => join(session.files, name)))
  for (const name of names) await waitForStatus(page, name, "Done")
  await page.getByTestId("pick-sums").setInputFiles(sums)

  for (const name of ["alpha.bin", "charlie.bin"]) {
    await waitForStatus(page, name, "Verified", 10_000)
    const line = name === "alpha.bin" ? 1 : 3
    expect(await wordsOf(rowOf(page, name).locator(".verdict"))).toBe(`OK SHA-256 matches the SHA256SUMS line ${line}.`)
  }
  await waitForStatus(page, "bravo.bin", "Mismatch", 10_000)
  const verdict = await wordsOf(rowOf(page, "bravo.bin").locator(".verdict"))
  expect(verdict).toContain("Mismatch SHA-256 does not match the SHA256SUMS line 2.")
  expect(verdict).toContain(`Expected ${bad}`)
  expect(await digestShown(page, "bravo.bin", "SHA-256")).toBe(good)

  const sumsFile = page.getByRole("list", { name: "Checksum files" }).getByRole("listitem")
  await expect.poll(() => sumsFile.innerText()).toContain("2 OK, 1 not matching")
  const listing = await sumsFile.innerText()
  expect(listing).toContain("SHA256SUMS")
  expect(listing).toContain("3 entries")
  expect(await page.locator(".row.verified").count()).toBe(2)
  expect(await page.locator(".row.mismatch").count()).toBe(1)

  const path = await screenshot(page, "verify.png")
  report("screenshot", path)
  await page.getByRole("button", { name: "Stop checking against SHA256SUMS" }).click()
})

it("applies a pasted bare digest to the file it matches, never marks the others; says once when it matches none", async () => {
  const { page } = session.app
  await clearFinished(page)
  await chooseAlgorithms(page, ["SHA-256"])
  const names = ["one.bin", "two.bin", "three.bin"]
  for (const [i, name] of names.entries()) await writeRandomFile(join(session.files, name), 64 * 1024 + i * 1000)
  await pickFiles(page, names.map((name) => join(session.files, name)))
  for (const name of names) await waitForStatus(page, name, "Done")
  const digestOfTwo = (await runIn(session.files, "sha256sum", ["two.bin"])).slice(0, 64)
  const expected = page.getByLabel("Expected digest")

  await expected.fill(digestOfTwo)
  await waitForStatus(page, "two.bin", "Verified", 10_000)
  const status = page.locator("[id$='-expected-status']")
  await expect.poll(() => wordsOf(status)).toBe("OK Matches two.bin.")
  expect(await page.locator(".row.verified").count()).toBe(1)
  expect(await page.locator(".row.mismatch").count()).toBe(0)
  for (const name of ["one.bin", "three.bin"]) expect(await rowOf(page, name).locator(".verdict").count()).toBe(0)

  await expected.fill("0".repeat(64))
  await expect.poll(() => wordsOf(status)).toBe("Mismatch None of the 3 files has this digest.")
  expect(await page.locator(".row.verified").count()).toBe(0)
  expect(await page.locator(".row.mismatch").count()).toBe(0)
  await expected.fill("")
})

it("keeps the main thread free while hashing 256 MiB: no long task", async () => {
  const { page } = session.app
  await clearFinished(page)
  await chooseAlgorithms(page, ["SHA-256"])
  const path = await writeSparseFile(join(session.files, "large.bin"), 256 * MiB)
  // Before the measurement, so that the native tool does not compete with the browser for the cores.
  const expected = await nativeDigest("sha256sum", path)

  // Observing starts now, after load; buffered entries from the load are kept apart by time.
  await page.evaluate(() => {
    const since = performance.now()
    const state = { since, until: Infinity, tasks: [] as Array<{ start: number; duration: number }>, longestFrame: 0 }
    ;(globalThis as { __sluiceE2eLong?: typeof state }).__sluiceE2eLong = state
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) state.tasks.push({ start: entry.startTime, duration: entry.duration })
    }).observe({ type: "longtask", buffered: true })
    let last = since
    const frame = (at: number) => {
      if (at > state.until) return
      state.longestFrame = Math.max(state.longestFrame, at - last)
      last = at
      requestAnimationFrame(frame)
    }
    requestAnimationFrame(frame)
  })

  await pickFiles(page, [path])
  // The live line while it runs ("37% · 120 MB/s · 0:02 left"), sampled until the row is done.
  const live = rowOf(page, "large.bin").locator(".row-rate")
  let liveText = "(finished before a rate was shown)"
  const done = waitForStatus(page, "large.bin", "Done", 60_000)
  let finished = false
  void done.then(() => (finished = true), () => (finished = true))
  while (!finished) {
    const text = await live.innerText({ timeout: 250 }).catch(() => "")
    if (/^\d+% · [\d.]+ [kMG]?B\/s · \d+:\d\d left$/.test(text)) liveText = text
    await page.waitForTimeout(250)
  }
  await done
  // Let the observer deliver the last entries.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))))
  const seen = await page.evaluate(() => {
    const state = (globalThis as unknown as { __sluiceE2eLong: { since: number; until: number; tasks: Array<{ start: number; duration: number }>; longestFrame: number } }).__sluiceE2eLong
    state.until = performance.now()
    return state
  })

  const duringLoad = seen.tasks.filter((task) => task.start < seen.since)
  const whileHashing = seen.tasks.filter((task) => task.start >= seen.since)
  const longest = Math.max(0, ...whileHashing.map((task) => task.duration))
  const rateText = await rowOf(page, "large.bin").locator("p.hint").innerText()
  report(
    "long tasks while hashing 256 MiB (SHA-256)",
    `${whileHashing.length} (longest ${longest.toFixed(0)} ms; none means every task was ≤ 50 ms); ` +
      `longest frame interval ${seen.longestFrame.toFixed(1)} ms; ` +
      `during page load: ${duringLoad.length} (longest ${Math.max(0, ...duringLoad.map((t) => t.duration)).toFixed(0)} ms)`
  )
  report("throughput shown", `live "${liveText}", final "${rateText}" (${shownRate(rateText)} MB/s)`)

  expect(await digestShown(page, "large.bin", "SHA-256")).toBe(expected)
  expect(rateText).toMatch(RATE)
  expect(whileHashing, "long tasks on the main thread while hashing").toEqual([])
  expect(longest).toBeLessThanOrEqual(50)
})

it("cancels a running job at once: the row says Cancelled within a frame or two of the click", async () => {
  const { page } = session.app
  await clearFinished(page)
  await chooseAlgorithms(page, ["SHA-512", "SHA3-512"])
  const path = await writeSparseFile(join(session.files, "huge.bin"), 512 * MiB)

  await pickFiles(page, [path])
  await waitForStatus(page, "huge.bin", "Hashing", 10_000)
  // Hashing for real: a rate is measured (several seconds of work are left).
  const live = rowOf(page, "huge.bin").locator(".row-rate")
  await expect.poll(() => live.innerText(), { timeout: 10_000 }).toMatch(/ left$/)
  expect(await page.title()).toMatch(/^\d+% · /)

  // Times in the page: the click event's own time stamp, then the DOM saying Cancelled, then the next frame.
  await page.evaluate(() => {
    const marks: { click?: number; handled?: number; cancelled?: number; frame?: number; statusAtClick?: string } = {}
    ;(globalThis as { __sluiceE2eCancel?: typeof marks }).__sluiceE2eCancel = marks
    const row = document.querySelector('li[aria-label="huge.bin"]')!
    const status = () => row.querySelector(".status")?.textContent ?? ""
    addEventListener("click", (event) => {
      marks.click ??= event.timeStamp
      marks.handled ??= performance.now()
      marks.statusAtClick ??= status()
    }, { capture: true })
    const observer = new MutationObserver(() => {
      if (marks.click === undefined || status() !== "Cancelled") return
      marks.cancelled = performance.now()
      observer.disconnect()
      requestAnimationFrame(() => {
        marks.frame = performance.now()
      })
    })
    observer.observe(row, { subtree: true, childList: true, characterData: true })
  })
  await rowOf(page, "huge.bin").getByRole("button", { name: "Cancel huge.bin" }).click()
  await waitForStatus(page, "huge.bin", "Cancelled", 2_000)
  const marks = await page.waitForFunction(() => {
    const m = (globalThis as { __sluiceE2eCancel?: { frame?: number } }).__sluiceE2eCancel
    return m?.frame !== undefined ? m : undefined
  }, undefined, { timeout: 2_000 }).then((handle) => handle.jsonValue() as Promise<{
    click: number
    handled: number
    cancelled: number
    frame: number
    statusAtClick: string
  }>)

  const toCancelled = marks.cancelled - marks.click
  const toFrame = marks.frame - marks.click
  report(
    "cancel latency",
    `click → handler ${(marks.handled - marks.click).toFixed(1)} ms, → row says Cancelled ${toCancelled.toFixed(1)} ms, ` +
      `→ next animation frame ${toFrame.toFixed(1)} ms`
  )
  expect(marks.statusAtClick).toBe("Hashing")
  expect(toCancelled).toBeLessThan(100)

  // What the person sees: the row stopped, can be retried; the summary and the title say so.
  const row = rowOf(page, "huge.bin")
  await expect.poll(() => row.locator(".row-progress").count()).toBe(0)
  expect(await row.getByRole("button", { name: "Retry huge.bin" }).isVisible()).toBe(true)
  await expect.poll(() => page.getByRole("region", { name: "All files" }).innerText()).toContain("1 file · 1 cancelled")
  await expect.poll(() => page.title()).toBe(TITLE)
  expect(await statusOf(page, "huge.bin").innerText()).toBe("Cancelled")
  report("screenshot", await screenshot(page, "cancelled.png"))
})

it("made no request beyond its own origin (page, workers, service worker), broke no policy, threw nothing", () => {
  const urls = session.app.requests.map((request) => request.url)
  // The log is live for every kind of requester.
  expect(urls).toContain(`${session.served.origin}/`)
  expect(urls).toContain(`${session.served.origin}/sw.js`)
  expect(urls.some((url) => /\/assets\/worker-[\w-]+\.js$/.test(url))).toBe(true)
  expect(session.app.requests.some((request) => request.by === "service worker")).toBe(true)
  report("requests recorded", `${session.app.requests.length}, every one to ${session.served.origin}`)
  expectClean(session.app)
})
