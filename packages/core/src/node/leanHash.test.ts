import { createHash } from "node:crypto"
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { hashFileNow, hashShared, LEAN_BATCH, LEAN_READ_BYTES, type LeanBatch, leanIdentity, makeLeanDigestCache } from "./leanHash.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-lean-hash-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const bytes = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff))
const digest = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest("hex")

describe("hashFileNow", () => {
  it("gives node:crypto's digests of the whole file, in one call or through its buffer, at the buffer's edges", () => {
    const scratch = Buffer.alloc(LEAN_READ_BYTES)
    for (const length of [0, 1, LEAN_READ_BYTES - 1, LEAN_READ_BYTES, LEAN_READ_BYTES + 1, 3 * LEAN_READ_BYTES + 7]) {
      const data = bytes(length, length)
      const path = join(dir, `f${length}`)
      writeFileSync(path, data)
      const result = hashFileNow(path, ["sha256", "sha512"], scratch)
      expect(result.digests, `${length} bytes`).toEqual([digest("sha256", data), digest("sha512", data)])
      expect(result.bytes).toBe(length)
      expect(result.after).toBe(leanIdentity(statSync(path, { bigint: true })).key)
    }
  })
})

describe("hashShared", () => {
  it("two takers on one counter hash every file exactly once, and a missing file is an empty digest", () => {
    const paths = Array.from({ length: 3 * LEAN_BATCH + 5 }, (_, i) => {
      const path = join(dir, `s${i}`)
      writeFileSync(path, bytes(i, 1))
      return path
    })
    paths.push(join(dir, "missing"))
    const counter = new Int32Array(new SharedArrayBuffer(4))
    const seen = new Map<number, string>()
    const take = ({ at, digests }: LeanBatch) => digests.forEach((d, k) => {
      expect(seen.has(at + k)).toBe(false)
      seen.set(at + k, d)
    })
    hashShared(paths, ["sha256"], counter, take, false)
    hashShared(paths, ["sha256"], counter, take, false)
    expect(seen.size).toBe(paths.length)
    paths.slice(0, -1).forEach((_, i) => expect(seen.get(i)).toBe(digest("sha256", bytes(i, 1))))
    expect(seen.get(paths.length - 1)).toBe("")
  })
})

describe("makeLeanDigestCache", () => {
  it("answers what it stored while the file is unchanged, never for another size, nor what changed while it was read", () => {
    const cacheDir = join(dir, "cache")
    const path = join(dir, "cached")
    writeFileSync(path, "cached bytes\n")
    const identity = leanIdentity(statSync(path, { bigint: true }))
    const first = makeLeanDigestCache(cacheDir)
    const keys = first.ids(identity, ["sha256"])
    first.store(path, identity, keys, ["ab".repeat(32)], identity.size, identity.key)
    first.close()
    const again = makeLeanDigestCache(cacheDir)
    expect(again.lookup(path, identity, keys)).toEqual(["ab".repeat(32)])
    expect(again.lookup(path, { ...identity, size: identity.size + 1 }, keys)).toBeUndefined()
    const other = join(dir, "changed-while-read")
    writeFileSync(other, "x")
    const otherIdentity = leanIdentity(statSync(other, { bigint: true }))
    const otherKeys = again.ids(otherIdentity, ["sha256"])
    again.store(other, otherIdentity, otherKeys, ["cd".repeat(32)], 1, "another key")
    again.close()
    expect(makeLeanDigestCache(cacheDir).lookup(other, otherIdentity, otherKeys)).toBeUndefined()
  })

  it("lookupAll answers many files as lookup answers each: a digest for the unchanged, none for a changed size or a file never stored", () => {
    const cacheDir = join(dir, "cache-all")
    const paths = Array.from({ length: 40 }, (_, i) => join(dir, `all-${i}`))
    paths.forEach((path, i) => writeFileSync(path, bytes(100 + i, i)))
    const identities = paths.map((path) => leanIdentity(statSync(path, { bigint: true })))
    const first = makeLeanDigestCache(cacheDir)
    const keys = identities.map((identity) => first.ids(identity, ["sha256", "md5"]))
    paths.forEach((path, i) => {
      if (i % 10 !== 3) first.store(path, identities[i]!, keys[i]!, [digest("sha256", bytes(100 + i, i)), digest("md5", bytes(100 + i, i))], identities[i]!.size, identities[i]!.key)
    })
    first.close()
    const asked = identities.map((identity, i) => (i % 10 === 5 ? { ...identity, size: identity.size + 1 } : identity))
    const each = makeLeanDigestCache(cacheDir)
    const expected = paths.map((path, i) => each.lookup(path, asked[i]!, keys[i]!))
    const all = makeLeanDigestCache(cacheDir).lookupAll(paths, asked, keys)
    expect(all).toEqual(expected)
    expect(all.filter((found) => found === undefined)).toHaveLength(8)
    expect(all[0]).toEqual([digest("sha256", bytes(100, 0)), digest("md5", bytes(100, 0))])
  })
})
