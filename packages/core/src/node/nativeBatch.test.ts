import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, it, vi } from "vitest"
import { FIELDS, identityFields, verdictsFromIndex } from "./checkIndex.js"
import { identityKey, leanLevelKeyPrefix, makeLeanDigestCache } from "./leanHash.js"
import { batchAlgorithm, hashFilesNative, keyCtimeNs, keySize, nativeBatch, statManyNative } from "./nativeBatch.js"
import { sluiceNative } from "./nativeBlake3Addon.js"

const addon = nativeBatch()
const SUITE = addon !== undefined
  ? "@sluice/native's batch calls"
  : "@sluice/native's batch calls: skipped, the addon is not built here (packages/native/scripts/build.mjs)"

const dir = mkdtempSync(join(tmpdir(), "sluice-native-batch-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Files of 0, 1, 4095, 4096, 4097 bytes and one of 1 MiB + 3 (read in pieces of the addon's buffer). */
const sizes = [0, 1, 4095, 4096, 4097, 1024 * 1024 + 3]
const files = sizes.map((size, i) => {
  const path = join(dir, `f${i}`)
  writeFileSync(path, Buffer.alloc(size, i + 1).map((b, k) => (b * 31 + k) & 255))
  return path
})
const bytesOf = (i: number) => Buffer.alloc(sizes[i]!, i + 1).map((b, k) => (b * 31 + k) & 255)

describe.skipIf(addon === undefined)(SUITE, () => {
  it("hashes each file as node:crypto does, with every OpenSSL digest the lean hash takes, and BLAKE3 as the addon's own kernel", async () => {
    const algorithms = ["sha256", "md5", "sha1", "sha512", "sha384", "sha3-256", "blake2b-512"] as const
    const result = await hashFilesNative(addon!, files, algorithms.map((a) => batchAlgorithm(a)!))
    files.forEach((_, i) => {
      expect(result.digests[i]!.split(",")).toEqual(algorithms.map((a) => createHash(batchAlgorithm(a)!).update(bytesOf(i)).digest("hex")))
    })
    const blake3 = await hashFilesNative(addon!, files, ["blake3"])
    const native = sluiceNative()!
    files.forEach((_, i) => expect(blake3.digests[i]).toBe(Buffer.from(native.hash(bytesOf(i))).toString("hex")))
  })

  it("says each file's identity once read as identityKey says a bigint stat's, and marks a file it cannot read", async () => {
    const missing = join(dir, "missing")
    const result = await hashFilesNative(addon!, [files[2]!, missing, dir, files[3]!], ["sha256"])
    expect(result.after[0]).toBe(identityKey(statSync(files[2]!, { bigint: true })))
    expect(result.after[3]).toBe(identityKey(statSync(files[3]!, { bigint: true })))
    // Missing, and a directory (read fails): "" in both.
    expect([result.digests[1], result.after[1], result.digests[2], result.after[2]]).toEqual(["", "", "", ""])
  })

  it("refuses a digest this process's OpenSSL does not have, as a rejection the caller falls back on", async () => {
    await expect(hashFilesNative(addon!, files, ["no-such-digest"])).rejects.toThrow()
  })

  it("stats names in one call: a file's kind and key (links followed), a directory, a missing name", () => {
    const sub = join(dir, "sub")
    mkdirSync(sub, { recursive: true })
    const link = join(dir, "link")
    symlinkSync(files[4]!, link)
    const stats = statManyNative(addon!, [files[4]!, sub, join(dir, "nope"), link])
    const key = identityKey(statSync(files[4]!, { bigint: true }))
    expect(stats).toEqual([{ kind: "f", key }, { kind: "d", key: identityKey(statSync(sub, { bigint: true })) }, undefined, { kind: "f", key }])
    expect(keySize(key)).toBe(4097)
    expect(keyCtimeNs(key)).toBe(statSync(files[4]!, { bigint: true }).ctimeNs)
  })

  it("makes each file's level keys with its stat: the result cache's own, for one algorithm and for several", () => {
    const cache = makeLeanDigestCache(join(dir, "cache"))
    for (const algorithms of [["sha256"], ["sha256", "md5", "sha512"]] as const) {
      const stats = statManyNative(addon!, files.slice(0, 3), algorithms.map((a) => leanLevelKeyPrefix(a)))
      stats.forEach((stat, i) => {
        const key = identityKey(statSync(files[i]!, { bigint: true }))
        expect(stat).toEqual({ kind: "f", key, ids: cache.ids({ key, size: sizes[i]!, ctimeNs: 0n }, algorithms) })
      })
    }
  })

  it("makes the result cache's records of settled files read as stat'ed, as the lean cache's store makes them, and leaves the others to it", async () => {
    const algorithms = ["sha256", "md5"] as const
    const names = algorithms.map((a) => batchAlgorithm(a)!)
    const stats = statManyNative(addon!, files, algorithms.map((a) => leanLevelKeyPrefix(a)))
    const lines = stats.map((stat) => `${stat!.key}\t${stat!.ids!.join(",")}`)
    // The second file's identity "changed" since its stat: no records for it.
    lines[1] = lines[1]!.replace(/^(\d+):/, (_, dev) => `${Number(dev) + 1}:`)
    const viaAddon = makeLeanDigestCache(join(dir, "records-native"))
    const head = viaAddon.recordsHead()!
    // Every file here is settled against a time 10 s ahead, none against one 10 s ago.
    const [tag, t36, settledBefore] = head.split("\t")
    const ahead = [tag, t36, String(BigInt(settledBefore!) + 10_000_000_000n)].join("\t")
    const none = await hashFilesNative(addon!, files, names, { head: [tag, t36, String(BigInt(settledBefore!) - 10n ** 17n)].join("\t"), expect: lines.join("\n") })
    expect([...none.stored!]).toEqual(files.map(() => 0))
    const result = await hashFilesNative(addon!, files, names, { head: ahead, expect: lines.join("\n") })
    expect([...result.stored!]).toEqual(files.map((_, i) => (i === 1 ? 0 : 1)))
    expect(result.shards.reduce((n, s) => n + s.count, 0)).toBe((files.length - 1) * 2)
    for (const { count, shard, text } of result.shards) viaAddon.storeRecords(shard, text, count)
    viaAddon.close()
    // Read back by the lean cache (each record's check value and entry): every digest.
    const reader = makeLeanDigestCache(join(dir, "records-native"))
    files.forEach((file, i) => {
      const found = reader.lookup(file, stats[i]!, stats[i]!.ids!)
      expect(found, file).toEqual(i === 1 ? undefined : result.digests[i]!.split(","))
    })
  })

  it("stats files itself as it opens them where asked (no stat before): refuses unread what is not a regular file or is too large, and makes the same records", async () => {
    const algorithms = ["sha256", "md5"] as const
    const names = algorithms.map((a) => batchAlgorithm(a)!)
    const prefixes = algorithms.map((a) => leanLevelKeyPrefix(a))
    const stats = statManyNative(addon!, files, prefixes)
    const cache = makeLeanDigestCache(join(dir, "records-here"))
    const [tag, t36, settledBefore] = cache.recordsHead()!.split("\t")
    const head = [tag, t36, String(BigInt(settledBefore!) + 10_000_000_000n)].join("\t")
    const expected = await hashFilesNative(addon!, files, names, { head, expect: stats.map((stat) => `${stat!.key}\t${stat!.ids!.join(",")}`).join("\n") })
    const here = await hashFilesNative(addon!, files, names, undefined, { limit: 64 * 1024 * 1024, prefixes, head })
    expect(here).toEqual({ ...expected, changed: new Uint8Array(files.length) })
    // A directory, a missing name and a file over the limit (1 MiB + 3 > 1 MiB): "", the others hashed.
    const refused = await hashFilesNative(addon!, [dir, files[2]!, join(dir, "nope"), files[5]!], names, undefined, { limit: 1024 * 1024, prefixes: [] })
    expect(refused.digests.map((d) => d !== "")).toEqual([false, true, false, false])
    expect(refused.after[1]).toBe(stats[2]!.key)
    expect(refused.stored).toBeUndefined()
  })

  it("makes each file's checksum line where asked (sha256sum's, the name's bytes as given), and then no digest of a file whose records it made", async () => {
    const prefixes = [leanLevelKeyPrefix("sha256")]
    const cache = makeLeanDigestCache(join(dir, "records-lines"))
    const [tag, t36, settledBefore] = cache.recordsHead()!.split("\t")
    const ahead = [tag, t36, String(BigInt(settledBefore!) + 10_000_000_000n)].join("\t")
    const sums = files.map((_, i) => createHash("sha256").update(bytesOf(i)).digest("hex"))
    const made = await hashFilesNative(addon!, files, ["sha256"], undefined, { limit: 1 << 26, prefixes, head: ahead, separator: "  " })
    expect(made.output!.toString()).toBe(files.map((file, i) => `${sums[i]}  ${file}\n`).join(""))
    expect([...made.stored!]).toEqual(files.map(() => 1))
    expect(made.digests).toEqual(files.map(() => "*"))
    // None settled: no records, each digest as without lines; " *" for -b.
    const none = [tag, t36, String(BigInt(settledBefore!) - 10n ** 17n)].join("\t")
    const kept = await hashFilesNative(addon!, files, ["sha256"], undefined, { limit: 1 << 26, prefixes, head: none, separator: " *" })
    expect(kept.output!.toString()).toBe(files.map((file, i) => `${sums[i]} *${file}\n`).join(""))
    expect(kept.digests).toEqual(sums)
  })

  it("lists a folder's regular files as -r does: byte order of names at every level, a folder where its name sorts, links not followed; null for a name not UTF-8", () => {
    const tree = join(dir, "walk")
    for (const sub of ["b", "b/c", "a-"]) mkdirSync(join(tree, sub), { recursive: true })
    for (const file of ["b/c/z", "b/y", "b.", "a-/x", "B", "é"]) writeFileSync(join(tree, file), file)
    symlinkSync(join(tree, "B"), join(tree, "link"))
    expect(addon!.walkFiles!(tree, `${tree}/`)!.split("\0")).toEqual([..."B a-/x b/c/z b/y b. é".split(" ").map((f) => `${tree}/${f}`), ""])
    expect(addon!.walkFiles!(join(tree, "nope"), "x/")).toBeNull()
    const bad = join(dir, "walk-bad")
    mkdirSync(bad)
    writeFileSync(Buffer.concat([Buffer.from(`${bad}/`), Buffer.from([0xff, 0x41])]), "")
    expect(addon!.walkFiles!(bad, `${bad}/`)).toBeNull()
  })

  it("says which files are still the identity an index entry holds, to the nanosecond", () => {
    const entries = new BigInt64Array(3 * FIELDS)
    for (let i = 0; i < 3; i++) entries.set(identityFields(identityKey(statSync(files[i]!, { bigint: true })))!, i * FIELDS)
    const names = [files[0]!, files[1]!, files[2]!]
    expect([...addon!.sameMany(Buffer.from(names.join("\0") + "\0"), entries, FIELDS)]).toEqual([1, 1, 1])
    entries[FIELDS + 3] = entries[FIELDS + 3]! + 1n
    expect([...addon!.sameMany(Buffer.from([files[0], files[1], dir].join("\0") + "\0"), entries, FIELDS)]).toEqual([1, 0, 2])
    // Fewer entries than names: no answer (an empty buffer).
    expect(addon!.sameMany(Buffer.from(names.join("\0") + "\0"), entries.subarray(0, FIELDS), FIELDS).length).toBe(0)
  })

  it("stats each entry's file by the name its span marks in the checksum file, and makes each one's line from it", () => {
    const sums = Buffer.from(files.slice(0, 3).map((file) => `${"a".repeat(64)}  ${file}\n`).join(""))
    const entries = new BigInt64Array(4 * FIELDS)
    let at = 0
    for (let i = 0; i < 3; i++) {
      entries.set(identityFields(identityKey(statSync(files[i]!, { bigint: true })))!, i * FIELDS)
      const start = at + 66
      entries[i * FIELDS + 6] = (BigInt(start) << 32n) | BigInt(files[i]!.length)
      at = sums.indexOf(10, at) + 1
    }
    // The fourth entry's span runs past the file's end: no name, so 2 (and no lines).
    entries[3 * FIELDS + 6] = (BigInt(sums.length - 2) << 32n) | 5n
    expect([...addon!.sameSpans!(sums, entries, FIELDS)]).toEqual([1, 1, 1, 2])
    entries[FIELDS + 4] = entries[FIELDS + 4]! + 1n
    entries[2 * FIELDS + 6] = 0n
    expect([...addon!.sameSpans!(sums, entries, FIELDS)]).toEqual([1, 0, 2, 2])
    expect(addon!.linesAt!(sums, entries, FIELDS, Buffer.from(": OK\n"))).toBeNull()
    const three = entries.slice(0, 3 * FIELDS)
    three[2 * FIELDS + 6] = (BigInt(sums.lastIndexOf(files[2]!)) << 32n) | BigInt(files[2]!.length)
    expect(addon!.linesAt!(sums, three, FIELDS, Buffer.from(": OK\n"))!.toString()).toBe(files.slice(0, 3).map((f) => `${f}: OK\n`).join(""))
    // Entries without a name field: no answer (an empty buffer), as sameMany's for too few entries.
    expect(addon!.sameSpans!(sums, three, 6).length).toBe(0)
  })
})

describe("without the batch calls (SLUICE_NATIVE_BATCH=0)", () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.resetModules()
  })

  it("loads no addon, and the check index answers as with it, a file that moved by a nanosecond included", async () => {
    const names = [files[0]!, files[1]!]
    const entries = new BigInt64Array(2 * FIELDS)
    for (let i = 0; i < 2; i++) {
      entries.set(identityFields(identityKey(statSync(files[i]!, { bigint: true })))!, i * FIELDS)
      entries[i * FIELDS + 5] = 1n
    }
    entries[FIELDS + 2] = entries[FIELDS + 2]! + 1n
    const withAddon = verdictsFromIndex(entries, names, { files: 1, bytes: 10 })
    vi.stubEnv("SLUICE_NATIVE_BATCH", "0")
    vi.resetModules()
    const fresh = await import("./nativeBatch.js")
    const index = await import("./checkIndex.js")
    expect(fresh.nativeBatch()).toBeUndefined()
    const without = index.verdictsFromIndex(entries, names, { files: 1, bytes: 10 })
    expect(without).toEqual(withAddon)
    expect(without!.moved.map((m) => m.at)).toEqual([1])
  })
})
