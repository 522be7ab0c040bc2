import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type FindRecords, makeDiskStore } from "./diskCacheStore.js"
import { nativeBatch } from "./nativeBatch.js"

const dirs: Array<string> = []
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-disk-store-"))
  dirs.push(dir)
  return dir
}
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

const key = (n: number) => n.toString(16).padStart(40, "0").replace(/^00/, (n % 256).toString(16).padStart(2, "0"))
const DAY = 24 * 60 * 60 * 1000
const addon = nativeBatch()
const find: FindRecords | undefined = addon?.findRecords === undefined
  ? undefined
  : (records, tag, keys, touchBefore) => addon.findRecords!(records, tag, keys, touchBefore)

/**
 * A cache as a tree's first hash leaves it (every record in pack.log), then records a later
 * run appended to the shards (one superseding a packed one, one of another version), and
 * damage: a flipped character, a torn line, garbage.
 */
const usedCache = (dir: string, now: number) => {
  const first = makeDiskStore({ dir, tag: "2/1.0.0", now: () => now })
  for (let n = 0; n < 300; n++) first.put(key(n), `{"d":"${n}"}`, now - (n % 2) * 2 * DAY)
  first.flushSync()
  const later = makeDiskStore({ dir, tag: "2/1.0.0", now: () => now })
  later.put(key(7), `{"d":"seven"}`, now)
  later.put(key(301), `{"d":"301"}`, now)
  later.flushSync()
  const other = makeDiskStore({ dir, tag: "1/0.9.0", now: () => now })
  other.put(key(8), `{"d":"another version"}`, now)
  other.flushSync()
  // A sound record of key(5) in another shard's file: never read for key(5).
  const elsewhere = freshDir()
  const maker = makeDiskStore({ dir: elsewhere, tag: "2/1.0.0", now: () => now })
  maker.put(key(5), `{"d":"misplaced"}`, now)
  maker.flushSync()
  appendFileSync(join(dir, "results", `${key(6).slice(0, 2)}.log`), readFileSync(join(elsewhere, "results", `${key(5).slice(0, 2)}.log`)))
  const shard = join(dir, "results", `${key(9).slice(0, 2)}.log`)
  const packed = readFileSync(join(dir, "results", "pack.log"), "utf8").split("\n").find((line) => line.includes(` ${key(9)} `))!
  appendFileSync(shard, `${packed.replace('{"d":"9"}', '{"d":"6"}')}\n${packed.slice(0, 30)}`)
}

describe("the disk store's lookupMany", () => {
  it.skipIf(find === undefined)("answers every key as lookup does, @sluice/native's findRecords reading the records", () => {
    const dir = freshDir()
    const now = Date.UTC(2026, 11, 7)
    usedCache(dir, now)
    const keys = Array.from({ length: 310 }, (_, n) => key(n))
    const one = makeDiskStore({ dir, tag: "2/1.0.0", now: () => now })
    const expected = keys.map((k) => one.lookup(k, now))
    const many = makeDiskStore({ dir, tag: "2/1.0.0", now: () => now })
    const found = many.lookupMany(keys, now, find!)
    expect(found).toEqual(expected)
    expect([found[5], found[7], found[8], found[9], found[10], found[301], found[305]]).toEqual([`{"d":"5"}`, `{"d":"seven"}`, `{"d":"8"}`, `{"d":"9"}`, `{"d":"10"}`, `{"d":"301"}`, undefined])
  })

  it.skipIf(find === undefined)("writes again the records it finds more than a day old, as lookup does, so pruning keeps them", () => {
    const dir = freshDir()
    const now = Date.UTC(2026, 11, 7)
    usedCache(dir, now)
    const keys = Array.from({ length: 300 }, (_, n) => key(n))
    const many = makeDiskStore({ dir, tag: "2/1.0.0", now: () => now })
    many.lookupMany(keys, now, find!)
    many.flushSync()
    const rewritten = readdirSync(join(dir, "results"))
      .filter((name) => /^[0-9a-f]{2}\.log$/.test(name))
      .flatMap((name) => readFileSync(join(dir, "results", name), "utf8").split("\n"))
      .filter((line) => line.endsWith(`${now.toString(36)} 2/1.0.0 {"d":"1"}`) || line.endsWith(`${now.toString(36)} 2/1.0.0 {"d":"2"}`))
    // key(1) was written two days before: written again now; key(2), written now, is not.
    expect(rewritten).toHaveLength(1)
    expect(rewritten[0]).toContain(` ${key(1)} `)
  })

  it.skipIf(find === undefined)("reads a shard it holds writes for as lookup does: what was put and not yet flushed is found", () => {
    const dir = freshDir()
    const now = Date.UTC(2026, 11, 7)
    usedCache(dir, now)
    const store = makeDiskStore({ dir, tag: "2/1.0.0", now: () => now })
    store.put(key(5), `{"d":"five"}`, now)
    expect(store.lookupMany([key(5), key(6)], now, find!)).toEqual([`{"d":"five"}`, `{"d":"6"}`])
    // A clock that reads less than a day: nothing is older than that.
    expect(makeDiskStore({ dir, tag: "2/1.0.0", now: () => 1000 }).lookupMany([key(6)], 1000, find!)).toEqual([`{"d":"6"}`])
  })
})
