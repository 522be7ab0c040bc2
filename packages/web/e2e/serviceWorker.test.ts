/**
 * The service worker's cache housekeeping: when it activates, it deletes the caches of
 * earlier versions of the app shell (`sluice-shell-*` under another name) and leaves every
 * other cache of the origin alone.
 */
import { afterEach, expect, it } from "vitest"
import { expectClean, loadApp, useAppSession } from "./testkit.js"

const session = useAppSession({ load: false })

afterEach(() => expectClean(session.app))

it("deletes an older version's shell cache when it activates, and keeps caches that are not its own", async () => {
  const { page } = session.app
  // A blank document of the origin (answered by the test, not the server), so that no service worker is registered yet.
  const blank = `${session.served.origin}/blank-for-the-test`
  await page.route(blank, (route) =>
    route.fulfill({ contentType: "text/html", body: `<!doctype html><link rel="icon" href="data:,"><title>blank</title>` }))
  await page.goto(blank)
  await page.unroute(blank)
  await page.evaluate(async () => {
    const old = await caches.open("sluice-shell-0123456789abcdef")
    await old.put("/stale.js", new Response("stale"))
    await caches.open("another-app")
  })
  expect(await page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length))).toBe(0)
  expect((await page.evaluate(() => caches.keys())).sort()).toEqual(["another-app", "sluice-shell-0123456789abcdef"])

  await loadApp(session.app)
  await page.evaluate(() => navigator.serviceWorker.ready)
  // The worker claims the page after its activate step has deleted what it deletes.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 })
  const keys = (await page.evaluate(() => caches.keys())).sort()
  expect(keys).toEqual(["another-app", expect.stringMatching(/^sluice-shell-[0-9a-f]{16}$/)])
  expect(keys[1]).not.toBe("sluice-shell-0123456789abcdef")
  // The current shell is complete: the page itself is in it.
  expect(await page.evaluate((name) => caches.open(name).then((cache) => cache.match("./")).then((hit) => hit?.ok), keys[1]!))
    .toBe(true)
})
