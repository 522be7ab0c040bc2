import { blake3 } from "@noble/hashes/blake3.js"
import { bytesToHex } from "@noble/hashes/utils.js"
import { createHash } from "node:crypto"
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { CACHE_FORMAT } from "../engine/cache/levelKey.js"
import { entryValue } from "../hash/digestEntry.js"
import { parseChecksumFileBytes } from "../hash/checksumLine.js"
import { CORE_VERSION } from "../version.js"
import { entryVerdicts, identityKeyNow, indexEntries, nameSpans, type RecordHashing, recordVerdictsNative, Verdict } from "./checkIndex.js"
import { makeDiskStore } from "./diskCacheStore.js"
import { leanIdentity, leanLevelKeyPrefix, makeLeanDigestCache } from "./leanHash.js"
import { nativeBatch } from "./nativeBatch.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-record-verdicts-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const addon = nativeBatch()
const DAY = 24 * 60 * 60 * 1000
const sha256 = (data: string) => createHash("sha256").update(data).digest("hex")
let made = 0

/**
 * 300 files (every shard has some), their digests in a fresh result cache as a hash settled
 * long ago leaves them (`used` ms ago), and a plain checksum file naming them: file 7's line
 * with a wrong digest, file 8's in capitals, file 9's binary (`*`).
 */
const tree = (used = 0, beforeEpoch = false) => {
  const root = join(dir, `tree-${made++}`)
  const cacheDir = join(root, "cache")
  mkdirSync(root)
  const now = Date.now()
  const store = makeDiskStore({ dir: cacheDir, tag: `${CACHE_FORMAT}/${CORE_VERSION}` })
  const ids = makeLeanDigestCache(cacheDir)
  const files = Array.from({ length: 300 }, (_, i) => join(root, `file ${i}`))
  const lines: Array<string> = []
  files.forEach((file, i) => writeFileSync(file, `content ${i}\n`))
  if (beforeEpoch) utimesSync(files[0]!, new Date(-86_400_000), new Date(-86_400_000))
  for (const [i, file] of files.entries()) {
    const identity = leanIdentity(statSync(file, { bigint: true }))
    store.put(ids.ids(identity, ["sha256"])[0]!, entryValue(sha256(`content ${i}\n`), identity.size, undefined), now - used)
    const digest = i === 7 ? sha256("another") : i === 8 ? sha256(`content ${i}\n`).toUpperCase() : sha256(`content ${i}\n`)
    lines.push(`${digest} ${i === 9 ? "*" : " "}${file}`)
  }
  store.flushSync()
  return { cacheDir, files, sums: Buffer.from(lines.join("\n") + "\n"), store }
}

const answer = (cacheDir: string, sums: Uint8Array, startedMs: number, hashing?: RecordHashing, algorithm: "sha256" | "blake3" = "sha256") =>
  recordVerdictsNative(addon!, sums, 64, leanLevelKeyPrefix(algorithm), makeLeanDigestCache(cacheDir).recordsReader()!, startedMs, hashing)

/** Reads every file the cache does not answer, up to 1 MiB each, 1 GiB in all. */
const HASHING = { algorithm: "sha256", fileLimit: 1024 * 1024, totalLimit: 1024 * 1024 * 1024 }

/** The entries `indexEntries` makes for the files of `tree`'s checksum file, each read during the check where `read`. */
const javascriptEntries = (sums: Uint8Array, started: number, read: boolean, mismatched = [7]) => {
  const parsed = parseChecksumFileBytes(sums).filter((entry) => entry._tag === "Parsed")
  const vouched = parsed.map((entry, i) => ({ verdict: mismatched.includes(i) ? Verdict.mismatch : Verdict.ok, key: identityKeyNow(entry.name), read, name: entry.name }))
  return indexEntries(vouched, started, nameSpans(sums, parsed))
}

/** The digests a result cache at `cacheDir` holds for `files` once it has stored `shards` (as checkMain.ts stores them). */
const storedDigests = (cacheDir: string, files: ReadonlyArray<string>, shards: ReadonlyArray<{ shard: string; text: string; count: number }>, algorithm: "sha256" | "blake3" = "sha256") => {
  const writer = makeLeanDigestCache(cacheDir)
  for (const { count, shard, text } of shards) writer.storeRecords(shard, text, count)
  writer.close()
  const reader = makeLeanDigestCache(cacheDir)
  const identities = files.map((file) => leanIdentity(statSync(file, { bigint: true })))
  return reader.lookupAll(files, identities, identities.map((identity) => reader.ids(identity, [algorithm]))).map((digests) => digests?.[0])
}

