import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { parseCheckLines, wronglyReported } from "./cache.js"
import { MIXED_WORKLOAD } from "./cacheWorkload.js"
import { changeFiles, generateTree, KiB, treeBytes, treeFiles } from "./inputs.js"

const dirs: Array<string> = []
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-cache-test-"))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe("check verdicts", () => {
  it("reads sluice check's and sha256sum -c's lines, names with colons included", () => {
    const verdicts = parseCheckLines("a/b: OK\nc: FAILED\nd: FAILED open or read\ne:f: OK\nsluice: WARNING: 1 computed checksum did NOT match\n")
    expect([...verdicts]).toEqual([["a/b", "OK"], ["c", "FAILED"], ["d", "FAILED"], ["e:f", "OK"]])
  })

  it("counts every file whose verdict is not the expected one, and lines for files not in the tree", () => {
    const files = ["a", "b", "c", "d"]
    const changed = new Set(["b"])
    expect(wronglyReported(new Map([["a", "OK"], ["b", "FAILED"], ["c", "OK"], ["d", "OK"]]), files, changed)).toEqual([])
    // b said OK although it changed; c said FAILED although it did not; d not reported; x not in the tree.
    expect(wronglyReported(new Map([["a", "OK"], ["b", "OK"], ["c", "FAILED"], ["x", "OK"]]), files, changed)).toEqual(["b", "c", "d", "x"])
  })
})

describe("trees", () => {
  it("generates files in name order, in folders, with the big ones first", () => {
    const spec = { count: 5, bytes: 4 * KiB, perDir: 2, big: { count: 1, bytes: 8 * KiB } }
    const files = generateTree(join(scratch(), "t"), spec)
    expect(files).toHaveLength(treeFiles(spec))
    expect(files.map((f) => f.split("/").slice(-2).join("/"))).toEqual([
      "big/b1.bin",
      "d000/f00001.bin",
      "d000/f00002.bin",
      "d001/f00003.bin",
      "d001/f00004.bin",
      "d002/f00005.bin"
    ])
    expect([...files].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(files)
    expect(files.reduce((n, f) => n + statSync(f).size, 0)).toBe(treeBytes(spec))
  })

  it("changes one file in `every`, taking the three kinds of change in turn", () => {
    const files = generateTree(join(scratch(), "t"), { count: 9, bytes: 8 * KiB, perDir: 100 })
    const before = files.map((f) => readFileSync(f))
    const changes = changeFiles(files, 3, 1)
    expect(changes.map((c) => [files.indexOf(c.path), c.how])).toEqual([[1, "rewrite"], [4, "append"], [7, "truncate"]])
    const after = files.map((f) => readFileSync(f))
    expect(after[1]!.length).toBe(8 * KiB)
    expect(after[1]!.subarray(0, 4 * KiB).equals(before[1]!.subarray(0, 4 * KiB))).toBe(false)
    expect(after[1]!.subarray(4 * KiB).equals(before[1]!.subarray(4 * KiB))).toBe(true)
    expect(after[4]!.length).toBe(12 * KiB)
    expect(after[7]!.length).toBe(4 * KiB)
    for (const i of [0, 2, 3, 5, 6, 8]) expect(after[i]!.equals(before[i]!)).toBe(true)
  })
})

describe("the mixed workload", () => {
  it("has the ceiling its budget states: 13 operations, 2 x files + 2 x changed first sights", () => {
    const ops = MIXED_WORKLOAD.filter((s) => s.op !== "change")
    expect(ops).toHaveLength(13)
    const files = 1000
    const changed = 100
    const seen = new Set<string>()
    let firstSights = 0
    let version = 0
    for (const step of MIXED_WORKLOAD) {
      if (step.op === "change") {
        version++
        continue
      }
      for (let i = 0; i < files; i++) {
        const key = `${step.algorithm} ${i} ${i < changed ? version : 0}`
        if (!seen.has(key)) {
          seen.add(key)
          firstSights++
        }
      }
    }
    expect(firstSights).toBe(2 * files + 2 * changed)
    expect(100 * (1 - firstSights / (ops.length * files))).toBeCloseTo(83.1, 1)
  })
})
