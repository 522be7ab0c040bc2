/**
 * The IndexedDB level and the browser's cache layer in real Chromium (the test page of
 * `browser.testkit`), and what needs no browser in Node.
 */
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { beforeAll, describe, expect, it } from "vitest"
import { HASH_WASM_IMPLEMENTATION } from "../hash/kernels/HashKernel.js"
import { kernelVersion, NOBLE_IMPLEMENTATION } from "./browser.js"
import { type OpenPage, useBrowserHarness } from "./testkit/harness.node.js"
import { patternBytes } from "./testkit/pattern.js"
import { makeIndexedDbLevel } from "./indexedDbCacheLevel.js"

const harness = useBrowserHarness()

/** A fresh database name per test: the browser's profile lives for the whole file. */
let databases = 0
const freshDatabase = () => `sluice-cache-test-${++databases}`

describe("the IndexedDB level in Chromium", () => {
  let tab: OpenPage
  beforeAll(async () => {
    tab = await harness.openPage()
  })

  it("keeps what was written for a new connection (a reload), and reads buffered writes before they are flushed", async () => {
    const report = await tab.call("idbRoundTrip", freshDatabase())
    expect(report.fromBuffer).toBe("one")
    expect(report.read).toEqual({ k1: "one", k2: "two", k3: null })
    expect(report.size.entries).toBe(2)
    expect(report.size.bytes).toBeGreaterThan(0)
    // A record of another version is never read.
    expect(report.otherVersion).toEqual({ k1: null })
  })

  it("writes 10,000 results in a few dozen transactions, not 10,000", async () => {
    const report = await tab.call("idbBatching", freshDatabase(), 10_000)
    console.log(`10,000 sets and a flush: ${report.readwrite} write transactions, ${report.ms.toFixed(0)} ms`)
    expect(report.size.entries).toBe(10_000)
    // One per 500 records, and the odd timer that fired in between.
    expect(report.readwrite).toBeLessThanOrEqual(10_000 / 500 + 5)
  })

  it("prunes other versions and the least recently used past the limits: by itself once a day, and on request", async () => {
    const report = await tab.call("idbPrune", freshDatabase())
    // Seven records with the other version's, within a day of the last prune: none went.
    expect(report.beforeDue).toBe(7)
    expect(report.read).toBe("x")
    // The first flush of the day pruned: k1 was touched when read, so k2 and k3 were the oldest.
    expect(report.afterAuto).toEqual({ k1: "x", k2: null, k3: null, k4: "x", k5: "x" })
    expect(report.oldAfter).toEqual({ o1: null, o2: null })
    // On request: k6 is one too many, and k4 is now the least recently used.
    expect(report.removed).toBe(1)
    expect(report.afterPrune).toEqual({ k1: "x", k4: null, k5: "x", k6: "x" })
    // The byte limit holds three records of this size: the three newest stay.
    expect(report.removedByBytes).toBe(3)
    expect(report.sizeByBytes.entries).toBe(3)
    expect(report.keptByBytes).toEqual({ b0: null, b1: null, b2: null, b3: "x", b4: "x", b5: "x" })
  })

  it("prunes thousands of records a page per transaction", async () => {
    const report = await tab.call("idbPruneMany", freshDatabase())
    expect(report.removed).toBe(5000 + 2000)
    expect(report.size.entries).toBe(1000)
    expect(report.kept).toEqual({ n1999: null, n2000: "x", n2999: "x", o0: null, o4999: null })
    // Three pages of the old version, one of the least recently used, and the prune's date.
    expect(report.readwrite).toBeLessThanOrEqual(6)
  })

  it("clears every record, and drops writes still buffered", async () => {
    expect(await tab.call("idbClear", freshDatabase())).toEqual({ size: { entries: 0, bytes: 0 }, read: { a: null, b: null } })
  })

  it("fails with CacheFailed saying why IndexedDB refused, and stays failed", async () => {
    const report = await tab.call("idbFailures") as Record<string, { first: { failed?: string }; again: { failed?: string } }>
    expect(report.missing?.first.failed).toBe("CacheFailed: this browser has no IndexedDB")
    expect(report.refused?.first.failed).toMatch(
      /^CacheFailed: IndexedDB refused to open \(InvalidStateError: A mutation operation/
    )
    expect(report.openError?.first.failed).toBe("CacheFailed: IndexedDB could not be opened (UnknownError: Internal error.)")
    expect(report.blocked?.first.failed).toBe(
      "CacheFailed: IndexedDB is blocked: another tab keeps an older version of the cache open"
    )
    expect(report.newer?.first.failed).toMatch(/^CacheFailed: IndexedDB could not be opened \(VersionError: /)
    for (const outcome of Object.values(report)) expect(outcome.again).toEqual(outcome.first)
  })

  it("reports a full quota as the quota, not as a generic failure", async () => {
    const quota = await harness.openPage()
    const cdp = await quota.page.context().newCDPSession(quota.page)
    await cdp.send("Storage.overrideQuotaForOrigin", { origin: harness.origin, quotaSize: 64 * 1024 })
    const report = await quota.call("idbQuota", freshDatabase())
    expect(report).toMatchObject({ failed: expect.stringMatching(/the browser's storage quota for this site is used up \(QuotaExceededError/) })
    await quota.page.close()
  })

  it("answers 2,000 unchanged Files from IndexedDB after a reload, with the digests it computed", async () => {
    const count = 2_000
    const report = await tab.call("cachedJob", freshDatabase(), count)
    console.log(
      `${count} small Files on the inline pool: hashed and stored in ${report.first.ms.toFixed(0)} ms, ` +
        `answered from IndexedDB on a new runtime in ${report.second.ms.toFixed(0)} ms`
    )
    expect(report.first.cached).toBe(0)
    expect(report.second.cached).toBe(count)
    expect(report.sameDigests).toBe(true)
    const last = count - 1
    expect(report.lastDigest).toBe(createHash("sha256").update(patternBytes(64 + (last % 200), 11 + last)).digest("hex"))
    const [memory, indexedDb] = report.second.stats.levels
    expect(memory).toMatchObject({ name: "memory", hits: 0, misses: count })
    expect(indexedDb).toMatchObject({ name: "indexedDB", hits: count, misses: 0, entries: count })
    expect(indexedDb?.degraded).toBeUndefined()
    // Every lookup in one read transaction (and the stats' own reads), nothing written.
    expect(report.second.transactions.readonly).toBeLessThanOrEqual(1 + Math.ceil(count / 2000) + 2)
    expect(report.second.transactions.readwrite).toBe(0)
  })

  it("where IndexedDB refuses, goes on in memory and says why the persistent level dropped out", async () => {
    const report = await tab.call("degradedJob", 20)
    expect(report.first.cached).toBe(0)
    expect(report.second.cached).toBe(20)
    expect(report.sameDigests).toBe(true)
    const [memory, indexedDb] = report.second.stats.levels
    expect(memory).toMatchObject({ name: "memory", hits: 20, entries: 20 })
    expect(indexedDb).toMatchObject({
      name: "indexedDB",
      degraded: "IndexedDB refused to open (SecurityError: The user denied permission to access the database.)"
    })
  })

  it("loads nothing beyond its own origin, and throws nothing", () => {
    expect(tab.requests.filter((url) => !url.startsWith(harness.origin + "/"))).toEqual([])
    expect(tab.errors).toEqual([])
  })
})

describe("the IndexedDB level without a browser", () => {
  it("fails every call with the reason when there is no IndexedDB (Node)", async () => {
    const level = makeIndexedDbLevel({ tag: "v1" })
    const failure = await Effect.runPromise(Effect.flip(level.get("k")))
    expect(failure).toMatchObject({ _tag: "CacheFailed", level: "indexedDB", detail: "this browser has no IndexedDB" })
    expect(failure.message).toBe("the indexedDB cache failed: this browser has no IndexedDB")
    expect(await Effect.runPromise(Effect.flip(level.flush))).toBe(failure)
  })
})

describe("kernelVersion in a browser", () => {
  it("names hash-wasm, our BLAKE3 and SHA-256, or @noble/hashes where WebAssembly is refused", () => {
    expect(kernelVersion("wasm")("sha256")).toBe("sluice-sha256@1")
    expect(kernelVersion("wasm")("sha512")).toBe(HASH_WASM_IMPLEMENTATION)
    expect(kernelVersion("js")("sha256")).toBe(NOBLE_IMPLEMENTATION)
    expect(kernelVersion("js")("blake3")).toBe(kernelVersion("wasm")("blake3"))
    expect(kernelVersion("wasm")("blake3")).toBe("sluice-blake3@1")
  })

  it("names the installed @noble/hashes", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      dependencies: Record<string, string>
    }
    expect(NOBLE_IMPLEMENTATION).toBe(`noble-hashes@${pkg.dependencies["@noble/hashes"]}`)
  })
})
