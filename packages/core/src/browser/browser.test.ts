/**
 * The browser layers in real Chromium: the test page and the worker entry are bundled from
 * source for the browser, served under a strict Content-Security-Policy, and driven over CDP.
 */
import { blake3 } from "@noble/hashes/blake3.js"
import { bytesToHex } from "@noble/hashes/utils.js"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { isBuiltin } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { blake3Vectors } from "@sluice/vectors"
import { beforeAll, describe, expect, it } from "vitest"
import type { HashAlgorithm } from "../hash/HashAlgorithm.js"
import { PUBLISHED_VECTORS } from "../hash/kernels/publishedVectors.js"
import { type OpenPage, useBrowserHarness } from "./testkit/harness.node.js"
import { patternBytes, type RunReport } from "./testkit/pattern.js"

const LARGE = 40 * 1024 * 1024
const SEED = 0x5eed

const blake3Cases = blake3Vectors().cases

const harness = useBrowserHarness()
const openPage = harness.openPage

const expected = {
  published: PUBLISHED_VECTORS.map((vector) => ({ [vector.algorithm]: vector.digest })),
  blake3: blake3Cases.map(({ hash }) => ({ blake3: hash.slice(0, 64) }))
}

const expectVectors = (report: RunReport) => {
  expect(report.results.map((result) => result.error)).toEqual(report.results.map(() => undefined))
  expect(report.results.map((result) => result.digests)).toEqual([...expected.published, ...expected.blake3])
}

const large = patternBytes(LARGE, SEED)
const nodeDigests: Partial<Record<HashAlgorithm, string>> = {
  blake3: bytesToHex(blake3(large)),
  sha256: createHash("sha256").update(large).digest("hex"),
  "sha3-256": createHash("sha3-256").update(large).digest("hex"),
  md5: createHash("md5").update(large).digest("hex")
}

