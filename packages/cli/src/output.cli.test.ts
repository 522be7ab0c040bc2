/**
 * `sluice hash -o FILE`: FILE gets exactly what stdout would, and appears whole or not
 * at all. A failed input, a destination that cannot be written: FILE stays as it was,
 * and no temporary file is left beside it.
 */
import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { binPath, expectCleanStderr, pseudoRandomBytes, sluice, useTempDir } from "./cli.testkit.js"

const root = useTempDir("output")
chmodSync(root, 0o755)
const inputs = ["abc", "random.bin", "name with spaces"]
writeFileSync(join(root, "abc"), "abc")
writeFileSync(join(root, "random.bin"), pseudoRandomBytes(3 * 1024 * 1024 + 17))
writeFileSync(join(root, "name with spaces"), "spaces")

let n = 0
/** A fresh directory for the output of one test, so that a stray file shows. */
const outDir = () => {
  const dir = join(root, `out-${n++}`)
  mkdirSync(dir, { mode: 0o777 })
  chmodSync(dir, 0o777)
  return dir
}

const noTemporaryFile = (dir: string) =>
  expect(readdirSync(dir).filter((name) => name.includes("sluice-tmp"))).toEqual([])

describe("sluice hash -o FILE", () => {
  it.each([
    { name: "coreutils lines", options: [] },
    { name: "several algorithms (BSD lines)", options: ["-a", "sha256,blake3,md5"] },
    { name: "--json", options: ["--json"] },
    { name: "-w 0", options: ["-w", "0", "--tag"] }
  ])("$name: FILE holds byte for byte what stdout gets; nothing on stdout, exit 0", async ({ options }) => {
    const dir = outDir()
    const expected = await sluice(["hash", ...options, ...inputs], { cwd: root })
    expect(expected.status).toBe(0)
    const r = await sluice(["hash", ...options, "-o", join(dir, "SUMS"), ...inputs], { cwd: root })
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe("")
    expect(r.status).toBe(0)
    expect(readFileSync(join(dir, "SUMS"), "utf8")).toBe(expected.stdout)
    expect(readdirSync(dir)).toEqual(["SUMS"])
  })

  it("--output FILE is the same option", async () => {
    const dir = outDir()
    const r = await sluice(["hash", "--output", join(dir, "SUMS"), "abc"], { cwd: root })
    expect(r.status).toBe(0)
    expect(readFileSync(join(dir, "SUMS"), "utf8")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  abc\n")
  })

  it("replaces an existing FILE by renaming a new one over it, keeping its permissions", async () => {
    const dir = outDir()
    const path = join(dir, "SUMS")
    writeFileSync(path, "old\n")
    chmodSync(path, 0o640)
    // A second name for the old file: an in-place rewrite would change it too.
    linkSync(path, join(dir, "old-link"))
    const r = await sluice(["hash", "-o", path, "abc"], { cwd: root })
    expect(r.status).toBe(0)
    expect(readFileSync(path, "utf8")).toMatch(/  abc\n$/)
    expect(readFileSync(join(dir, "old-link"), "utf8")).toBe("old\n")
    expect(statSync(path).ino).not.toBe(statSync(join(dir, "old-link")).ino)
    expect(statSync(path).mode & 0o777).toBe(0o640)
    expect(readdirSync(dir).sort()).toEqual(["SUMS", "old-link"])
  })

  it.each([
    { name: "FILE existed", before: "old\n" },
    { name: "FILE did not exist", before: undefined }
  ])("one missing input ($name): exit 3, FILE as it was, no temporary file", async ({ before }) => {
    const dir = outDir()
    const path = join(dir, "SUMS")
    if (before !== undefined) writeFileSync(path, before)
    const r = await sluice(["hash", "-o", path, "abc", "no-such-file", "random.bin"], { cwd: root })
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(`sluice: no-such-file: No such file or directory\nsluice: ${path}: not written: an input failed\n`)
    expectCleanStderr(r.stderr)
    expect(r.status).toBe(3)
    if (before === undefined) expect(existsSync(path)).toBe(false)
    else expect(readFileSync(path, "utf8")).toBe(before)
    noTemporaryFile(dir)
  })

  it("a directory that does not exist: exit 5 before hashing, one line saying FILE was not written", async () => {
    const dir = outDir()
    const path = join(dir, "missing", "SUMS")
    const r = await sluice(["hash", "-o", path, "abc"], { cwd: root })
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe(`sluice: ${path}: not written: No such file or directory (ENOENT)\n`)
    expect(r.status).toBe(5)
    expect(readdirSync(dir)).toEqual([])
  })

  it("FILE is a directory: exit 5, the directory untouched", async () => {
    const dir = outDir()
    mkdirSync(join(dir, "SUMS"))
    const r = await sluice(["hash", "-o", join(dir, "SUMS"), "abc"], { cwd: root })
    expect(r.stderr).toBe(`sluice: ${join(dir, "SUMS")}: not written: Is a directory (EISDIR)\n`)
    expect(r.status).toBe(5)
    expect(readdirSync(join(dir, "SUMS"))).toEqual([])
    noTemporaryFile(dir)
  })

  // Root writes anywhere, so as root this runs as `nobody` (as the permission tests do).
  it("a directory it may not write: exit 5, FILE as it was", async () => {
    const isRoot = process.getuid?.() === 0
    const prefix = isRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
    if (isRoot) {
      const probe = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, "-e", "", binPath])
      if (probe.error !== undefined || probe.status !== 0) throw new Error("cannot run Node as uid 65534 (setpriv)")
    }
    const dir = outDir()
    writeFileSync(join(dir, "SUMS"), "old\n")
    chmodSync(dir, 0o555)
    const r = await sluice(["hash", "-o", join(dir, "SUMS"), "abc"], { cwd: root, prefix }).finally(() => chmodSync(dir, 0o755))
    expect(r.stderr).toBe(`sluice: ${join(dir, "SUMS")}: not written: Permission denied (EACCES)\n`)
    expect(r.status).toBe(5)
    expect(readFileSync(join(dir, "SUMS"), "utf8")).toBe("old\n")
    expect(readdirSync(dir)).toEqual(["SUMS"])
  })
})
