import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it, vi } from "vitest"
import { parseChecksumFileBytes } from "../hash/checksumLine.js"
import {
  checkIndexPath,
  digestNow,
  FIELDS,
  identityFields,
  identityKeyNow,
  indexedKernel,
  indexEntries,
  type IndexFor,
  lineAt,
  linesAt,
  nameAt,
  nameSpans,
  namesAt,
  plainVerdicts,
  readCheckIndex,
  rewriteCheckIndex,
  settledKey,
  updateEntry,
  Verdict,
  verdictsFromIndex,
  writeCheckIndex
} from "./checkIndex.js"
import { CHECK_INDEX_SUM_WASM_BASE64 } from "./checkIndexSum.wasm.js"
import { statKey } from "./NodeByteSource.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-check-index-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const DIGEST = "a".repeat(64)
/** Files a, b and c, a checksum file naming them, and an index written for it as a check that began 3 s later would. */
const setup = (name: string, sumsText?: string) => {
  const files = ["a", "b", "c"].map((f) => join(dir, `${name}-${f}`))
  files.forEach((file, i) => writeFileSync(file, `content ${i}\n`))
  const sums = Buffer.from(sumsText ?? files.map((file) => `${DIGEST}  ${file}\n`).join(""))
  const parsed = parseChecksumFileBytes(sums).filter((e) => e._tag === "Parsed")
  const what: IndexFor = { sums, sumsKey: undefined, hint: undefined, kernels: { sha256: indexedKernel("sha256")! }, count: parsed.length, malformed: 0 }
  const path = checkIndexPath(join(dir, `${name}-cache`), dir, "SUMS")
  const names = parsed.map((e) => e.name)
  const vouched = names.map((name, i) => ({ verdict: i === 1 ? Verdict.mismatch : Verdict.ok, key: identityKeyNow(name), read: i === 0, name }))
  const entries = indexEntries(vouched, Date.now() + 3_000, nameSpans(sums, parsed))
  return { files, sums, what, path, names, entries }
}

