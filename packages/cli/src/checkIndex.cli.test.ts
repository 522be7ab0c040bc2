/**
 * The check index from the command line: a re-check of an unchanged tree says exactly what
 * the full check says (lines, warnings, exit code), a damaged index or a changed file is
 * checked the full way, and `--no-cache` and `cache clear` leave none behind.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { beforeAll, describe, expect, it } from "vitest"
import { INLINE_LIMITS } from "./checkMain.js"
import { binPath, pseudoRandomBytes, requireTools, sluice, tool, useTempDir } from "./cli.testkit.js"

requireTools("sha256sum", "b3sum")
const root = useTempDir("check-index")
const env = { SLUICE_CACHE_DIR: join(root, "cache") }
const indexes = () => {
  const dir = join(root, "cache", "results", "checks")
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".idx")) : []
}
const files = Array.from({ length: 20 }, (_, i) => `tree/f${i}.bin`)
/** More files than a check reads itself (`INLINE_LIMITS`): a first check on an empty cache hashes them as the lean hash does. */
const many = Array.from({ length: INLINE_LIMITS.files + 1 }, (_, i) => `many/m${i}.bin`)

beforeAll(async () => {
  tool("mkdir", ["-p", join(root, "tree")])
  files.forEach((file, i) => writeFileSync(join(root, file), pseudoRandomBytes(100 + i * 300, i + 1)))
  const lines = tool("sha256sum", files, { cwd: root }).stdout.split("\n")
  // A --tag line: its name does not end the line, so the index keeps no offsets and a re-check parses SUMS.
  lines[5] = tool("sha256sum", ["--tag", files[5]!], { cwd: root }).stdout.trim()
  // One wrong digest, one line that does not parse.
  lines[3] = `${"0".repeat(64)}  ${files[3]}`
  writeFileSync(join(root, "SUMS"), [...lines.slice(0, -1), "not a checksum line", ""].join("\n"))
  tool("mkdir", ["-p", join(root, "many")])
  many.forEach((file, i) => writeFileSync(join(root, file), pseudoRandomBytes(1 + (i % 97) * 41, 5000 + i)))
  // The peers' own lists, one digest wrong in each.
  for (const [peer, sums] of [["sha256sum", "MANY"], ["b3sum", "B3MANY"]] as const) {
    const listed = tool(peer, many, { cwd: root }).stdout.split("\n")
    listed[7] = `${"0".repeat(64)}  ${many[7]}`
    writeFileSync(join(root, sums), listed.join("\n"))
  }
  // BSD lines (not plain: parsed and hashed in JavaScript's path, hashMain.ts's `digestsOf`).
  const tagged = tool("sha256sum", ["--tag", ...many], { cwd: root }).stdout.split("\n")
  tagged[7] = `SHA256 (${many[7]}) = ${"0".repeat(64)}`
  writeFileSync(join(root, "TAGMANY"), tagged.join("\n"))
  // Settled: a file whose ctime is within 2 s of the check is never indexed.
  await sleep(2_100)
})

const FLAGS = [[], ["--quiet"], ["--status"], ["--strict"], ["--quiet", "--strict"]]
/** The full program (not the lean check: checkMain.ts), reading every file: the reference each lean answer is held to. */
const FULL = { cwd: root, env: { SLUICE_LEAN: "0" } }