describe.skipIf(addon?.recordVerdicts === undefined)("recordVerdictsNative", () => {
  it("gives the entries the JavaScript check writes for a plain checksum file the cache answers: the same identities, verdicts and spans", () => {
    const { cacheDir, sums } = tree()
    const started = Date.now() + 3_000
    const found = answer(cacheDir, sums, started)!
    const parsed = parseChecksumFileBytes(sums).filter((entry) => entry._tag === "Parsed")
    const vouched = parsed.map((entry, i) => ({ verdict: i === 7 ? Verdict.mismatch : Verdict.ok, key: identityKeyNow(entry.name), read: false, name: entry.name }))
    expect(found.settled).toBe(true)
    expect(found.entries).toEqual(indexEntries(vouched, started, nameSpans(sums, parsed)))
    expect([...entryVerdicts(found.entries)].filter((verdict) => verdict !== Verdict.ok)).toEqual([Verdict.mismatch])
    expect(found.shards).toEqual([])
  })

  it("says the entries are not to be indexed where a file changed within the racy window of the check's start", () => {
    const { cacheDir, sums } = tree()
    expect(answer(cacheDir, sums, Date.now())?.settled).toBe(false)
  })

  it("says the entries are not to be indexed where a file's times are before 1970, as the JavaScript check (its key holds a minus)", () => {
    const { cacheDir, files, sums } = tree(0, true)
    const started = Date.now() + 3_000
    expect(answer(cacheDir, sums, started)?.settled).toBe(false)
    const parsed = parseChecksumFileBytes(sums).filter((entry) => entry._tag === "Parsed")
    const vouched = parsed.map((entry) => ({ verdict: Verdict.ok, key: identityKeyNow(entry.name), read: false, name: entry.name }))
    expect(identityKeyNow(files[0]!)).toContain(":-")
    expect(indexEntries(vouched, started, nameSpans(sums, parsed))).toBeUndefined()
  })

  it("answers nothing for a line that is not plain, a file missing, or a file the cache does not hold", () => {
    const { cacheDir, files, store, sums } = tree()
    const started = Date.now() + 3_000
    const text = sums.toString()
    const first = text.slice(0, text.indexOf("\n") + 1)
    for (const other of [`# a comment\n${text}`, `${text}\n`, text.replace("\n", "\r\n"), text.replace(first, `\\${first.replace("file 0", "file\\\\0")}`), `SHA256 (${files[0]}) = ${"a".repeat(64)}\n${text}`, `${first.slice(0, 63)} ${first.slice(64)}${text}`, ""]) {
      expect(answer(cacheDir, Buffer.from(other), started), JSON.stringify(other.slice(0, 80))).toBeUndefined()
    }
    rmSync(files[3]!)
    expect(answer(cacheDir, sums, started)).toBeUndefined()
    writeFileSync(files[3]!, "content 3\n")
    // Written again: another identity, no record of it.
    expect(answer(cacheDir, sums, started)).toBeUndefined()
    store.clear()
  })

  it("answers nothing for an entry it cannot vouch for alone: one with a fingerprint (a file not settled when hashed)", () => {
    const { cacheDir, files, store, sums } = tree()
    const identity = leanIdentity(statSync(files[5]!, { bigint: true }))
    store.put(makeLeanDigestCache(cacheDir).ids(identity, ["sha256"])[0]!, entryValue(sha256("content 5\n"), identity.size, "fingerprint"), Date.now())
    store.flushSync()
    expect(answer(cacheDir, sums, Date.now() + 3_000)).toBeUndefined()
  })

  it("gives back the records it read that are more than a day old, with the time now, as the store's lookup writes them again", () => {
    const { cacheDir, sums } = tree(2 * DAY)
    const found = answer(cacheDir, sums, Date.now() + 3_000)!
    expect(found.shards.reduce((sum, { count }) => sum + count, 0)).toBe(300)
    // What the store itself writes again when each entry is looked up.
    const keys = readFileSync(join(cacheDir, "results", "pack.log"), "latin1").split("\n").filter((line) => /^[0-9a-f]{8} /.test(line)).map((line) => line.split(" ")[1]!)
    const store = makeDiskStore({ dir: cacheDir, tag: `${CACHE_FORMAT}/${CORE_VERSION}`, now: () => Date.now() })
    const t = Date.now()
    keys.forEach((key) => store.lookup(key, t))
    store.flushSync()
    const written = readdirSync(join(cacheDir, "results")).filter((name) => /^[0-9a-f]{2}\.log$/.test(name))
    const byStore = written.flatMap((name) => readFileSync(join(cacheDir, "results", name), "latin1").split("\n").filter(Boolean))
    const byAddon = found.shards.flatMap(({ text }) => text.split("\n").filter(Boolean))
    const timeless = (line: string) => line.split(" ").filter((_, i) => i !== 0 && i !== 2).join(" ")
    expect(byAddon.map(timeless).sort()).toEqual(byStore.map(timeless).sort())
    // Each is a sound record (its check value its body's): a store reading them alone finds every value.
    const copy = join(dir, `copy-${made}`)
    mkdirSync(join(copy, "results"), { recursive: true })
    for (const { shard, text } of found.shards) appendFileSync(join(copy, "results", `${shard}.log`), text)
    const original = makeDiskStore({ dir: cacheDir, tag: `${CACHE_FORMAT}/${CORE_VERSION}` })
    const reread = makeDiskStore({ dir: copy, tag: `${CACHE_FORMAT}/${CORE_VERSION}` })
    for (const key of keys) expect(reread.lookup(key, t)).toBe(original.lookup(key, t))
  })
})

