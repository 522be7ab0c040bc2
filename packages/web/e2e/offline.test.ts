/**
 * Offline use: once the service worker controls the page, the app reloads and hashes with
 * the network gone. The server is shut down and the browser set offline, so nothing can
 * come from anywhere but the service worker's cache.
 */
import { rm } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, expect, it } from "vitest"
import {
  type AppSession,
  digestShown,
  expectClean,
  launchApp,
  loadApp,
  makeTempDir,
  MiB,
  nativeDigest,
  pickFiles,
  report,
  rowOf,
  type Served,
  serveDist,
  waitForStatus,
  writeRandomFile
} from "./testkit.js"

let served: Served
let app: AppSession
let files: string

beforeAll(async () => {
  files = await makeTempDir()
  // A server of its own: this test stops it.
  served = await serveDist()
  app = await launchApp(served.origin)
})

afterAll(async () => {
  await app?.close()
  await served?.close()
  if (files !== undefined) await rm(files, { recursive: true, force: true })
})

afterEach(() => expectClean(app))

it("reloads and hashes offline once the service worker controls the page", async () => {
  const { page } = app
  await loadApp(app)
  // The first install claims the page; installing has cached the whole shell by then.
  await page.evaluate(() => navigator.serviceWorker.ready)
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 })
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${served.origin}/sw.js`)

  await served.close()
  await app.context.setOffline(true)
  const before = app.requests.length
  const failedBefore = app.failedRequests.length

  const response = await page.reload({ waitUntil: "load" })
  expect(response?.fromServiceWorker(), "the page comes from the service worker").toBe(true)
  // The load event waits for the entry script and the stylesheet: each came from the cache, or failed by now.
  expect(app.failedRequests.slice(failedBefore), "requests the service worker did not answer from its cache").toEqual([])
  await page.getByRole("heading", { name: "Sluice", level: 1 }).waitFor({ timeout: 10_000 })
  await expect.poll(() => page.locator("footer").innerText(), { timeout: 20_000 })
    .toContain("Hashing on a pool of Web Workers")

  const path = await writeRandomFile(join(files, "offline.bin"), 2 * MiB)
  const expected = await nativeDigest("sha256sum", path)
  await pickFiles(page, [path])
  await waitForStatus(page, "offline.bin", "Done")
  expect(await digestShown(page, "offline.bin", "SHA-256")).toBe(expected)
  await expect.poll(() => rowOf(page, "offline.bin").innerText()).toMatch(/Hashed at [\d.]+ [kMG]?B\/s\./)
  expect(app.failedRequests.slice(failedBefore)).toEqual([])
  report("offline reload", `${app.requests.length - before} requests while offline, none failed; SHA-256 ${expected}`)
})

it("made no request beyond its own origin, broke no policy and threw nothing", () => {
  expect(app.requests.length).toBeGreaterThan(0)
  // The recording includes the service worker's own fetches (its install caches the shell).
  expect(app.requests.some((request) => request.by === "service worker")).toBe(true)
  expectClean(app)
})