describe("sluice check SUMS again", () => {
  it("answers from the check index with the full check's lines, warnings and exit code", async () => {
    for (const flags of FLAGS) {
      const reference = await sluice(["check", "--no-cache", ...flags, "SUMS"], FULL)
      const first = await sluice(["check", ...flags, "SUMS"], { cwd: root, env })
      expect(indexes()).toHaveLength(1)
      const again = await sluice(["check", ...flags, "SUMS"], { cwd: root, env })
      for (const result of [first, again]) {
        expect({ stdout: result.stdout, stderr: result.stderr, status: result.status }).toEqual({
          stdout: reference.stdout,
          stderr: reference.stderr,
          status: reference.status
        })
      }
    }
    const sha = tool("sha256sum", ["-c", "SUMS"], { cwd: root })
    expect((await sluice(["check", "SUMS"], { cwd: root, env })).stdout).toBe(sha.stdout)
  })

  it("answers a plain checksum file where every file is OK with the full check's lines", async () => {
    // sha256sum's own lines (the index keeps each name's offset), each digest right; a cache of its own.
    writeFileSync(join(root, "PLAIN"), tool("sha256sum", files, { cwd: root }).stdout)
    const env = { SLUICE_CACHE_DIR: join(root, "cache-plain") }
    for (const flags of [[], ["--quiet"], ["--status"]]) {
      const reference = await sluice(["check", "--no-cache", ...flags, "PLAIN"], FULL)
      await sluice(["check", ...flags, "PLAIN"], { cwd: root, env })
      const again = await sluice(["check", ...flags, "PLAIN"], { cwd: root, env })
      expect({ stdout: again.stdout, stderr: again.stderr, status: again.status }).toEqual({
        stdout: reference.stdout,
        stderr: reference.stderr,
        status: 0
      })
    }
    expect((await sluice(["check", "PLAIN"], { cwd: root, env })).stdout).toBe(files.map((file) => `${file}: OK\n`).join(""))
  })

  it("answers a first check after `sluice hash` from the result cache with the full check's lines, and writes the index", async () => {
    const env = { SLUICE_CACHE_DIR: join(root, "cache-hashed") }
    const checks = join(root, "cache-hashed", "results", "checks")
    expect((await sluice(["hash", ...files], { cwd: root, env })).status).toBe(0)
    for (const flags of FLAGS) {
      const reference = await sluice(["check", "--no-cache", ...flags, "SUMS"], FULL)
      rmSync(checks, { recursive: true, force: true })
      const first = await sluice(["check", ...flags, "SUMS"], { cwd: root, env })
      expect({ stdout: first.stdout, stderr: first.stderr, status: first.status }).toEqual({
        stdout: reference.stdout,
        stderr: reference.stderr,
        status: reference.status
      })
      expect(readdirSync(checks).filter((f) => f.endsWith(".idx"))).toHaveLength(1)
    }
  })

  it("answers a first check of a plain checksum file after `sluice hash` with sha256sum -c's lines: a wrong digest, one in capitals, a binary line", async () => {
    // Every line `HEX  NAME` or `HEX *NAME`: where @sluice/native is built, one call answers it (checkMain.ts's `fromRecords`).
    const lines = tool("sha256sum", files, { cwd: root }).stdout.split("\n")
    lines[2] = `${"0".repeat(64)}  ${files[2]}`
    lines[4] = lines[4]!.slice(0, 64).toUpperCase() + lines[4]!.slice(64)
    lines[6] = `${lines[6]!.slice(0, 65)}*${lines[6]!.slice(66)}`
    writeFileSync(join(root, "PLAINBAD"), lines.join("\n"))
    const env = { SLUICE_CACHE_DIR: join(root, "cache-plain-first") }
    const checks = join(root, "cache-plain-first", "results", "checks")
    expect((await sluice(["hash", ...files], { cwd: root, env })).status).toBe(0)
    for (const flags of FLAGS) {
      const reference = await sluice(["check", "--no-cache", ...flags, "PLAINBAD"], FULL)
      rmSync(checks, { recursive: true, force: true })
      const first = await sluice(["check", ...flags, "PLAINBAD"], { cwd: root, env })
      expect({ stdout: first.stdout, stderr: first.stderr, status: first.status }).toEqual({ stdout: reference.stdout, stderr: reference.stderr, status: 1 })
      expect(readdirSync(checks).filter((f) => f.endsWith(".idx"))).toHaveLength(1)
    }
    rmSync(checks, { recursive: true, force: true })
    const sha = tool("sha256sum", ["-c", "PLAINBAD"], { cwd: root })
    expect((await sluice(["check", "PLAINBAD"], { cwd: root, env })).stdout).toBe(sha.stdout)
    expect(sha.stdout).toContain(`${files[2]}: FAILED\n`)
  })

  it("reads and hashes the few files changed since `sluice hash` in a first check: sha256sum -c's lines, and their digests cached", async () => {
    const env = { SLUICE_CACHE_DIR: join(root, "cache-changed") }
    tool("mkdir", ["-p", join(root, "changed")])
    const changed = Array.from({ length: 6 }, (_, i) => `changed/g${i}.bin`)
    changed.forEach((file, i) => writeFileSync(join(root, file), pseudoRandomBytes(500 + i * 700, 100 + i)))
    writeFileSync(join(root, "CHANGED"), tool("sha256sum", changed, { cwd: root }).stdout)
    expect((await sluice(["hash", ...changed], { cwd: root, env })).status).toBe(0)
    // One rewritten (same size), one grown, one cut: each read again.
    writeFileSync(join(root, changed[1]!), pseudoRandomBytes(500 + 700, 999))
    writeFileSync(join(root, changed[3]!), Buffer.concat([readFileSync(join(root, changed[3]!)), Buffer.from("more")]))
    writeFileSync(join(root, changed[5]!), readFileSync(join(root, changed[5]!)).subarray(0, 100))
    const reference = await sluice(["check", "--no-cache", "CHANGED"], FULL)
    const first = await sluice(["check", "CHANGED"], { cwd: root, env })
    expect({ stdout: first.stdout, stderr: first.stderr, status: first.status }).toEqual({ stdout: reference.stdout, stderr: reference.stderr, status: 1 })
    expect(first.stdout).toBe(tool("sha256sum", ["-c", "CHANGED"], { cwd: root }).stdout)
    // Their new digests were cached: a hash of them answers from the cache.
    const again = await sluice(["hash", "--json", changed[1]!, changed[3]!, changed[5]!], { cwd: root, env })
    expect(again.stdout.trim().split("\n").map((line) => JSON.parse(line)["cached"])).toEqual([true, true, true])
  })

  it("hashes every file of a first check on an empty cache, of lists sha256sum and b3sum made: their -c lines, the full check's warnings, the digests cached and the index written", async () => {
    const lists = [
      { peer: "sha256sum", flags: [], sums: "MANY", more: {} },
      { peer: "b3sum", flags: ["-a", "blake3"], sums: "B3MANY", more: {} },
      { peer: "sha256sum", flags: [], sums: "TAGMANY", more: {} },
      // Without @sluice/native's batches: node:crypto on this thread and a lean worker.
      { peer: "sha256sum", flags: [], sums: "MANY", more: { SLUICE_NATIVE_BATCH: "0" } }
    ]
    for (const [k, { flags, more, peer, sums }] of lists.entries()) {
      const cache = join(root, `cache-many-${k}`)
      const env = { SLUICE_CACHE_DIR: cache, ...more }
      const reference = await sluice(["check", "--no-cache", ...flags, sums], FULL)
      const first = await sluice(["check", ...flags, sums], { cwd: root, env })
      expect({ stdout: first.stdout, stderr: first.stderr, status: first.status }).toEqual({ stdout: reference.stdout, stderr: reference.stderr, status: 1 })
      expect(first.stdout).toBe(tool(peer, ["-c", sums], { cwd: root }).stdout)
      expect(first.stdout).toContain(`${many[7]}: FAILED\n`)
      expect(readdirSync(join(cache, "results", "checks")).filter((f) => f.endsWith(".idx"))).toHaveLength(1)
      // Every digest cached: a hash of the files answers from the cache.
      const hashed = await sluice(["hash", "--json", ...flags, ...many.slice(0, 50)], { cwd: root, env })
      expect(hashed.stdout.trim().split("\n").map((line) => JSON.parse(line)["cached"])).toEqual(many.slice(0, 50).map(() => true))
      const again = await sluice(["check", ...flags, sums], { cwd: root, env })
      expect({ stdout: again.stdout, status: again.status }).toEqual({ stdout: first.stdout, status: 1 })
    }
  })

  it("closes the result cache after a first check it answered, as the hash does: one last pruned over a day ago is pruned", async () => {
    const env = { SLUICE_CACHE_DIR: join(root, "cache-pruned") }
    const results = join(root, "cache-pruned", "results")
    expect((await sluice(["hash", ...files], { cwd: root, env })).status).toBe(0)
    const daysAgo = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000)
    utimesSync(join(results, "pruned"), daysAgo, daysAgo)
    expect((await sluice(["check", "SUMS"], { cwd: root, env })).status).toBe(1)
    // Pruning ran (it takes the time) and left the records in their shards, the pack (where the hash wrote one) gone.
    expect(Date.now() - statSync(join(results, "pruned")).mtimeMs).toBeLessThan(60_000)
    expect(existsSync(join(results, "pack.log"))).toBe(false)
    expect(readdirSync(results).filter((f) => f.endsWith(".log")).length).toBeGreaterThan(0)
    expect(readdirSync(join(results, "checks")).filter((f) => f.endsWith(".idx"))).toHaveLength(1)
  })

  it("ends quietly with 141 when its reader went away, as the full program does", () => {
    // `true` exits before the check prints: the write finds no reader (EPIPE).
    const piped = spawnSync("bash", ["-c", '"$@" | true; echo "${PIPESTATUS[0]}"', "bash", process.execPath, binPath, "check", "SUMS"], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: "utf8"
    })
    expect({ stdout: piped.stdout, stderr: piped.stderr }).toEqual({ stdout: "141\n", stderr: "" })
  })

  it("checks the full way past a damaged index, and writes it again", async () => {
    const [name] = indexes()
    const path = join(root, "cache", "results", "checks", name!)
    const whole = readFileSync(path)
    const damaged = Buffer.from(whole)
    damaged[damaged.length - 40] = damaged[damaged.length - 40]! ^ 0xff
    writeFileSync(path, damaged)
    const again = await sluice(["check", "SUMS"], { cwd: root, env })
    expect(again.stdout).toBe(tool("sha256sum", ["-c", "SUMS"], { cwd: root }).stdout)
    expect(readFileSync(path)).toEqual(whole)
  })

  it("reads a file rewritten since: FAILED where sha256sum -c says so; a missing file is the full check's", async () => {
    writeFileSync(join(root, files[7]!), "rewritten\n")
    const again = await sluice(["check", "SUMS"], { cwd: root, env })
    expect(again.stdout).toBe(tool("sha256sum", ["-c", "SUMS"], { cwd: root }).stdout)
    expect(again.stdout).toContain(`${files[7]}: FAILED\n`)
    expect(again.status).toBe(1)
    expect(indexes()).toHaveLength(1)
    // Rewritten with the bytes it had: OK again, read again (its new identity is not settled yet).
    writeFileSync(join(root, files[7]!), pseudoRandomBytes(100 + 7 * 300, 8))
    expect((await sluice(["check", "SUMS"], { cwd: root, env })).stdout).toBe(tool("sha256sum", ["-c", "SUMS"], { cwd: root }).stdout)
    tool("rm", [join(root, files[9]!)])
    const reference = await sluice(["check", "--no-cache", "SUMS"], FULL)
    const missing = await sluice(["check", "SUMS"], { cwd: root, env })
    expect({ stdout: missing.stdout, stderr: missing.stderr, status: missing.status }).toEqual({
      stdout: reference.stdout,
      stderr: reference.stderr,
      status: reference.status
    })
    expect(missing.status).toBe(3)
  })

  it("reads every file with --no-cache, with the full program's lines, warnings and exit code: SUMS, and lists sha256sum and b3sum made", async () => {
    for (const [flags, sums] of [...FLAGS.map((flags) => [flags, "SUMS"] as const), [[], "MANY"], [["--quiet"], "TAGMANY"], [["-a", "blake3"], "B3MANY"]] as const) {
      const reference = await sluice(["check", "--no-cache", ...flags, sums], FULL)
      const lean = await sluice(["check", "--no-cache", ...flags, sums], { cwd: root })
      expect({ sums, stdout: lean.stdout, stderr: lean.stderr, status: lean.status }).toEqual({ sums, stdout: reference.stdout, stderr: reference.stderr, status: reference.status })
    }
  })

  it("writes none with --no-cache, and `cache clear` removes them", async () => {
    const other = { SLUICE_CACHE_DIR: join(root, "cache-other") }
    await sluice(["check", "--no-cache", "SUMS"], { cwd: root, env: other })
    await sluice(["check", "--no-cache", "MANY"], { cwd: root, env: other })
    expect(existsSync(join(root, "cache-other"))).toBe(false)
    writeFileSync(join(root, files[9]!), pseudoRandomBytes(100 + 9 * 300, 10))
    await sleep(2_100)
    await sluice(["check", "SUMS"], { cwd: root, env })
    expect(indexes()).toHaveLength(1)
    expect((await sluice(["cache", "clear"], { cwd: root, env })).status).toBe(0)
    expect(indexes()).toEqual([])
  })
})
