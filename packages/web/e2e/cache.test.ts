/**
 * Issue 5 in Chromium: files hashed once are answered from the result cache (memory, then
 * IndexedDB) when picked or dropped again unchanged, even after a reload, with the digest
 * sha256sum prints; a rewrite that keeps the size and the time is still seen; the Settings
 * panel clears the cache, turns it off, and says why IndexedDB dropped out where the
 * browser refuses it. IndexedDB and localStorage hold digests, sizes and opaque keys only.
 */
import { readFileSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { CORE_VERSION, ResultCache } from "@sluice/core"
import type { Page } from "playwright-core"
import { afterEach, expect, it } from "vitest"
import {
  chooseAlgorithms,
  clearFinished,
  digestShown,
  dropPaths,
  expectClean,
  MiB,
  nativeDigest,
  pickFiles,
  report,
  rowOf,
  waitForStatus,
  writeRandomFile,
  useAppSession
} from "./testkit.js"

const session = useAppSession()

afterEach(() => expectClean(session.app))

const settings = (page: Page) => page.getByRole("region", { name: "Settings" })
const levelRow = (page: Page, label: RegExp) => settings(page).getByRole("row", { name: label })
/** A level's figures as the panel shows them: entries, size, hits, misses. */
const figures = async (page: Page, label: RegExp) => (await levelRow(page, label).getByRole("cell").allInnerTexts())
const fromCache = (page: Page, name: string) => rowOf(page, name).getByText("from cache", { exact: true })

/** Picks `path` (listed as `name`) on an emptied list; resolves once it is done, saying whether it came from the cache. */
const hashOnce = async (page: Page, path: string, name: string) => {
  await clearFinished(page)
  await pickFiles(page, [path])
  await waitForStatus(page, name, "Done")
  return { digest: await digestShown(page, name, "SHA-256"), cached: await fromCache(page, name).count() === 1 }
}

const reload = async (page: Page) => {
  await page.reload({ waitUntil: "load" })
  await page.getByText(/kernels\)\.$/).waitFor({ timeout: 20_000 })
}

/** Every record of the cache's IndexedDB store, and everything in localStorage, as the page can read them. */
const storedByThePage = (page: Page) =>
  page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open("sluice-cache")
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const records = await new Promise<Array<unknown>>((resolve, reject) => {
      const request = db.transaction("results").objectStore("results").getAll()
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    db.close()
    return { records, localStorage: { ...localStorage } }
  })

it("answers a file hashed before a reload from IndexedDB, marked from cache, with sha256sum's digest", async () => {
  const { page } = session.app
  await chooseAlgorithms(page, ["SHA-256"])
  const path = await writeRandomFile(join(session.files, "kept.bin"), 3 * MiB + 5)
  const expected = await nativeDigest("sha256sum", path)

  expect(await hashOnce(page, path, "kept.bin")).toEqual({ digest: expected, cached: false })
  // At once, as a person would: what the job stored must survive the reload.
  await reload(page)
  const again = await hashOnce(page, path, "kept.bin")
  expect(again).toEqual({ digest: expected, cached: true })
  expect(await rowOf(page, "kept.bin").innerText()).not.toMatch(/Hashed at/)
  await expect.poll(() => figures(page, /^IndexedDB/)).toEqual(["1", expect.stringMatching(/ B$/), "1", "0"])

  // What the browser keeps: opaque keys, digests and sizes; no name, no content.
  const stored = await storedByThePage(page)
  expect(stored.records).toEqual([
    {
      key: expect.stringMatching(/^[0-9a-f]{40}$/),
      value: expect.any(String),
      t: expect.any(Number),
      // The cache's format and the core that wrote it: a record of another is never read.
      tag: `${ResultCache.CACHE_FORMAT}/${CORE_VERSION}`
    }
  ])
  // The digest, the size, and the fingerprint of the sampled blocks (a page cannot vouch for a file on its metadata).
  expect(JSON.parse((stored.records[0] as { value: string }).value)).toEqual({
    d: expected,
    b: 3 * MiB + 5,
    f: expect.stringMatching(/^[0-9a-f]{32}$/)
  })
  expect(JSON.stringify(stored)).not.toContain("kept.bin")
  expect(Object.keys(stored.localStorage).sort()).toEqual(["sluice.algorithms"])
  report("IndexedDB record", JSON.stringify(stored.records[0]))
})

it("sees a rewrite of the first bytes that keeps the size and lastModified: hashed again, the new digest", async () => {
  const { page } = session.app
  const path = join(session.files, "kept.bin")
  // A time in whole seconds, so that putting it back is exact (file times have nanoseconds, utimes takes less).
  const time = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)
  utimesSync(path, time, time)
  const original = await nativeDigest("sha256sum", path)
  expect(await hashOnce(page, path, "kept.bin")).toEqual({ digest: original, cached: false })
  expect(await hashOnce(page, path, "kept.bin")).toEqual({ digest: original, cached: true })

  const before = statSync(path)
  const bytes = readFileSync(path)
  bytes.fill(0x5a, 0, 16)
  writeFileSync(path, bytes)
  utimesSync(path, time, time)
  expect(statSync(path).mtimeMs).toBe(before.mtimeMs)
  expect(statSync(path).size).toBe(before.size)
  const expected = await nativeDigest("sha256sum", path)
  expect(expected).not.toBe(original)

  expect(await hashOnce(page, path, "kept.bin")).toEqual({ digest: expected, cached: false })
  // And the new content is what the cache now knows.
  expect(await hashOnce(page, path, "kept.bin")).toEqual({ digest: expected, cached: true })
})