describe.skipIf(addon?.recordVerdicts === undefined)("recordVerdictsNative reading the files the cache does not answer", () => {
  it("on an empty cache: reads every file, gives the entries the JavaScript check writes, and records a cache reads back as each file's digest", () => {
    const { files, sums } = tree()
    const empty = join(dir, `empty-${made++}`)
    const started = Date.now() + 3_000
    const found = answer(empty, sums, started, HASHING)!
    expect(found.settled).toBe(true)
    expect(found.entries).toEqual(javascriptEntries(sums, started, true))
    expect([...entryVerdicts(found.entries)].filter((verdict) => verdict !== Verdict.ok)).toEqual([Verdict.mismatch])
    expect(found.shards.reduce((sum, { count }) => sum + count, 0)).toBe(300)
    expect(storedDigests(empty, files, found.shards)).toEqual(files.map((_, i) => sha256(`content ${i}\n`)))
  })

  it("answers from the cache what it holds and reads the others: a file written again since (another identity) and one of another size", () => {
    const { cacheDir, files, sums } = tree()
    writeFileSync(files[3]!, "content 3\n")
    writeFileSync(files[4]!, "content 4, longer\n")
    const started = Date.now() + 3_000
    const found = answer(cacheDir, sums, started, HASHING)!
    expect(found.entries).toEqual(javascriptEntries(sums, started, false, [4, 7]))
    // The two files read: a record each.
    expect(found.shards.reduce((sum, { count }) => sum + count, 0)).toBe(2)
    expect(storedDigests(cacheDir, [files[3]!, files[4]!], found.shards)).toEqual([sha256("content 3\n"), sha256("content 4, longer\n")])
  })

  it("hashes BLAKE3 as b3sum does: the digests of its lines, and its records under BLAKE3's level keys", () => {
    const root = join(dir, `b3-${made++}`)
    mkdirSync(root)
    const files = Array.from({ length: 40 }, (_, i) => join(root, `f${i}`))
    files.forEach((file, i) => writeFileSync(file, `blake3 ${i}\n`.repeat(i * 700)))
    const digests = files.map((file) => bytesToHex(blake3(readFileSync(file))))
    const sums = Buffer.from(files.map((file, i) => `${i === 2 ? "0".repeat(64) : digests[i]}  ${file}\n`).join(""))
    const started = Date.now() + 3_000
    const found = answer(join(root, "cache"), sums, started, { ...HASHING, algorithm: "blake3" }, "blake3")!
    expect([...entryVerdicts(found.entries)]).toEqual(files.map((_, i) => (i === 2 ? Verdict.mismatch : Verdict.ok)))
    expect(storedDigests(join(root, "cache"), files, found.shards, "blake3")).toEqual(digests)
  })

  it("answers nothing where a file to read changed within the racy window: the JavaScript side caches it with a fingerprint", () => {
    const { cacheDir, files, sums } = tree()
    writeFileSync(files[3]!, "content 3\n")
    expect(answer(cacheDir, sums, Date.now(), HASHING)).toBeUndefined()
    // Those the cache answers may be racy: the entries are then not to be indexed.
    const { cacheDir: held, sums: all } = tree()
    expect(answer(held, all, Date.now(), HASHING)?.settled).toBe(false)
  })

  it("answers nothing where a file to read is larger than fileLimit, or those to read are more than totalLimit in all, or one is missing", () => {
    const { files, sums } = tree()
    const empty = join(dir, `empty-${made++}`)
    const started = Date.now() + 3_000
    expect(answer(empty, sums, started, { ...HASHING, fileLimit: 10 })).toBeUndefined()
    expect(answer(empty, sums, started, { ...HASHING, totalLimit: 1000 })).toBeUndefined()
    rmSync(files[3]!)
    expect(answer(empty, sums, started, HASHING)).toBeUndefined()
  })

  it("refuses an algorithm this process's OpenSSL does not have (the caller's catch: the JavaScript check then)", () => {
    const { sums } = tree()
    expect(() => answer(join(dir, `empty-${made++}`), sums, Date.now() + 3_000, { ...HASHING, algorithm: "no-such-digest" })).toThrow(/no digest/)
  })
})
