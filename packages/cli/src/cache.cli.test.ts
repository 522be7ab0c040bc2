/**
 * The result cache from the command line: `hash -r` over a tree, a second `check` that
 * reads only what changed, `--no-cache`, `sluice cache stats|clear|prune`, and a cache
 * directory that cannot be used.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { expectCleanStderr, pseudoRandomBytes, requireTools, sluice, tool, useTempDir } from "./cli.testkit.js"

requireTools("sha256sum")
const root = useTempDir("cache")
let n = 0
const freshCache = () => ({ SLUICE_CACHE_DIR: join(root, `cache-${n++}`) })

/** A tree of 60 files in nested folders, some small, some of several samples. */
const makeTree = (name: string) => {
  const tree = join(root, name)
  for (let d = 0; d < 3; d++) {
    mkdirSync(join(tree, `dir-${d}`, "sub"), { recursive: true })
    for (let f = 0; f < 10; f++) {
      writeFileSync(join(tree, `dir-${d}`, `file-${f}.bin`), pseudoRandomBytes(100 + f * 7000, d * 100 + f))
      writeFileSync(join(tree, `dir-${d}`, "sub", `note ${f}.txt`), `note ${d} ${f}\n`)
    }
  }
  return tree
}

const jsonLines = (stdout: string) => stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)

describe("sluice hash -r DIR", () => {
  it("prints sha256sum's lines for every regular file under DIR, in name order", async () => {
    const tree = makeTree("tree-order")
    const result = await sluice(["hash", "-r", "tree-order"], { cwd: root, env: freshCache() })
    expect(result.status).toBe(0)
    expectCleanStderr(result.stderr)
    const files = tool("find", ["tree-order", "-type", "f"], { cwd: root }).stdout.trim().split("\n").sort()
    expect(result.stdout).toBe(tool("sha256sum", files, { cwd: root }).stdout)
    expect(files).toHaveLength(60)
    expect(existsSync(tree)).toBe(true)
  })
})

describe("checking a tree again", () => {
  let tree: string
  const env = freshCache()
  beforeAll(async () => {
    tree = makeTree("tree-incremental")
    const sums = await sluice(["hash", "-r", "tree-incremental"], { cwd: root, env })
    writeFileSync(join(root, "SUMS"), sums.stdout)
  })

  it("reads only the files that changed, and reports exactly those, as sha256sum -c does", async () => {
    const changed = ["dir-0/file-3.bin", "dir-1/sub/note 4.txt", "dir-2/file-9.bin", "dir-2/file-5.bin"]
    const [rewritten, appended, truncated, restored] = changed.map((f) => join(tree, f))
    const mtime = statSync(restored!).mtime
    writeFileSync(rewritten!, Buffer.alloc(statSync(rewritten!).size, 7)) // same size
    appendFileSync(appended!, "!")
    truncateSync(truncated!, 10)
    const bytes = readFileSync(restored!)
    bytes[0] = bytes[0]! ^ 1
    writeFileSync(restored!, bytes)
    utimesSync(restored!, mtime, mtime) // as touch -d would leave it

    // Hashed again: the 56 unchanged files come from the cache, the 4 others are read.
    const again = jsonLines((await sluice(["hash", "-r", "--json", "tree-incremental"], { cwd: root, env })).stdout)
    const read = again.filter((line) => line["cached"] !== true).map((line) => line["file"])
    expect(read.sort()).toEqual(changed.map((f) => `tree-incremental/${f}`).sort())

    const check = await sluice(["check", "SUMS"], { cwd: root, env })
    const expected = tool("sha256sum", ["-c", "SUMS"], { cwd: root })
    expect(check.stdout).toBe(expected.stdout)
    expect(check.status).toBe(1)
    expect(check.stdout.split("\n").filter((line) => line.endsWith("FAILED")).sort()).toEqual(
      changed.map((f) => `tree-incremental/${f}: FAILED`).sort()
    )
  })
})

