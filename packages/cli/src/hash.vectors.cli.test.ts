/** `sluice hash` prints the published digests, for files and for standard input. */
import { closeSync, openSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { sluice, useTempDir } from "./cli.testkit.js"
import {
  ABC_AND_EMPTY,
  blake3Input,
  LONGER_VECTORS,
  loadBlake3Vectors,
  MILLION_A_SHA256
} from "./vectors.testkit.js"

const dir = useTempDir("vectors")
writeFileSync(join(dir, "abc"), "abc")
writeFileSync(join(dir, "empty"), "")

describe.each(ABC_AND_EMPTY)("$algorithm ($source)", ({ algorithm, abc, empty }) => {
  it("prints the published digests of files holding 'abc' and nothing", async () => {
    const r = await sluice(["hash", "-a", algorithm, "abc", "empty"], { cwd: dir })
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe(`${abc}  abc\n${empty}  empty\n`)
    expect(r.status).toBe(0)
  })

  it("prints the published digest of 'abc' on standard input (no file argument)", async () => {
    const r = await sluice(["hash", "-a", algorithm], { cwd: dir, input: "abc" })
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe(`${abc}  -\n`)
    expect(r.status).toBe(0)
  })

  it("prints the published digest of empty standard input ('-')", async () => {
    const r = await sluice(["hash", "-a", algorithm, "-"], { cwd: dir, input: "" })
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe(`${empty}  -\n`)
    expect(r.status).toBe(0)
  })
})

describe("longer published messages", () => {
  it.each(LONGER_VECTORS)("$algorithm of a $source", async ({ algorithm, message, digest }) => {
    writeFileSync(join(dir, `long-${algorithm}`), message)
    const r = await sluice(["hash", "-a", algorithm, `long-${algorithm}`], { cwd: dir })
    expect(r.stdout).toBe(`${digest}  long-${algorithm}\n`)
    expect(r.status).toBe(0)
  })

  it("sha256 of one million 'a' piped through standard input (FIPS 180-4)", async () => {
    const r = await sluice(["hash", "-"], { cwd: dir, input: "a".repeat(1_000_000) })
    expect(r.stdout).toBe(`${MILLION_A_SHA256}  -\n`)
    expect(r.status).toBe(0)
  })

  it("sha256 of 'abc' when standard input is a regular file, not a pipe", async () => {
    const fd = openSync(join(dir, "abc"), "r")
    try {
      const r = await sluice(["hash", "-a", "sha256"], { cwd: dir, stdinFd: fd })
      expect(r.stdout).toBe(`${ABC_AND_EMPTY[0]!.abc}  -\n`)
      expect(r.status).toBe(0)
    } finally {
      closeSync(fd)
    }
  })
})

describe("BLAKE3 official test vectors", () => {
  const cases = loadBlake3Vectors()
  const names = cases.map((c) => `input-${String(c.inputLen).padStart(6, "0")}`)
  cases.forEach((c, i) => writeFileSync(join(dir, names[i]!), blake3Input(c.inputLen)))
  const expected = cases.map((c, i) => `${c.digest}  ${names[i]}\n`).join("")

  it("has all 35 cases, from 0 bytes to 100 KiB", () => {
    expect(cases).toHaveLength(35)
    expect(cases[0]!.inputLen).toBe(0)
    expect(cases.at(-1)!.inputLen).toBe(102_400)
  })

  it("prints every case's digest, in order, from one `hash -a blake3` run", async () => {
    const r = await sluice(["hash", "-a", "blake3", ...names], { cwd: dir })
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe(expected)
    expect(r.status).toBe(0)
  })

  it("prints the same digests on the main thread (-w 0)", async () => {
    const r = await sluice(["hash", "-w", "0", "-a", "blake3", ...names], { cwd: dir })
    expect(r.stdout).toBe(expected)
    expect(r.status).toBe(0)
  })
})
