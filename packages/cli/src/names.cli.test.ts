/**
 * File names are bytes (issue 11, item 9): names that are not UTF-8 given on the command
 * line, found by `hash -r` and listed in a checksum file are hashed and printed byte for
 * byte as sha256sum prints them. Arguments reach the program through bash's $'\xNN', as a
 * user's shell would give them; output is compared as bytes.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { binPath, requireTools, shellBytes, useTempDir } from "./cli.testkit.js"

requireTools("sha256sum", "b3sum")

const latin1 = (text: string) => Buffer.from(text, "latin1")
const dir = useTempDir("names")
const cache = join(dir, ".cache")
const NAMES = ["bad\xffname", "caf\xe9", "new\nline", "plain", "caf\xc3\xa9"].map(latin1)
const tree = join(dir, "tree")
mkdirSync(Buffer.concat([Buffer.from(tree + "/"), latin1("sub\xe9")]), { recursive: true })
NAMES.forEach((name, i) => {
  writeFileSync(Buffer.concat([Buffer.from(dir + "/"), name]), `content ${i}\n`)
  writeFileSync(Buffer.concat([Buffer.from(tree + "/"), name]), `tree ${i}\n`)
  writeFileSync(Buffer.concat([Buffer.from(tree + "/"), latin1("sub\xe9/"), name]), `deeper ${i}\n`)
})

interface Run {
  readonly status: number | null
  readonly stdout: Buffer
  readonly stderr: Buffer
}

/** `command args...` in `dir` through bash, each argument given as its exact bytes. */
const run = (command: string, args: ReadonlyArray<string | Uint8Array>): Run => {
  const words = args.map((arg) => shellBytes(typeof arg === "string" ? Buffer.from(arg) : arg))
  const result = spawnSync("bash", ["-c", `${command} ${words.join(" ")}`], {
    cwd: dir,
    env: { ...process.env, SLUICE_CACHE_DIR: cache, LC_ALL: "C.UTF-8" },
    timeout: 60_000
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}
const sluice = (...args: ReadonlyArray<string | Uint8Array>) => run(`"${process.execPath}" "${binPath}"`, args)
const gnu = (command: string, ...args: ReadonlyArray<string | Uint8Array>) => run(command, args)
const asSluice = (stderr: Buffer, program: string) =>
  Buffer.from(stderr.toString("latin1").replaceAll(new RegExp(`^${program}: `, "gm"), "sluice: "), "latin1")

describe("names that are not UTF-8", () => {
  it.each(NAMES.map((name) => [JSON.stringify(name.toString("latin1")), name]))("hash %s prints what sha256sum prints", (_shown, name) => {
    const ours = sluice("hash", name)
    expect(ours.stderr.toString()).toBe("")
    expect(ours.status).toBe(0)
    expect(ours.stdout.equals(gnu("sha256sum", name).stdout)).toBe(true)
  })

  it("hash of them all, on workers and inline", () => {
    const reference = gnu("sha256sum", ...NAMES).stdout
    for (const workers of ["0", "2"]) {
      const ours = sluice("hash", "--no-cache", "-w", workers, ...NAMES)
      expect(ours.status, ours.stderr.toString()).toBe(0)
      expect(ours.stdout.equals(reference)).toBe(true)
    }
  })

  it("hash -a blake3 has b3sum's digests, in coreutils' lines (b3sum shows such names with U+FFFD)", () => {
    const ours = sluice("hash", "-a", "blake3", ...NAMES)
    expect(ours.status).toBe(0)
    const b3 = gnu("b3sum", ...NAMES).stdout
    // b3sum writes the name lossily; the digests and every valid name are the same.
    expect(ours.stdout.toString("utf8")).toBe(b3.toString("utf8"))
    const digestsOf = (out: Buffer) => out.toString("latin1").split("\n").map((line) => line.replace(/^\\/, "").slice(0, 64))
    expect(digestsOf(ours.stdout)).toEqual(digestsOf(b3))
    // And the names are the bytes, as sha256sum prints them.
    const shaLines = gnu("sha256sum", ...NAMES).stdout.toString("latin1").split("\n")
    ours.stdout.toString("latin1").split("\n").forEach((line, i) => expect(line.replace(/^(\\?)[0-9a-f]{64}/, "$1")).toBe(shaLines[i]!.replace(/^(\\?)[0-9a-f]{64}/, "$1")))
  })

  it("hash -r DIR walks the names as bytes, in byte order, as find | sort | sha256sum", () => {
    const ours = sluice("hash", "-r", "tree")
    expect(ours.status, ours.stderr.toString()).toBe(0)
    const reference = run("find tree -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum --", [])
    expect(ours.stdout.toString("latin1")).toBe(reference.stdout.toString("latin1"))
  })

  it("hash -o FILE writes the same bytes", () => {
    const ours = sluice("hash", "-o", "SUMS-o", ...NAMES)
    expect(ours.status, ours.stderr.toString()).toBe(0)
    expect(readFileSync(join(dir, "SUMS-o")).equals(gnu("sha256sum", ...NAMES).stdout)).toBe(true)
  })

  it("check opens the listed names as their bytes and prints what sha256sum -c prints", () => {
    writeFileSync(join(dir, "SUMS"), gnu("sha256sum", ...NAMES).stdout)
    const ours = sluice("check", "--no-cache", "SUMS")
    const reference = gnu("sha256sum", "-c", "SUMS")
    expect(ours.status).toBe(0)
    expect(ours.stdout.toString("latin1")).toBe(reference.stdout.toString("latin1"))
    expect(ours.stderr.toString()).toBe("")
  })

  it("check of b3sum-style lines made by sluice -a blake3", () => {
    writeFileSync(join(dir, "B3SUMS"), sluice("hash", "-a", "blake3", ...NAMES).stdout)
    const ours = sluice("check", "-a", "blake3", "B3SUMS")
    expect(ours.status, ours.stderr.toString()).toBe(0)
    expect(ours.stdout.toString("latin1")).toBe(gnu("sha256sum", "-c", "SUMS").stdout.toString("latin1"))
  })

  it("check of missing and changed names: the same lines, stderr and exit code as sha256sum -c", () => {
    const sums = gnu("sha256sum", ...NAMES).stdout.toString("latin1")
      .replace("bad\xffname", "gone\xff").replace(/^[0-9a-f]/m, "0")
    writeFileSync(join(dir, "BAD-SUMS"), latin1(sums))
    const ours = sluice("check", "BAD-SUMS")
    const reference = gnu("sha256sum", "-c", "BAD-SUMS")
    expect(ours.status).toBe(3)
    expect(reference.status).toBe(1)
    expect(ours.stdout.toString("latin1")).toBe(reference.stdout.toString("latin1"))
    expect(ours.stderr.toString("latin1")).toBe(asSluice(reference.stderr, "sha256sum").toString("latin1"))
  })

  it("a missing name is quoted on stderr as sha256sum quotes it", () => {
    const names = [latin1("nope\xff"), latin1("no\nsuch"), latin1("caf\xe9 x")]
    const ours = sluice("hash", ...names)
    const reference = gnu("sha256sum", ...names)
    expect(ours.status).toBe(3)
    expect(ours.stdout.length).toBe(0)
    expect(ours.stderr.toString("latin1")).toBe(asSluice(reference.stderr, "sha256sum").toString("latin1"))
  })

  it("--json stays JSON: the name as text with U+FFFD, and its bytes in fileHex", () => {
    const ours = sluice("hash", "--json", NAMES[0]!, NAMES[4]!, latin1("nope\xfe"))
    const lines = ours.stdout.toString("utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines[0]).toMatchObject({ file: "bad\ufffdname", fileHex: "626164ff6e616d65", bytes: 10 })
    expect(lines[1]).toMatchObject({ file: "café" })
    expect(lines[1]).not.toHaveProperty("fileHex")
    expect(lines[2]).toMatchObject({ file: "nope\ufffd", fileHex: "6e6f7065fe", error: { code: "FileNotFound" } })
  })

  it("-o with a name that is not UTF-8 is refused, not written under another name", () => {
    const ours = sluice("hash", "-o", latin1("out\xff"), "plain")
    expect(ours.status).toBe(2)
    expect(ours.stderr.toString()).toBe("sluice: -o 'out'$'\\377': an output name that is not UTF-8 is not supported\n")
  })

  const wrapper = fileURLToPath(new URL("../../../sluice", import.meta.url))
  it.runIf(process.env["SLUICE_BIN"] === undefined && existsSync(wrapper))("through the ./sluice script too", () => {
    const ours = run(`"${wrapper}"`, ["hash", "--no-cache", ...NAMES])
    expect(ours.stdout.equals(gnu("sha256sum", ...NAMES).stdout)).toBe(true)
  })
})