describe("the check index", () => {
  it("gives back the verdicts it was written with while every file is as it was", () => {
    const { entries, names, path, sums, what } = setup("round")
    expect(entries).toBeDefined()
    writeCheckIndex(path, what, entries)
    const index = readCheckIndex(path, sums, undefined, undefined)
    expect(index).toMatchObject({ count: 3, malformed: 0, plain: true })
    expect(namesAt(sums, index!)).toEqual(names)
    const answer = verdictsFromIndex(index!.entries, names)!
    expect([...answer.verdicts]).toEqual([Verdict.ok, Verdict.mismatch, Verdict.ok])
    expect(answer.moved).toEqual([])
  })

  it("answers a plain index from the checksum file's bytes as from its names, and prints its lines from them", () => {
    const { entries, names, path, sums, what } = setup("plain")
    writeCheckIndex(path, what, entries!)
    const index = readCheckIndex(path, sums, undefined, undefined)!
    const answer = plainVerdicts(sums, index)!
    expect([...answer.verdicts]).toEqual([...verdictsFromIndex(index.entries, names)!.verdicts])
    expect(names.map((_, i) => nameAt(sums, index, i))).toEqual(names)
    // With @sluice/native built, the lines come from the addon; without it, undefined (the caller joins the names).
    const lines = linesAt(sums, index, ": OK\n")
    if (lines !== undefined) expect(lines.toString()).toBe(names.map((n) => `${n}: OK\n`).join(""))
    writeFileSync(names[2]!, "changed\n")
    expect(plainVerdicts(sums, index)).toBeUndefined()
    expect(plainVerdicts(sums, index, { files: 1, bytes: 100 })!.moved.map((m) => m.at)).toEqual([2])
  })

  it("answers a plain index the same without @sluice/native's batch calls, making every name", async () => {
    const { entries, names, path, sums, what } = setup("plain-js")
    writeCheckIndex(path, what, entries!)
    const index = readCheckIndex(path, sums, undefined, undefined)!
    const withAddon = plainVerdicts(sums, index)!
    vi.stubEnv("SLUICE_NATIVE_BATCH", "0")
    vi.resetModules()
    try {
      const fresh = await import("./checkIndex.js")
      const without = fresh.plainVerdicts(sums, index)!
      expect([...without.verdicts]).toEqual([...withAddon.verdicts])
      expect(without.names).toEqual(names)
      expect(fresh.linesAt(sums, index, ": OK\n")).toBeUndefined()
    } finally {
      vi.unstubAllEnvs()
      vi.resetModules()
    }
  })

  it("reads names at their offsets in a checksum file that is not ASCII", () => {
    const { entries, names, path, sums, what } = setup("café ü")
    writeCheckIndex(path, what, entries)
    const index = readCheckIndex(path, sums, undefined, undefined)!
    expect(index.plain).toBe(true)
    expect(namesAt(sums, index)).toEqual(names)
    expect(names[0]).toContain("café ü")
  })

  it("says which files moved, within its limits, and answers nothing once a file is missing", () => {
    const { entries, files, names, path, sums, what } = setup("moved")
    writeCheckIndex(path, what, entries)
    const index = readCheckIndex(path, sums, undefined, undefined)!
    writeFileSync(files[2]!, "content 2\n") // the same bytes again: its ctime moved
    // No file may move by default: the caller reads none.
    expect(verdictsFromIndex(index.entries, names)).toBeUndefined()
    const answer = verdictsFromIndex(index.entries, names, { files: 1, bytes: 1_000 })!
    expect([...answer.verdicts]).toEqual([Verdict.ok, Verdict.mismatch, Verdict.unknown])
    expect(answer.moved).toEqual([{ at: 2, key: identityKeyNow(files[2]!), size: 10 }])
    expect(verdictsFromIndex(index.entries, names, { files: 1, bytes: 9 })).toBeUndefined()
    rmSync(files[2]!)
    expect(verdictsFromIndex(index.entries, names, { files: 3, bytes: 1_000 })).toBeUndefined()
  })

  it("takes a file as it was only when device, inode and size are each the same to the unit, mtime and ctime to the microsecond, and its verdict known", () => {
    const { entries, names } = setup("exact")
    const limits = { files: 3, bytes: 1_000 }
    expect(verdictsFromIndex(entries!, names, limits)!.moved).toEqual([])
    // dev, ino, size (one off), mtimeNs, ctimeNs (2 us off) of the middle entry, one at a
    // time; then its verdict unknown, then not a verdict.
    for (const [field, by] of [[0, 1n], [1, 1n], [2, 1n], [3, 2_000n], [3, -2_000n], [4, 2_000n], [4, -2_000n], [3, 2n ** 40n], [4, 2n ** 40n], [5, -1n], [5, 3n], [5, 2n ** 32n + 1n]] as const) {
      const changed = entries!.slice()
      changed[FIELDS + field] = field === 5 ? by : changed[FIELDS + field]! + by
      const answer = verdictsFromIndex(changed, names, limits)!
      expect(answer.moved.map((m) => m.at), `field ${field} by ${by}`).toEqual([1])
      expect([...answer.verdicts]).toEqual([Verdict.ok, Verdict.unknown, Verdict.ok])
    }
  })

  it("takes mtime and ctime within a microsecond of the index's as the same (any change after a settled entry moves ctime by more than 2 s)", () => {
    const { entries, names } = setup("slack")
    for (const [field, by] of [[3, 100n], [3, -100n], [4, 100n], [4, -100n]] as const) {
      const near = entries!.slice()
      near[FIELDS + field] = near[FIELDS + field]! + by
      expect(verdictsFromIndex(near, names)!.moved, `field ${field} by ${by}`).toEqual([])
    }
  })

  it("keeps a moved file's new identity only once it is settled, and is written again with its header", () => {
    const { entries, files, names, path, sums, what } = setup("updated")
    writeCheckIndex(path, what, entries)
    const index = readCheckIndex(path, sums, undefined, undefined)!
    writeFileSync(files[0]!, "content 9\n")
    const key = identityKeyNow(files[0]!)!
    expect(digestNow(files[0]!, "sha256")).toBe(createHash("sha256").update("content 9\n").digest("hex"))
    updateEntry(index.entries, 0, settledKey(key, identityKeyNow(files[0]!), Date.now()), Verdict.mismatch)
    rewriteCheckIndex(path, index)
    // Written just now: not settled, so the entry is read again next time.
    expect([...verdictsFromIndex(readCheckIndex(path, sums, undefined, undefined)!.entries, names, { files: 1, bytes: 100 })!.verdicts])
      .toEqual([Verdict.unknown, Verdict.mismatch, Verdict.ok])
    updateEntry(index.entries, 0, settledKey(key, identityKeyNow(files[0]!), Date.now() + 3_000), Verdict.mismatch)
    rewriteCheckIndex(path, index)
    expect([...verdictsFromIndex(readCheckIndex(path, sums, undefined, undefined)!.entries, names)!.verdicts])
      .toEqual([Verdict.mismatch, Verdict.mismatch, Verdict.ok])
    expect(lineAt(sums, index, 1)).toBe(`${DIGEST}  ${files[1]}`)
    expect(lineAt(sums, index, 0)).toBe(`${DIGEST}  ${files[0]}`)
  })

  it("is a miss when torn, damaged, or written for other bytes, another hint or another kernel", () => {
    const { entries, path, sums, what } = setup("damaged")
    writeCheckIndex(path, what, entries)
    const whole = readFileSync(path)
    expect(readCheckIndex(path, Buffer.concat([sums, Buffer.from("\n")]), undefined, undefined)).toBeUndefined()
    expect(readCheckIndex(path, sums, undefined, "sha256")).toBeUndefined()
    writeFileSync(path, whole.subarray(0, whole.length - 9))
    expect(readCheckIndex(path, sums, undefined, undefined)).toBeUndefined()
    const flipped = Buffer.from(whole)
    flipped[whole.length - 100] = flipped[whole.length - 100]! ^ 1
    writeFileSync(path, flipped)
    expect(readCheckIndex(path, sums, undefined, undefined)).toBeUndefined()
    writeCheckIndex(path, { ...what, kernels: { sha256: "node:crypto/openssl-0.0.0" } }, entries)
    expect(readCheckIndex(path, sums, undefined, undefined)).toBeUndefined()
    writeFileSync(path, "not an index")
    expect(readCheckIndex(path, sums, undefined, undefined)).toBeUndefined()
  })

  it("is a miss when any one bit of it, header, entries or closing sum, is flipped, or it is cut or lengthened by a word", () => {
    const { entries, path, sums, what } = setup("every-bit")
    writeCheckIndex(path, what, entries)
    const whole = readFileSync(path)
    expect(readCheckIndex(path, sums, undefined, undefined)).toBeDefined()
    for (let at = 0; at < whole.length; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = Buffer.from(whole)
        flipped[at] = flipped[at]! ^ (1 << bit)
        writeFileSync(path, flipped)
        expect(readCheckIndex(path, sums, undefined, undefined), `byte ${at} bit ${bit}`).toBeUndefined()
      }
    }
    for (const changed of [whole.subarray(0, whole.length - 8), Buffer.concat([whole, Buffer.alloc(8)])]) {
      writeFileSync(path, changed)
      expect(readCheckIndex(path, sums, undefined, undefined)).toBeUndefined()
    }
  })

  it("sums an index of more than 1 MiB (20,000 entries) again and again: each read back whole, a flipped bit a miss", () => {
    const { path, sums, what } = setup("large")
    const count = 20_000
    const entries = new BigInt64Array(count * FIELDS).map((_, i) => BigInt(i % FIELDS === 5 ? Verdict.ok : i))
    writeCheckIndex(path, { ...what, count }, entries)
    const whole = readFileSync(path)
    expect(whole.length).toBeGreaterThan(1 << 20)
    for (let round = 0; round < 3; round++) {
      writeFileSync(path, whole)
      expect(readCheckIndex(path, sums, undefined, undefined)!.entries).toEqual(entries)
      const flipped = Buffer.from(whole)
      flipped[whole.length - 9 - round * 500_000] = flipped[whole.length - 9 - round * 500_000]! ^ 0x80
      writeFileSync(path, flipped)
      expect(readCheckIndex(path, sums, undefined, undefined)).toBeUndefined()
    }
  })

  it("closes with the sum of the committed checkIndexSum.wat (run scripts/build-wasm.mjs)", async () => {
    const { default: initWabt } = await import("wabt")
    const wabt = await initWabt()
    const parsed = wabt.parseWat("checkIndexSum.wat", readFileSync(new URL("./checkIndexSum.wat", import.meta.url), "utf8"))
    parsed.resolveNames()
    parsed.validate()
    const { buffer } = parsed.toBinary({ log: false, write_debug_names: false })
    parsed.destroy()
    expect(Buffer.from(buffer).toString("base64")).toBe(CHECK_INDEX_SUM_WASM_BASE64)
  })

  it("takes a checksum file found as it was when settled for its bytes, and hashes one that moved", () => {
    const { entries, path, sums, what } = setup("sums-key")
    writeCheckIndex(path, { ...what, sumsKey: "1:2:3:4:5" }, entries)
    const other = Buffer.concat([sums, Buffer.from("\n")])
    // Its identity as stored: no write since, so the bytes are those it was written for (not hashed).
    expect(readCheckIndex(path, other, "1:2:3:4:5", undefined)).toBeDefined()
    expect(readCheckIndex(path, other, "1:2:3:4:6", undefined)).toBeUndefined()
    expect(readCheckIndex(path, sums, "1:2:3:4:6", undefined)?.hashedSums).toBe(true)
    expect(readCheckIndex(path, sums, "1:2:3:4:5", undefined)?.hashedSums).toBe(false)
    // Hashed, then found settled: the index takes the identity it has now.
    rewriteCheckIndex(path, readCheckIndex(path, sums, undefined, undefined)!, "7:8:9:10:11")
    expect(readCheckIndex(path, other, "7:8:9:10:11", undefined)?.hashedSums).toBe(false)
    expect(readCheckIndex(path, other, "1:2:3:4:5", undefined)).toBeUndefined()
  })

  it("says a file's key is settled only when its ctime is 2 s before the first stat and a second stat agrees", () => {
    const { files } = setup("settled")
    const key = identityKeyNow(files[0]!)
    expect(settledKey(key, key, Date.now() + 3_000)).toBe(key)
    expect(settledKey(key, key, Date.now())).toBeUndefined()
    expect(settledKey(key, identityKeyNow(files[1]!), Date.now() + 3_000)).toBeUndefined()
    expect(settledKey(undefined, undefined, Date.now() + 3_000)).toBeUndefined()
  })

  it("vouches for no entry whose file changed within the racy window of the check's start, or while it was read", () => {
    const { files, names, sums } = setup("racy")
    const parsed = parseChecksumFileBytes(sums).filter((e) => e._tag === "Parsed")
    const spans = nameSpans(sums, parsed)
    const vouched = (read: boolean) => names.map((name) => ({ verdict: Verdict.ok, key: identityKeyNow(name), read, name }))
    // Written just now: a write in the same tick would leave every time as it is.
    expect(indexEntries(vouched(false), Date.now(), spans)).toBeUndefined()
    const before = vouched(true)
    writeFileSync(files[0]!, "changed while checked\n")
    expect(indexEntries(before, Date.now() + 3_000, spans)).toBeUndefined()
    // A file with no verdict or no identity (missing, unreadable) leaves the whole check to the full program.
    expect(indexEntries(vouched(false).map((v, i) => i === 1 ? { ...v, verdict: Verdict.unknown } : v), Date.now() + 3_000, spans)).toBeUndefined()
    expect(indexEntries(vouched(false).map((v, i) => i === 1 ? { ...v, key: undefined } : v), Date.now() + 3_000, spans)).toBeUndefined()
  })

  it("names each kernel as the result cache keys it: node:crypto's, BLAKE3's (the native one where @napi-rs/blake-hash is installed), none for BLAKE2b", async () => {
    const { kernelVersion } = await import("./node.js")
    expect(indexedKernel("sha256")).toBe(kernelVersion("sha256"))
    expect(indexedKernel("blake3")).toBe(kernelVersion("blake3"))
    expect(indexedKernel("blake2b-512")).toBeUndefined()
  })

  it("reads the result cache's identity keys", () => {
    const { files } = setup("keys")
    const stat = statSync(files[0]!, { bigint: true })
    expect(identityFields(statKey(stat))).toEqual([stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs])
    expect(identityKeyNow(files[0]!)).toBe(statKey(stat))
    expect(identityFields("1:2:3")).toBeUndefined()
    expect(identityKeyNow(dir)).toBeUndefined()
  })

  it("keeps where a plain name lies, and none for a name that is escaped or not at its line's end", () => {
    const plain = join(dir, "plain")
    const escaped = join(dir, "back\\slash")
    const sums = Buffer.from(`${DIGEST}  ${plain}\r\n${DIGEST}  ${plain}\n\\${DIGEST}  ${escaped.replace("\\", "\\\\")}\nSHA256 (${plain}) = ${DIGEST}\n`)
    const parsed = parseChecksumFileBytes(sums).filter((e) => e._tag === "Parsed")
    expect(parsed).toHaveLength(4)
    const spans = nameSpans(sums, parsed)
    const at = (span: bigint) => sums.toString("utf8", Number(span >> 32n), Number(span >> 32n) + Number(span & 0xffffffffn))
    expect(at(spans[0]!)).toBe(plain)
    expect(at(spans[1]!)).toBe(plain)
    expect(spans.slice(2)).toEqual([0n, 0n])
  })

  it("says plain only when every name lies at its offset, and a written index holds no name", () => {
    const { entries, path, sums, what } = setup("escaped")
    entries![2 * FIELDS + 6] = 0n
    writeCheckIndex(path, what, entries)
    expect(readCheckIndex(path, sums, undefined, undefined)?.plain).toBe(false)
    expect(readFileSync(path).includes(Buffer.from("escaped-a"))).toBe(false)
  })
})