it("reads every file again after Clear cache, and not at all from the cache when it is turned off", async () => {
  const { page } = session.app
  const path = join(session.files, "kept.bin")
  const expected = await nativeDigest("sha256sum", path)

  await settings(page).getByRole("button", { name: "Clear cache" }).click()
  await expect.poll(() => figures(page, /^IndexedDB/)).toEqual(["0", "0 B", expect.any(String), expect.any(String)])
  expect((await figures(page, /^Memory/))[0]).toBe("0")
  expect(await hashOnce(page, path, "kept.bin")).toEqual({ digest: expected, cached: false })

  const toggle = settings(page).getByRole("checkbox", { name: "Use the cache" })
  await toggle.uncheck()
  expect(await hashOnce(page, path, "kept.bin")).toEqual({ digest: expected, cached: false })
  // Remembered: still off after a reload; on again, the file is answered.
  await reload(page)
  expect(await toggle.isChecked()).toBe(false)
  expect(await page.evaluate(() => localStorage.getItem("sluice.useCache"))).toBe("off")
  await toggle.check()
  expect(await hashOnce(page, path, "kept.bin")).toEqual({ digest: expected, cached: true })
})

it("hashes every file of a dropped folder under its relative path; dropped again after two changed, rehashes those and the files under 1 MiB", async () => {
  const { page } = session.app
  await clearFinished(page)
  const tree = join(session.files, "tree")
  await mkdir(join(tree, "sub", "deep"), { recursive: true })
  const files = ["a.txt", "big.bin", "sub/b.txt", "sub/deep/c.bin", "sub/deep/d.txt", "sub/e.bin"]
  for (const [i, name] of files.entries()) {
    // The cache takes files of 1 MiB or more (core's CACHE_FROM_BYTES); the .txt ones are hashed again.
    if (name.endsWith(".bin")) await writeRandomFile(join(tree, name), MiB + i * 1000)
    else await writeFile(join(tree, name), `file ${i}\n`.repeat(i + 1))
  }
  const names = files.map((name) => `tree/${name}`).sort()
  const expectedFor = async () =>
    Object.fromEntries(await Promise.all(files.map(async (name) => [`tree/${name}`, await nativeDigest("sha256sum", join(tree, name))])))
  const dropAndRead = async () => {
    await clearFinished(page)
    await dropPaths(session.app, [tree])
    for (const name of names) await waitForStatus(page, name, "Done")
    const rows = page.getByRole("list", { name: "Files", exact: true }).getByRole("listitem")
    expect((await rows.evaluateAll((items) => items.map((item) => item.getAttribute("aria-label")))).sort()).toEqual(names)
    const digests: Record<string, string> = {}
    const cached: Array<string> = []
    for (const name of names) {
      digests[name] = await digestShown(page, name, "SHA-256")
      if (await fromCache(page, name).count() === 1) cached.push(name)
    }
    return { digests, cached }
  }

  const first = await dropAndRead()
  expect(first.digests).toEqual(await expectedFor())
  expect(first.cached).toEqual([])

  // One file grows; another is rewritten in place (its time moves, as an editor's save does).
  writeFileSync(join(tree, "sub/b.txt"), "changed\n", { flag: "a" })
  const big = readFileSync(join(tree, "big.bin"))
  big[10_000] = big[10_000]! ^ 0xff
  writeFileSync(join(tree, "big.bin"), big)
  utimesSync(join(tree, "big.bin"), new Date(), new Date(Date.now() + 2000))

  const second = await dropAndRead()
  expect(second.digests).toEqual(await expectedFor())
  expect(second.digests["tree/big.bin"]).not.toBe(first.digests["tree/big.bin"])
  // The .txt files are a few bytes: vouching for one would cost more than hashing it again.
  expect(second.cached).toEqual(["tree/sub/deep/c.bin", "tree/sub/e.bin"])
  report("folder dropped again", `${second.cached.length} of ${names.length} files from the cache; big.bin (changed) and the 3 .txt files (under 1 MiB) hashed`)
})

// Last: the init script stays for every later page of this browser.
it("where IndexedDB refuses to open, hashes as before, answers from memory, and Settings says why IndexedDB dropped out", async () => {
  const { context, page } = session.app
  await context.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException("A mutation operation was attempted on a database that did not allow mutations.", "InvalidStateError")
    }
  })
  await reload(page)
  const path = await writeRandomFile(join(session.files, "private.bin"), 2 * MiB)
  const expected = await nativeDigest("sha256sum", path)

  expect(await hashOnce(page, path, "private.bin")).toEqual({ digest: expected, cached: false })
  expect(await hashOnce(page, path, "private.bin")).toEqual({ digest: expected, cached: true })
  await expect.poll(() => figures(page, /^Memory/)).toEqual(["1", expect.stringMatching(/ B$/), "1", "1"])
  const degraded = settings(page).getByText(/^IndexedDB \(this device\): degraded: /)
  expect(await degraded.innerText()).toBe(
    "IndexedDB (this device): degraded: IndexedDB refused to open " +
      "(InvalidStateError: A mutation operation was attempted on a database that did not allow mutations.)"
  )
  expect(await settings(page).innerText()).toContain("The cache goes on without it: results are kept in memory until this page closes.")
})
