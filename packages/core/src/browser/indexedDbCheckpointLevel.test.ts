/** The IndexedDB checkpoint level in real Chromium (the test page of `browser.testkit`). */
import { beforeAll, describe, expect, it } from "vitest"
import { type OpenPage, useBrowserHarness } from "./testkit/harness.node.js"

const harness = useBrowserHarness()

describe("the IndexedDB checkpoint level in Chromium", () => {
  let tab: OpenPage
  beforeAll(async () => {
    tab = await harness.openPage()
  })

  it("keeps records for a new connection (a reload), lists and forgets them; prunes the web app's old records", async () => {
    const report = await tab.call("checkpointRoundTrip", "sluice-checkpoints-test-1")
    expect(report.loaded).toEqual({ bytes: 32, state: [1, 2, 3] })
    expect(report.otherIdentity).toBeNull()
    expect(report.unfinished.sort()).toEqual(["big.iso", "other.iso"])
    expect(report.pruned).toBe(1) // the old record, without a format
    expect(report.left).toEqual(["other.iso"])
  })

  it("where IndexedDB refuses, a save fails with the reason and an opened job goes on without a checkpoint", async () => {
    const report = await tab.call("checkpointRefused")
    expect(report.save).toEqual({
      failed: "CheckpointFailed: the indexedDB checkpoint store failed: IndexedDB refused to open (SecurityError: The user denied permission to access the database.)"
    })
    expect(report.previous).toBeNull()
  })
})