describe("--no-cache", () => {
  it("neither reads nor writes the cache", async () => {
    makeTree("tree-no-cache")
    const env = freshCache()
    const result = await sluice(["hash", "--no-cache", "-r", "tree-no-cache"], { cwd: root, env })
    expect(result.status).toBe(0)
    expect(existsSync(env.SLUICE_CACHE_DIR)).toBe(false)
    await sluice(["hash", "-r", "tree-no-cache"], { cwd: root, env })
    const bypassed = jsonLines((await sluice(["hash", "--json", "--no-cache", "-r", "tree-no-cache"], { cwd: root, env })).stdout)
    expect(bypassed.filter((line) => line["cached"] === true)).toEqual([])
  })
})

describe("sluice cache", () => {
  it("stats counts the entries, clear empties the cache, prune keeps what is current", async () => {
    makeTree("tree-stats")
    const env = freshCache()
    await sluice(["hash", "-r", "-a", "sha256,blake3", "tree-stats"], { cwd: root, env })
    const stats = JSON.parse((await sluice(["cache", "stats", "--json"], { env })).stdout)
    expect(stats).toMatchObject({ directory: env.SLUICE_CACHE_DIR, entries: 120 })
    expect(stats.bytes).toBeGreaterThan(0)
    const pruned = JSON.parse((await sluice(["cache", "prune", "--json"], { env })).stdout)
    expect(pruned).toMatchObject({ entries: 120, removed: 0 })
    const human = await sluice(["cache", "stats"], { env })
    expect(human.stdout).toContain(`directory: ${env.SLUICE_CACHE_DIR}`)
    expect(human.stdout).toMatch(/entries: +120/)
    expect((await sluice(["cache", "clear"], { env })).status).toBe(0)
    expect(JSON.parse((await sluice(["cache", "stats", "--json"], { env })).stdout)).toMatchObject({ entries: 0 })
  })

  it("an unknown action is a usage error", async () => {
    const result = await sluice(["cache", "flush"], { env: freshCache() })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain("unknown cache action 'flush'")
  })
})

describe("a cache directory that cannot be used", () => {
  it("costs nothing but speed: the hash is right and exits 0; cache stats says why", async () => {
    makeTree("tree-broken")
    const blocker = join(root, "not-a-directory")
    writeFileSync(blocker, "a file where the cache directory should be")
    const env = { SLUICE_CACHE_DIR: blocker }
    const result = await sluice(["hash", "-r", "tree-broken"], { cwd: root, env })
    expect(result.status).toBe(0)
    expect(result.stderr).toBe("")
    expect(result.stdout).toBe((await sluice(["hash", "--no-cache", "-r", "tree-broken"], { cwd: root })).stdout)
    const stats = await sluice(["cache", "stats"], { env })
    expect(stats.status).toBe(5)
    expect(stats.stderr).toMatch(/^sluice: the cache directory cannot be used: .*ENOTDIR/m)
  })

  it("damaged cache files are skipped, never believed", async () => {
    makeTree("tree-damaged")
    const env = freshCache()
    const first = await sluice(["hash", "-r", "tree-damaged"], { cwd: root, env })
    const results = join(env.SLUICE_CACHE_DIR, "results")
    for (const name of tool("ls", [results]).stdout.trim().split("\n").filter((f) => f.endsWith(".log"))) {
      const text = readFileSync(join(results, name), "utf8")
      writeFileSync(join(results, name), text.replace(/"d":"([0-9a-f])/g, (_, c: string) => `"d":"${c === "0" ? "1" : "0"}`))
    }
    const again = await sluice(["hash", "-r", "--json", "tree-damaged"], { cwd: root, env })
    expect(jsonLines(again.stdout).filter((line) => line["cached"] === true)).toEqual([])
    expect((await sluice(["hash", "-r", "tree-damaged"], { cwd: root, env })).stdout).toBe(first.stdout)
  })
})

describe("concurrent runs", () => {
  it("share the disk cache: both right, and a third run is answered whole from it", async () => {
    makeTree("tree-concurrent")
    const env = freshCache()
    const runs = await Promise.all([0, 1, 2].map(() => sluice(["hash", "-r", "tree-concurrent"], { cwd: root, env })))
    const expected = (await sluice(["hash", "--no-cache", "-r", "tree-concurrent"], { cwd: root })).stdout
    for (const run of runs) expect(run.stdout).toBe(expected)
    const third = jsonLines((await sluice(["hash", "-r", "--json", "tree-concurrent"], { cwd: root, env })).stdout)
    expect(third.every((line) => line["cached"] === true)).toBe(true)
  })
})
