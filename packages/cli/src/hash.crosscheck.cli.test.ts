/**
 * `sluice hash` prints, byte for byte, what the coreutils tools and b3sum print for the
 * same files: random content of sizes around buffer and chunk boundaries, and one file
 * large enough (> 16 MiB) for BLAKE3 to be spread over the workers.
 */
import { randomBytes } from "node:crypto"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { requireTools, sluice, tool, useTempDir } from "./cli.testkit.js"

const MiB = 1024 * 1024
const FILES: ReadonlyArray<readonly [string, number]> = [
  ["zero", 0],
  ["one", 1],
  ["mib-minus-1", MiB - 1],
  ["mib", MiB],
  ["mib-plus-1", MiB + 1],
  ["3mib-plus-7", 3 * MiB + 7],
  // Above the 16 MiB parallel threshold and not a multiple of the 1 KiB BLAKE3 chunk.
  ["40mib-plus-4099", 40 * MiB + 4099]
]
const names = FILES.map(([name]) => name)

const dir = useTempDir("crosscheck")

/** The reference tool's output on `names`, run in `dir`. */
const reference = (command: string, ...flags: Array<string>): string => {
  const r = tool(command, [...flags, ...names], { cwd: dir })
  expect(r.status, r.stderr).toBe(0)
  return r.stdout
}

/** Digest per file name, from a GNU-style listing. */
const digestsOf = (listing: string): Map<string, string> =>
  new Map(listing.trimEnd().split("\n").map((line) => {
    const [hex, name] = line.split("  ")
    return [name!, hex!] as const
  }))

const TOOLS = [
  { command: "sha256sum", algorithm: "sha256" },
  { command: "sha384sum", algorithm: "sha384" },
  { command: "sha512sum", algorithm: "sha512" },
  { command: "sha1sum", algorithm: "sha1" },
  { command: "md5sum", algorithm: "md5" },
  { command: "b2sum", algorithm: "blake2b-512" },
  { command: "b3sum", algorithm: "blake3" }
] as const

const expected = new Map<string, string>()

beforeAll(() => {
  requireTools(...TOOLS.map((t) => t.command))
  for (const [name, size] of FILES) writeFileSync(join(dir, name), randomBytes(size))
  for (const { command } of TOOLS) expected.set(command, reference(command))
})

describe("GNU lines identical to the reference tool's", () => {
  it.each(TOOLS)("sluice hash -a $algorithm = $command", async ({ command, algorithm }) => {
    const r = await sluice(["hash", "-a", algorithm, ...names], { cwd: dir })
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe(expected.get(command))
    expect(r.status).toBe(0)
  })
})

describe("BSD lines (--tag) identical to coreutils --tag", () => {
  it.each([
    { command: "sha256sum", algorithm: "sha256" },
    { command: "md5sum", algorithm: "md5" },
    { command: "b2sum", algorithm: "blake2b-512" }
  ])("sluice hash --tag -a $algorithm = $command --tag", async ({ command, algorithm }) => {
    const r = await sluice(["hash", "--tag", "-a", algorithm, ...names], { cwd: dir })
    expect(r.stdout).toBe(reference(command, "--tag"))
    expect(r.status).toBe(0)
  })

  it("sluice hash -b marks names with '*' as sha256sum -b does", async () => {
    const small = names.slice(0, 3)
    const r = await sluice(["hash", "-b", ...small], { cwd: dir })
    expect(r.stdout).toBe(tool("sha256sum", ["-b", ...small], { cwd: dir }).stdout)
    expect(r.status).toBe(0)
  })
})

describe("the same digests whatever the number of workers", () => {
  // -w 0: inline on the main thread; -w 1: one worker, BLAKE3 sequential;
  // -w 2: two workers, the 40 MiB file's BLAKE3 split between them.
  describe.each([
    { command: "sha256sum", algorithm: "sha256" },
    { command: "b3sum", algorithm: "blake3" }
  ])("$algorithm", ({ command, algorithm }) => {
    it.each(["0", "1", "2"])("-w %s", async (workers) => {
      const r = await sluice(["hash", "-w", workers, "-a", algorithm, ...names], { cwd: dir })
      expect(r.stderr).toBe("")
      expect(r.stdout).toBe(expected.get(command))
      expect(r.status).toBe(0)
    })
  })
})

describe("several algorithms from one read", () => {
  it("-a sha256,blake3 prints one BSD line per algorithm per file, each the tool's digest", async () => {
    const sha256 = digestsOf(expected.get("sha256sum")!)
    const blake3 = digestsOf(expected.get("b3sum")!)
    const r = await sluice(["hash", "-a", "sha256,blake3", ...names], { cwd: dir })
    expect(r.stdout).toBe(
      names.map((n) => `SHA256 (${n}) = ${sha256.get(n)}\nBLAKE3 (${n}) = ${blake3.get(n)}\n`).join("")
    )
    expect(r.status).toBe(0)
  })

  it("standard input, which can be read only once, gives every requested digest", async () => {
    const name = "3mib-plus-7"
    const r = await sluice(["hash", "-a", "sha256,blake3,md5", "-"], {
      cwd: dir,
      input: readFileSync(join(dir, name))
    })
    expect(r.stdout).toBe(
      `SHA256 (-) = ${digestsOf(expected.get("sha256sum")!).get(name)}\n` +
        `BLAKE3 (-) = ${digestsOf(expected.get("b3sum")!).get(name)}\n` +
        `MD5 (-) = ${digestsOf(expected.get("md5sum")!).get(name)}\n`
    )
    expect(r.status).toBe(0)
  })
})

describe("--json", () => {
  it("prints one object per file, in order, with file, bytes and one field per algorithm", async () => {
    const r = await sluice(["hash", "--json", "-a", "sha256,md5,blake3", ...names], { cwd: dir })
    expect(r.status).toBe(0)
    const objects = r.stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(objects).toEqual(names.map((name) => ({
      file: name,
      bytes: statSync(join(dir, name)).size,
      sha256: digestsOf(expected.get("sha256sum")!).get(name),
      md5: digestsOf(expected.get("md5sum")!).get(name),
      blake3: digestsOf(expected.get("b3sum")!).get(name)
    })))
  })
})
