/**
 * The offline copy (the service worker's first install, which fetches the app's assets
 * again) is made once no file has hashed for 0.5 s (src/start.tsx): a file picked as soon
 * as a fresh page is ready hashes with every core, and the copy comes after it.
 */
import { join } from "node:path"
import { afterEach, expect, it } from "vitest"
import { expectClean, loadApp, MiB, pickFiles, statusOf, useAppSession, waitForStatus, writeSparseFile } from "./testkit.js"

const session = useAppSession({ load: false })

afterEach(() => expectClean(session.app))

const registrations = () => session.app.page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length))

it("registers the service worker only once no file has hashed for 0.5 s", async () => {
  const { page } = session.app
  const path = await writeSparseFile(join(session.files, "large.bin"), 512 * MiB)
  await loadApp(session.app, { settled: false })
  await pickFiles(page, [path])
  await statusOf(page, "large.bin").getByText("Hashing", { exact: true }).waitFor({ timeout: 20_000 })
  expect(await registrations(), "no offline copy while the file hashes").toBe(0)
  await waitForStatus(page, "large.bin", "Done")
  await page.evaluate(() => navigator.serviceWorker.ready)
  expect(await registrations(), "the copy made once the file was hashed").toBe(1)
})
