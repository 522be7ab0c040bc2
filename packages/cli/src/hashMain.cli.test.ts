/**
 * The lean hash (hashMain.ts): what it answers is what the full program would print, its
 * cache entries are the full program's (each reads what the other wrote), a file changed
 * since it was cached is hashed again, and what it does not take goes to the full program.
 * `--stats` is an option the lean hash leaves to the full program: it runs the full one here.
 */
import { mkdirSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { nativeBatch } from "@sluice/core/node/check"
import { LEAN_LIMITS, leanArgs, plan, run } from "./hashMain.js"
import { expectCleanStderr, pseudoRandomBytes, requireTools, sluice, tool, useTempDir } from "./cli.testkit.js"

requireTools("sha256sum", "sha512sum", "b3sum")
const root = useTempDir("lean-hash")
let n = 0
const freshCache = () => ({ SLUICE_CACHE_DIR: join(root, `cache-${n++}`) })

/** `count` small files in two folders: enough from 1,500 for the lean worker to take a share. */
const makeTree = (name: string, count: number) => {
  const tree = join(root, name)
  for (const sub of ["a", "b"]) mkdirSync(join(tree, sub), { recursive: true })
  for (let i = 0; i < count; i++) writeFileSync(join(tree, i % 2 === 0 ? "a" : "b", `f${i}`), pseudoRandomBytes(i % 5000, i))
  return tree
}

const cacheStats = (stderr: string) => stderr.split("\n").find((line) => line.startsWith("sluice: stats: cache:")) ?? stderr

describe("the lean hash's command lines", () => {
  it("takes the plain ones and leaves the rest (standard input, options it does not read, BLAKE3 with others, unknown algorithms) to the full program", () => {
    expect(leanArgs(["hash", "-a", "sha512", "--tag", "-b", "-r", "--no-cache", "-w", "0", "x"])).toMatchObject({
      algorithms: ["sha512"],
      tag: true,
      binary: true,
      recursive: true,
      cache: false,
      noWorker: true,
      files: ["x"]
    })
    expect(leanArgs(["hash", "--algorithm=sha256,sha1,sha256", "x"])?.algorithms).toEqual(["sha256", "sha1"])
    for (const args of [["hash"], ["hash", "-"], ["hash", "--json", "x"], ["hash", "-o", "out", "x"], ["hash", "--stats", "x"], ["hash", "-a", "blake3,sha256", "x"], ["hash", "-a", "nope", "x"], ["hash", "-w", "x", "x"], ["check", "x"]]) {
      expect(leanArgs(args), args.join(" ")).toBeUndefined()
    }
  })

  it("leaves a missing file and a directory without -r to the full program, and a small BLAKE3 file where @sluice/native's batch is not (or with -w 0)", () => {
    writeFileSync(join(root, "there"), "x")
    expect(plan(["hash", join(root, "there")])).toBeDefined()
    expect(plan(["hash", "-a", "blake3", join(root, "there")]) !== undefined).toBe(nativeBatch() !== undefined)
    expect(plan(["hash", "-w", "0", "-a", "blake3", join(root, "there")])).toBeUndefined()
    expect(plan(["hash", join(root, "there"), join(root, "not-there")])).toBeUndefined()
    expect(plan(["hash", root])).toBeUndefined()
  })

  it("leaves more files than it holds in memory (LEAN_LIMITS.maxFiles) to the full program, which streams them", () => {
    const files = ["one", "two", "three"].map((name) => join(root, name))
    for (const file of files) writeFileSync(file, file)
    const limit = LEAN_LIMITS.maxFiles
    try {
      LEAN_LIMITS.maxFiles = 3
      expect(plan(["hash", ...files])).toBeDefined()
      LEAN_LIMITS.maxFiles = 2
      expect(plan(["hash", ...files])).toBeUndefined()
    } finally {
      LEAN_LIMITS.maxFiles = limit
    }
  })
})

describe("sluice hash of many small files", () => {
  it("prints sha256sum's lines byte for byte, in name order under -r, as the full program does", async () => {
    makeTree("many", 2_000)
    const files = tool("find", ["many", "-type", "f"], { cwd: root }).stdout.trim().split("\n").sort()
    const expected = tool("sha256sum", files, { cwd: root }).stdout
    const lean = await sluice(["hash", "-r", "many"], { cwd: root, env: freshCache() })
    expect(lean.status).toBe(0)
    expectCleanStderr(lean.stderr)
    expect(lean.stdout).toBe(expected)
    const full = await sluice(["hash", "-r", "many", "--stats"], { cwd: root, env: freshCache() })
    expect(full.stdout).toBe(expected)
    const alone = await sluice(["hash", "--no-cache", "-w", "0", ...files], { cwd: root })
    expect(alone.stdout).toBe(expected)
  })

  it("-b, --tag and several algorithms print what the full program prints", async () => {
    makeTree("forms", 20)
    for (const args of [["-b"], ["--tag"], ["-a", "sha256,sha512"], ["-a", "md5", "-b"]]) {
      const lean = await sluice(["hash", "-r", ...args, "forms"], { cwd: root, env: freshCache() })
      const full = await sluice(["hash", "-r", ...args, "forms", "--stats"], { cwd: root, env: freshCache() })
      expect(lean.status).toBe(0)
      expect(lean.stdout, args.join(" ")).toBe(full.stdout)
    }
  })
})

describe("the lean hash and the result cache", () => {
  it("writes the full program's entries, and reads them: each answers the other's tree whole", async () => {
    makeTree("shared", 300)
    const leanFirst = freshCache()
    const first = await sluice(["hash", "-r", "shared"], { cwd: root, env: leanFirst })
    const full = await sluice(["hash", "-r", "shared", "--stats"], { cwd: root, env: leanFirst })
    expect(full.stdout).toBe(first.stdout)
    expect(cacheStats(full.stderr)).toContain("300/300 hits")
    const fullFirst = freshCache()
    await sluice(["hash", "-r", "shared", "--stats"], { cwd: root, env: fullFirst })
    const lean = await sluice(["hash", "-r", "shared"], { cwd: root, env: fullFirst })
    expect(lean.stdout).toBe(first.stdout)
  })

  it("hashes through @sluice/native's batch calls where built, and without them (SLUICE_NATIVE_BATCH=0) alike: the same lines, each reading the other's entries", async () => {
    makeTree("batch", 1_100)
    const files = tool("find", ["batch", "-type", "f"], { cwd: root }).stdout.trim().split("\n").sort()
    const expected = tool("sha256sum", files, { cwd: root }).stdout
    const off = { SLUICE_NATIVE_BATCH: "0" }
    const nativeFirst = freshCache()
    const native = await sluice(["hash", "-r", "batch"], { cwd: root, env: nativeFirst })
    expect(native.status).toBe(0)
    expectCleanStderr(native.stderr)
    expect(native.stdout).toBe(expected)
    const fallback = await sluice(["hash", "-r", "batch", "--stats"], { cwd: root, env: { ...nativeFirst, ...off } })
    expect(fallback.stdout).toBe(expected)
    expect(cacheStats(fallback.stderr)).toContain("1100/1100 hits")
    const fallbackFirst = freshCache()
    expect((await sluice(["hash", "-r", "batch"], { cwd: root, env: { ...fallbackFirst, ...off } })).stdout).toBe(expected)
    const again = await sluice(["hash", "-r", "batch", "--stats"], { cwd: root, env: fallbackFirst })
    expect(cacheStats(again.stderr)).toContain("1100/1100 hits")
    // Several algorithms, and a file the batch cannot read: the full program reports it.
    const both = await sluice(["hash", "-a", "sha256,md5", ...files.slice(0, 3)], { cwd: root, env: freshCache() })
    const bothOff = await sluice(["hash", "-a", "sha256,md5", ...files.slice(0, 3)], { cwd: root, env: { ...freshCache(), ...off } })
    expect(both.stdout).toBe(bothOff.stdout)
  })

  it("never answers a file changed since it was cached: same size and restored times, written just now or long ago", async () => {
    const env = freshCache()
    const file = join(root, "changing.bin")
    writeFileSync(file, pseudoRandomBytes(10_000, 1))
    const before = await sluice(["hash", file], { env })
    expect(before.stdout).toBe(tool("sha256sum", [file]).stdout)
    // Same size, mtime put back: the ctime moved, and the entry (not settled: written within 2 s) kept a fingerprint.
    const { atime, mtime } = statSync(file)
    writeFileSync(file, pseudoRandomBytes(10_000, 2))
    utimesSync(file, atime, mtime)
    const after = await sluice(["hash", file], { env })
    expect(after.stdout).toBe(tool("sha256sum", [file]).stdout)
    expect(after.stdout).not.toBe(before.stdout)
  })

  it("a file larger than its read buffer (1 MiB) is hashed in pieces: sha512sum's digest, and the full program's cache entry", async () => {
    const env = freshCache()
    const file = join(root, "larger.bin")
    writeFileSync(file, pseudoRandomBytes(3 * 1024 * 1024 + 5, 3))
    const result = await sluice(["hash", "-a", "sha512", file], { env })
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(tool("sha512sum", [file]).stdout)
    const full = await sluice(["hash", "-a", "sha512", file, "--stats"], { env })
    expect(cacheStats(full.stderr)).toContain("1/1 hits")
  })

  it("BLAKE3 of a large file (on @sluice/native's async work where it is built): b3sum's line, and an entry the full program reads", async () => {
    const env = freshCache()
    const file = join(root, "large-b3.bin")
    writeFileSync(file, pseudoRandomBytes(20 * 1024 * 1024 + 3, 4))
    const lean = await sluice(["hash", "-a", "blake3", file], { env })
    expect(lean.status).toBe(0)
    expect(lean.stdout).toBe(tool("b3sum", [file]).stdout)
    const full = await sluice(["hash", "-a", "blake3", file, "--stats"], { env })
    expect(full.stdout).toBe(lean.stdout)
    expect(cacheStats(full.stderr)).toContain("1/1 hits")
  })

  it.skipIf(nativeBatch() === undefined)("BLAKE3 of many small files (@sluice/native's hashFiles, in batches): b3sum's lines, and entries the full program reads", async () => {
    const env = freshCache()
    // As many as the addon stats itself on a new cache (`LeanPlan.statHere`).
    const tree = makeTree("many-b3", LEAN_LIMITS.statHereFiles)
    const files = tool("find", [tree, "-type", "f"]).stdout.trim().split("\n").sort()
    const lean = await sluice(["hash", "-a", "blake3", "-r", tree], { env })
    expect(lean.status).toBe(0)
    expect(lean.stdout).toBe(tool("b3sum", files).stdout)
    const full = await sluice(["hash", "-a", "blake3", "-r", tree, "--stats"], { env })
    expect(full.stdout).toBe(lean.stdout)
    expect(cacheStats(full.stderr)).toContain(`${LEAN_LIMITS.statHereFiles}/${LEAN_LIMITS.statHereFiles} hits`)
    // And the lean hash answers from them.
    expect((await sluice(["hash", "-a", "blake3", "-r", tree], { env })).stdout).toBe(lean.stdout)
    // The lean program hashes them itself (in this process: no full program to fall back on).
    let printed = ""
    const planned = plan(["hash", "--no-cache", "-a", "blake3", "-r", tree])
    expect(await run(planned!, (text) => (printed += typeof text === "string" ? text : Buffer.from(text).toString(), true))).toBe(0)
    expect(printed).toBe(lean.stdout)
  })

  it("a file larger than it takes (64 MiB), not in the cache, goes to the full program, which hashes it", async () => {
    const file = join(root, "largest.bin")
    writeFileSync(file, "")
    truncateSync(file, 65 * 1024 * 1024)
    expect(plan(["hash", "--no-cache", file])).toBeUndefined()
    const result = await sluice(["hash", file], { env: freshCache() })
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(tool("sha256sum", [file]).stdout)
  })

  it("from LEAN_LIMITS.statHereFiles files on a new cache, a file too large found as @sluice/native opens it still goes to the full program: sha256sum's lines", async () => {
    const tree = makeTree("many-one-large", LEAN_LIMITS.statHereFiles)
    writeFileSync(join(tree, "b", "large.bin"), "")
    truncateSync(join(tree, "b", "large.bin"), 65 * 1024 * 1024)
    const env = freshCache()
    const planned = plan(["hash", "-r", tree])
    expect(planned?.files.length).toBe(LEAN_LIMITS.statHereFiles + 1)
    const files = tool("find", [tree, "-type", "f"]).stdout.trim().split("\n").sort()
    const result = await sluice(["hash", "-r", tree], { env })
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(tool("sha256sum", files).stdout)
  })
})
