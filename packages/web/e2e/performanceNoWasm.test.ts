/**
 * The Performance view where the page's policy forbids WebAssembly: hashing runs on the
 * page's thread with the pure-JavaScript kernels, the view says so, measures no speed on
 * the page's thread, and recommends what core's rule says about it (the kernel comes from
 * the runtime's PoolChoice).
 */
import { join } from "node:path"
import { afterEach, expect, it } from "vitest"
import { expectClean, MiB, nativeDigest, pickFiles, report, useAppSession, waitForStatus, writeRandomFile, digestShown } from "./testkit.js"

const session = useAppSession({ webAssembly: false })

afterEach(() => expectClean(session.app))

it("recommends allowing WebAssembly, and says where hashing runs, when the page may not compile it", async () => {
  const { page } = session.app
  expect(await page.locator("body").innerText()).toContain("hashing on the main thread in JavaScript (JavaScript kernels).")
  expect(session.app.problems.some((problem) => /wasm-eval/.test(problem))).toBe(true)

  const path = await writeRandomFile(join(session.files, "small.bin"), 2 * MiB)
  await pickFiles(page, [path])
  await waitForStatus(page, "small.bin", "Done", 30_000)
  expect(await digestShown(page, "small.bin", "SHA-256")).toBe(await nativeDigest("sha256sum", path))

  await page.getByRole("tab", { name: "Performance", exact: true }).click()
  const tip = page.locator('[data-recommendation="pure-js-kernel"]')
  await tip.waitFor({ timeout: 10_000 })
  report("recommendation", (await tip.innerText()).replace(/\s+/g, " "))
  expect(await tip.innerText()).toMatch(/WebAssembly is not available here/)
  expect(await page.locator('[data-figure="pool"] .figure-value').innerText()).toBe("this page's thread, JavaScript kernels")
  expect(await page.getByText(/Not measured: hashing runs on this page's thread/).count()).toBe(1)
  expect(await page.locator('[data-figure="files-hashed"]').getAttribute("data-value")).toBe("1")
  expect(await page.locator('[data-figure="bytes"]').getAttribute("data-value")).toBe(String(2 * MiB))
})