describe("the browser layer in Chromium", () => {
  let pool: OpenPage
  beforeAll(async () => {
    pool = await openPage()
  })

  it("bundles for the browser without a Node module", () => {
    expect(harness.inputs.filter((input) => /^node:|src\/node\/|@effect\/platform-node/.test(input))).toEqual([])
    expect(harness.inputs.some((input) => input.endsWith("browser/browser.ts"))).toBe(true)
  })

  it("chooses module workers with WebAssembly under the strict policy", async () => {
    expect(await pool.call("detect")).toMatchObject({ kind: "workers", reason: "ModuleWorkers", kernel: "wasm" })
  })

  it("matches every published and official BLAKE3 vector from Files inside Web Workers", async () => {
    const report = await pool.call("vectors", "auto", blake3Cases)
    expect(report.kind).toBe("workers")
    expect(report.choice).toEqual({ kind: "workers", reason: "ModuleWorkers", kernel: "wasm" })
    // Small files go in one batch: one worker answers them all.
    expect(report.spawned).toBeGreaterThanOrEqual(1)
    expectVectors(report)
    // The runner answers the close message: no worker waits out the 5 s timeout.
    expect(report.disposeMs).toBeLessThan(2_000)
  })

  it("spreads a 40 MiB BLAKE3 over several workers, equal to Node's digest", async () => {
    const report = await pool.call("large", "workers", LARGE, SEED, { algorithms: ["blake3"], parallelThreshold: 1024 * 1024 })
    expect(report.size).toBe(3)
    expect(report.spawned).toBeGreaterThan(1)
    expect(report.results[0]?.digests).toEqual({ blake3: nodeDigests.blake3 })
  })

  it("hashes the same 40 MiB with SHA-256, SHA3-256 and MD5 in one read, equal to node:crypto", async () => {
    const report = await pool.call("large", "workers", LARGE, SEED, { algorithms: ["sha256", "sha3-256", "md5"] })
    expect(report.results[0]?.digests).toEqual({
      sha256: nodeDigests.sha256,
      "sha3-256": nodeDigests["sha3-256"],
      md5: nodeDigests.md5
    })
    // Read on each worker's reader thread, not on the hashing thread.
    expect(harness.served).toContain("/blob-reader-worker.js")
  })

  it("fails a path with a typed error that crosses the worker boundary", async () => {
    const report = await pool.call("unsupported", "workers")
    expect(report.results[0]?.error).toMatchObject({ tag: "ReadFailed", code: "NotSupportedError" })
  })

  it.each(["spawn-throws", "missing-script"] as const)(
    "when workers cannot start (%s), the breaker opens and the file is hashed on the main thread",
    async (broken) => {
      const report = await pool.call("small", broken)
      expect(report.results[0]).toEqual({
        name: "small.txt",
        digests: { sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" }
      })
      expect(report.health).toMatchObject({ breaker: "open", fallbackTasks: 1 })
      expect(report.health.restarts).toBeGreaterThanOrEqual(3)
    }
  )

  it("resumes yielding fibers in the next task with layerScheduler, not 4 ms later as setTimeout does", async () => {
    const onDefault = await pool.call("yields", 200, "default")
    const onPage = await pool.call("yields", 200, "page")
    console.log(`200 yields: ${onDefault.toFixed(0)} ms on Effect's default scheduler, ${onPage.toFixed(0)} ms on layerScheduler`)
    expect(onPage).toBeLessThan(100)
    expect(onPage).toBeLessThan(onDefault / 4)
  })

  it("loads nothing beyond its own origin, and throws nothing", () => {
    expect(pool.requests.filter((url) => !url.startsWith(harness.origin + "/"))).toEqual([])
    // The log covers the workers' own loads, and the server saw every one of them.
    expect(pool.requests).toContain(`${harness.origin}/worker.js`)
    expect(pool.requests.map((url) => new URL(url).pathname).filter((path) => !harness.served.includes(path))).toEqual([])
    expect(pool.errors).toEqual([])
  })
})

describe("the built entries", () => {
  // `test` runs after `build` (as for the Node layer): the exports map is the public API.
  const pkg = fileURLToPath(new URL("../..", import.meta.url))
  const exportsMap = (JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as {
    exports: Record<string, { default: string }>
  }).exports

  /** Every bare import reachable from `entry` through the package's own chunks. */
  const bareImports = (entry: string): Set<string> => {
    const seen = new Set<string>()
    const bare = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(file, "utf8")
      for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)) {
        const specifier = match[1]!
        if (specifier.startsWith(".")) visit(join(dirname(file), specifier))
        else bare.add(specifier)
      }
    }
    visit(join(pkg, entry))
    return bare
  }

  it.each(["./browser", "./browser/worker"])("%s imports no Node module", (entry) => {
    const imports = [...bareImports(exportsMap[entry]!.default)]
    expect(imports.filter((specifier) => isBuiltin(specifier) || specifier.startsWith("@effect/platform-node"))).toEqual([])
    expect(imports).toContain("effect")
  })

  it("finds them where they are (the Node entry)", () => {
    expect([...bareImports(exportsMap["./node"]!.default)].filter((specifier) => isBuiltin(specifier))).not.toEqual([])
  })
})

describe("the inline fallback in Chromium", () => {
  it("gives the same digests on the main thread, yielding between slices", async () => {
    const inline = await openPage()
    const vectors = await inline.call("vectors", "inline", blake3Cases)
    expect(vectors.kind).toBe("inline")
    expect(vectors.spawned).toBe(0)
    expectVectors(vectors)
    const report = await inline.call("large", "inline", LARGE, SEED, { algorithms: ["blake3", "sha256"] })
    expect(report.results[0]?.digests).toEqual({ blake3: nodeDigests.blake3, sha256: nodeDigests.sha256 })
    // 160 slices of 256 KiB, each after a yield: timers keep firing while 40 MiB is hashed.
    expect(report.ticks).toBeGreaterThan(5)
    expect(report.maxGapMs).toBeLessThan(250)
    expect(inline.errors).toEqual([])
  })

  it("is what layerAuto chooses when the browser has no Web Workers", async () => {
    const noWorkers = await openPage("/", "delete globalThis.Worker")
    const report = await noWorkers.call("vectors", "auto", blake3Cases)
    expect(report.choice).toEqual({ kind: "inline", reason: "NoWorkers", kernel: "wasm" })
    expect(report.kind).toBe("inline")
    expectVectors(report)
  })

  it("hashes in pure JS when the page's policy refuses WebAssembly", async () => {
    const noWasm = await openPage("/no-wasm/")
    const report = await noWasm.call("vectors", "auto", blake3Cases)
    expect(report.choice).toEqual({ kind: "inline", reason: "NoWebAssembly", kernel: "js" })
    expectVectors(report)
    expect(noWasm.requests.filter((url) => !url.startsWith(harness.origin + "/"))).toEqual([])
  })
})
