import { Effect } from "effect"
import { execFileSync, spawn } from "node:child_process"
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { makeMemoryLevel } from "../engine/cache/MemoryLevel.js"
import { make } from "../engine/cache/ResultCache.js"
import { CHECK_INDEX_MAX_AGE_MS, makeDiskLevel } from "./diskCacheLevel.js"

const dirs: Array<string> = []
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-disk-cache-"))
  dirs.push(dir)
  return dir
}
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

const run = <A>(effect: Effect.Effect<A, unknown>) => Effect.runSync(effect as Effect.Effect<A>)
const runAsync = <A>(effect: Effect.Effect<A, unknown>) => Effect.runPromise(effect as Effect.Effect<A>)
const packageRoot = new URL("../..", import.meta.url).pathname
const key = (n: number) => n.toString(16).padStart(40, "0").replace(/^00/, (n % 256).toString(16).padStart(2, "0"))

describe("the disk level", () => {
  it("setMany writes every entry as set does, read back by the next process", async () => {
    const dir = freshDir()
    const first = makeDiskLevel({ dir, tag: "1/1.0.0" })
    run(first.setMany!(Array.from({ length: 300 }, (_, n) => [key(n), `{"d":"${n}"}`] as const)))
    await runAsync(first.flush)
    const second = makeDiskLevel({ dir, tag: "1/1.0.0" })
    expect(run(second.get(key(7)))).toBe(`{"d":"7"}`)
    expect(run(second.size).entries).toBe(300)
  })

  it("keeps entries across processes: what one run flushed, the next reads", async () => {
    const dir = freshDir()
    const first = makeDiskLevel({ dir, tag: "1/1.0.0" })
    for (let n = 0; n < 300; n++) run(first.set(key(n), `{"d":"${n}"}`))
    await runAsync(first.flush)
    const second = makeDiskLevel({ dir, tag: "1/1.0.0" })
    expect(run(second.get(key(7)))).toBe('{"d":"7"}')
    expect(run(second.size).entries).toBe(300)
  })

  it("a new cache's first write of many shards is one file (pack.log), read by the next process under what shards add later, and folded into its shards by prune", async () => {
    const dir = freshDir()
    const first = makeDiskLevel({ dir, tag: "1/1.0.0" })
    run(first.setMany!(Array.from({ length: 300 }, (_, n) => [key(n), `{"d":"${n}"}`] as const)))
    await runAsync(first.flush)
    expect(readdirSync(join(dir, "results")).sort()).toEqual(["pack.log", "pruned"])
    // A block a write: its header names each shard's bytes, then the records.
    expect(readFileSync(join(dir, "results", "pack.log"), "latin1")).toMatch(/^#pack ([0-9a-f]{2}:\d+ ){63}[0-9a-f]{2}:\d+\n[0-9a-f]{8} /)
    // A torn block after it (a write cut short) and garbage: its records are misses, the others read.
    appendFileSync(join(dir, "results", "pack.log"), `#pack 00:99999 01:5\n0123abcd ${key(0)} zz`)
    const second = makeDiskLevel({ dir, tag: "1/1.0.0" })
    expect(run(second.get(key(7)))).toBe(`{"d":"7"}`)
    expect(run(second.get(key(0)))).toBe(`{"d":"0"}`)
    appendFileSync(join(dir, "results", "pack.log"), "\u0000garbage\n")
    expect(run(makeDiskLevel({ dir, tag: "1/1.0.0" }).size).entries).toBe(300)
    run(second.set(key(7), `{"d":"seven"}`))
    await runAsync(second.flush)
    const third = makeDiskLevel({ dir, tag: "1/1.0.0" })
    expect([run(third.get(key(7))), run(third.get(key(8)))]).toEqual([`{"d":"seven"}`, `{"d":"8"}`])
    expect(run(third.size).entries).toBe(300)
    expect(await runAsync(third.prune)).toBe(2) // key(7)'s first record, superseded, and the torn one
    expect(readdirSync(join(dir, "results"))).not.toContain("pack.log")
    const fourth = makeDiskLevel({ dir, tag: "1/1.0.0" })
    expect([run(fourth.get(key(7))), run(fourth.get(key(299)))]).toEqual([`{"d":"seven"}`, `{"d":"299"}`])
    expect(run(fourth.size).entries).toBe(300)
  })

  it("skips damaged and torn records instead of believing them", async () => {
    const dir = freshDir()
    const level = makeDiskLevel({ dir, tag: "t" })
    run(level.set(key(1), "good"))
    run(level.set(key(257), "also good")) // the same shard as key(1)
    await runAsync(level.flush)
    const shard = join(dir, "results", readdirSync(join(dir, "results")).find((n) => n.endsWith(".log"))!)
    const [line1, line2] = readFileSync(shard, "utf8").split("\n")
    // A flipped character in the value, a line cut short, and garbage.
    writeFileSync(shard, `${line1!.replace("good", "gooD")}\n${line2!.slice(0, 30)}\n\u0000\u0001garbage\n`)
    const reread = makeDiskLevel({ dir, tag: "t" })
    expect(run(reread.get(key(1)))).toBeUndefined()
    expect(run(reread.get(key(257)))).toBeUndefined()
  })

  it("two processes appending at once lose no record and tear none", async () => {
    const dir = freshDir()
    // Beside the package, so the script finds its dependencies.
    const scripts = mkdtempSync(join(packageRoot, ".test-writer-"))
    dirs.push(scripts)
    const script = join(scripts, "writer.mjs")
    writeFileSync(script, `
      import { Effect } from "effect"
      import { makeDiskLevel } from ${JSON.stringify(new URL("../../dist/platform/node.js", import.meta.url).href)}
      const [who, dir] = process.argv.slice(2)
      const level = makeDiskLevel({ dir, tag: "t" })
      for (let n = 0; n < 5000; n++) {
        Effect.runSync(level.set(who + n.toString(16).padStart(38, "0"), "value-" + who + "-" + n))
        if (n % 100 === 0) Effect.runSync(level.set("00".repeat(20), "x"))
      }
      await Effect.runPromise(level.flush)
    `)
    await Promise.all(["aa", "ab"].map((who) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [script, who, dir], { stdio: "inherit" })
        child.on("exit", (code) => code === 0 ? resolve() : reject(new Error(`writer exited ${code}`)))
      })
    ))
    const level = makeDiskLevel({ dir, tag: "t" })
    expect(run(level.size).entries).toBe(10_001)
    expect(run(level.get("ab" + (4321).toString(16).padStart(38, "0")))).toBe("value-ab-4321")
  }, 60_000)

  it("prune drops other versions' records, then the least recently used beyond the limits", async () => {
    const dir = freshDir()
    let now = 1_000_000
    const old = makeDiskLevel({ dir, tag: "1/0.9.0", now: () => now })
    run(old.set(key(1), "from the old version"))
    await runAsync(old.flush)
    const level = makeDiskLevel({ dir, tag: "1/1.0.0", limits: { maxEntries: 2, maxBytes: 1 << 20 }, now: () => now })
    for (let n = 2; n <= 4; n++) {
      now += 1000
      run(level.set(key(n), `v${n}`))
    }
    expect(await runAsync(level.prune)).toBe(2) // the old version's record and the oldest of three
    const reread = makeDiskLevel({ dir, tag: "1/1.0.0" })
    expect([2, 3, 4].map((n) => run(reread.get(key(n))))).toEqual([undefined, "v3", "v4"])
    expect(makeDiskLevel({ dir, tag: "1/0.9.0" }).get(key(1)).pipe(run)).toBeUndefined()
  })

  it("prune drops check indexes not written for 30 days, and temporary files a killed write left", async () => {
    const dir = freshDir()
    const checks = join(dir, "results", "checks")
    mkdirSync(checks, { recursive: true })
    for (const name of ["used.idx", "old.idx", "killed.idx.1.x.tmp"]) writeFileSync(join(checks, name), "")
    const level = makeDiskLevel({ dir, tag: "t", now: () => Date.now() + CHECK_INDEX_MAX_AGE_MS - 60_000 })
    run(level.set(key(1), "v"))
    const month = new Date(Date.now() - CHECK_INDEX_MAX_AGE_MS)
    utimesSync(join(checks, "old.idx"), month, month)
    expect(await runAsync(level.prune)).toBe(2)
    expect(readdirSync(checks)).toEqual(["used.idx"])
  })

  it("a full disk fails the level, and the cache goes on in memory with the reason", async () => {
    const dir = freshDir()
    const full = (path: string) => {
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: "ENOSPC" })
    }
    const cache = make({
      levels: [makeMemoryLevel(), makeDiskLevel({ dir, tag: "t", append: full })],
      identify: () => Effect.succeed([]),
      appVersion: "1",
      kernelVersion: () => "k"
    })
    const k = { kind: "digest", parts: ["x"] }
    await runAsync(cache.set(k, "v"))
    await runAsync(cache.flush)
    expect(await runAsync(cache.get(k))).toBe("v")
    expect((await runAsync(cache.stats)).levels[1]!.degraded).toMatch(/ENOSPC/)
  })

  it("a cache directory that is a file fails the level with the reason", () => {
    const dir = freshDir()
    writeFileSync(join(dir, "results"), "not a directory")
    const level = makeDiskLevel({ dir, tag: "t" })
    const failure = Effect.runSync(Effect.flip(level.get(key(1))))
    expect(failure.detail).toMatch(/ENOTDIR/)
  })

  it("writes its files readable by the owner only", async () => {
    const dir = freshDir()
    const level = makeDiskLevel({ dir, tag: "t" })
    run(level.set(key(1), "v"))
    await runAsync(level.flush)
    const listing = execFileSync("ls", ["-l", join(dir, "results")], { encoding: "utf8" })
    expect(listing).toMatch(/-rw------- .* \w\w\.log/)
  })
})
