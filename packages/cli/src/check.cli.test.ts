/**
 * `sluice check` reads checksum files made by the coreutils tools and b3sum and reports
 * as `sha256sum -c` does: same stdout, same warnings (with `sluice:` for the program
 * name), and exit codes from sluice's table (1 mismatch, 3 unusable input).
 */
import { randomBytes } from "node:crypto"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { asSluice, expectCleanStderr, requireTools, sluice, tool, useTempDir } from "./cli.testkit.js"

const dir = useTempDir("check")
const FILES = ["alpha", "beta", "gamma.bin", "with space", "delta"]

/** Writes a checksum file into `dir` and returns its name. */
const sums = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text)
  return name
}

/** A reference tool's stdout on `files` in `dir`. */
const listing = (command: string, flags: ReadonlyArray<string>, files: ReadonlyArray<string> = FILES): string => {
  const r = tool(command, [...flags, ...files], { cwd: dir })
  expect(r.status, r.stderr).toBe(0)
  return r.stdout
}

let SHA256SUMS = ""

beforeAll(() => {
  requireTools("sha256sum", "sha512sum", "md5sum", "b2sum", "b3sum", "cksum")
  FILES.forEach((name, i) => writeFileSync(join(dir, name), randomBytes(1000 * i + 3)))
  SHA256SUMS = listing("sha256sum", [])
  sums("SHA256SUMS", SHA256SUMS)
})

/** `sha256sum -c ARGS` in `dir`. */
const coreutilsCheck = (command: string, args: ReadonlyArray<string>) => tool(command, ["-c", ...args], { cwd: dir })

describe("all files intact", () => {
  it("prints the same OK lines as sha256sum -c, nothing on stderr, exit 0", async () => {
    const r = await sluice(["check", "SHA256SUMS"], { cwd: dir })
    expect(r.stdout).toBe(coreutilsCheck("sha256sum", ["SHA256SUMS"]).stdout)
    expect(r.stdout).toBe(FILES.map((f) => `${f}: OK\n`).join(""))
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
  })

  it("reads the checksum file from standard input, with no argument or with '-'", async () => {
    for (const args of [["check"], ["check", "-"]]) {
      const r = await sluice(args, { cwd: dir, input: SHA256SUMS })
      expect(r.stdout).toBe(FILES.map((f) => `${f}: OK\n`).join(""))
      expect(r.status).toBe(0)
    }
  })

  it("checks on the main thread too (-w 0)", async () => {
    const r = await sluice(["check", "-w", "0", "SHA256SUMS"], { cwd: dir })
    expect(r.stdout).toBe(FILES.map((f) => `${f}: OK\n`).join(""))
    expect(r.status).toBe(0)
  })

  it("accepts a file of binary-mode ('*') lines with CRLF line ends, as sha256sum -c does", async () => {
    const name = sums("CRLF", listing("sha256sum", ["-b"]).replaceAll("\n", "\r\n"))
    const r = await sluice(["check", name], { cwd: dir })
    expect(r.stdout).toBe(coreutilsCheck("sha256sum", [name]).stdout)
    expect(r.status).toBe(0)
  })

  it("-a blake3 checks the plain lines of b3sum, printing what b3sum -c prints", async () => {
    const name = sums("B3SUMS", listing("b3sum", []))
    const r = await sluice(["check", "-a", "blake3", name], { cwd: dir })
    expect(r.stdout).toBe(tool("b3sum", ["-c", name], { cwd: dir }).stdout)
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
  })

  it("without -a, b3sum's 64-digit lines are taken for SHA-256 (as sha256sum -c would) and fail, with a hint naming -a blake3, from the cache too", async () => {
    const name = sums("B3SUMS-as-sha256", listing("b3sum", []))
    const hint = "sluice: hint: no digest matched as SHA-256, which a line of 64 hex digits is read as without -a; " +
      "for SHA3-256 or BLAKE3 digests, check with -a sha3-256 or -a blake3\n"
    // The full check, its result cache and index, then the lean check's re-check from them: the same.
    for (const run of ["full", "again", "from the index"]) {
      const r = await sluice(["check", name], { cwd: dir, env: { SLUICE_CACHE_DIR: join(dir, "cache-hint"), ...(run === "full" ? { SLUICE_LEAN: "0" } : {}) } })
      expect({ run, stdout: r.stdout }).toEqual({ run, stdout: FILES.map((f) => `${f}: FAILED\n`).join("") })
      expect(r.stderr).toBe(`sluice: WARNING: ${FILES.length} computed checksums did NOT match\n${hint}`)
      expect(r.status).toBe(1)
    }
  })

  it("checks BSD lines of sha512sum --tag, printing what sha512sum -c prints", async () => {
    const name = sums("SHA512SUMS", listing("sha512sum", ["--tag"]))
    const r = await sluice(["check", name], { cwd: dir })
    expect(r.stdout).toBe(coreutilsCheck("sha512sum", [name]).stdout)
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
  })

  it("checks a file mixing BSD lines of several algorithms, as cksum -c does", async () => {
    const name = sums(
      "MIXED",
      listing("sha256sum", ["--tag"], FILES.slice(0, 2)) +
        listing("md5sum", ["--tag"], FILES.slice(2, 3)) +
        listing("b2sum", ["--tag"], FILES.slice(3)) +
        listing("sha512sum", ["--tag"], FILES.slice(0, 1))
    )
    const r = await sluice(["check", name], { cwd: dir })
    expect(r.stdout).toBe(tool("cksum", ["-c", name], { cwd: dir }).stdout)
    expect(r.status).toBe(0)
  })

  it("infers MD5 from md5sum's 32-digit plain lines", async () => {
    const name = sums("MD5SUMS", listing("md5sum", []))
    const r = await sluice(["check", name], { cwd: dir })
    expect(r.stdout).toBe(coreutilsCheck("md5sum", [name]).stdout)
    expect(r.status).toBe(0)
  })

  it("round-trips a name with a newline, escaped as coreutils escapes it", async () => {
    const odd = "new\nline"
    writeFileSync(join(dir, odd), "x")
    const name = sums("ESCAPED", listing("sha256sum", [], [odd, "alpha"]))
    const r = await sluice(["check", name], { cwd: dir })
    expect(r.stdout).toBe(coreutilsCheck("sha256sum", [name]).stdout)
    expect(r.stdout).toBe("\\new\\nline: OK\nalpha: OK\n")
    expect(r.status).toBe(0)
  })
})

describe("a tampered file", () => {
  let name = ""
  beforeAll(() => {
    writeFileSync(join(dir, "tampered"), "original")
    const line = listing("sha256sum", [], ["tampered"])
    writeFileSync(join(dir, "tampered"), "changed!")
    name = sums("TAMPERED", SHA256SUMS + line)
  })

  it("is FAILED on stdout with sha256sum's warning on stderr, exit 1", async () => {
    const r = await sluice(["check", name], { cwd: dir })
    const gnu = coreutilsCheck("sha256sum", [name])
    expect(r.stdout).toBe(gnu.stdout)
    expect(r.stdout).toContain("tampered: FAILED\n")
    expect(r.stderr).toBe(asSluice(gnu.stderr, "sha256sum"))
    expect(r.stderr).toBe("sluice: WARNING: 1 computed checksum did NOT match\n")
    expect(r.status).toBe(1)
  })

  it("--quiet prints only the failure, as sha256sum -c --quiet does", async () => {
    const r = await sluice(["check", "--quiet", name], { cwd: dir })
    expect(r.stdout).toBe(coreutilsCheck("sha256sum", ["--quiet", name]).stdout)
    expect(r.stdout).toBe("tampered: FAILED\n")
    expect(r.status).toBe(1)
  })

  it("--quiet prints nothing at all when every file is intact", async () => {
    const r = await sluice(["check", "--quiet", "SHA256SUMS"], { cwd: dir })
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
  })

  it("--status prints nothing; the exit code alone says 1", async () => {
    const r = await sluice(["check", "--status", name], { cwd: dir })
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe("")
    expect(r.status).toBe(1)
  })

  it("--status exits 0 when every file is intact", async () => {
    const r = await sluice(["check", "--status", "SHA256SUMS"], { cwd: dir })
    expect(r.stdout + r.stderr).toBe("")
    expect(r.status).toBe(0)
  })
})

describe("a missing file", () => {
  let name = ""
  beforeAll(() => {
    name = sums("MISSING", SHA256SUMS.replace("  beta\n", "  gone\n"))
  })

  it("is 'FAILED open or read' with sha256sum's messages, the rest checked, exit 3", async () => {
    const r = await sluice(["check", name], { cwd: dir })
    const gnu = coreutilsCheck("sha256sum", [name])
    expect(r.stdout).toBe(gnu.stdout)
    expect(r.stdout).toBe("alpha: OK\ngone: FAILED open or read\ngamma.bin: OK\nwith space: OK\ndelta: OK\n")
    expect(r.stderr).toBe(asSluice(gnu.stderr, "sha256sum"))
    expect(r.stderr).toBe("sluice: gone: No such file or directory\nsluice: WARNING: 1 listed file could not be read\n")
    expect(r.status).toBe(3) // sha256sum exits 1; sluice's table says 3 for an input that cannot be used.
  })

  it("--ignore-missing skips it silently, as sha256sum -c --ignore-missing does", async () => {
    const r = await sluice(["check", "--ignore-missing", name], { cwd: dir })
    const gnu = coreutilsCheck("sha256sum", ["--ignore-missing", name])
    expect(r.stdout).toBe(gnu.stdout)
    expect(r.stdout).not.toContain("gone")
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
  })

  it("--ignore-missing fails when no listed file exists at all ('no file was verified')", async () => {
    const none = sums("NONE-PRESENT", SHA256SUMS.replaceAll(/ {2}(.*)$/gm, "  absent-$1"))
    const r = await sluice(["check", "--ignore-missing", none], { cwd: dir })
    expect(coreutilsCheck("sha256sum", ["--ignore-missing", none]).stderr).toBe(
      `sha256sum: ${none}: no file was verified\n`
    )
    expect(r.stderr).toBe(`sluice: ${none}: no file was verified\n`)
    expect(r.status).not.toBe(0)
  })

  it("--status prints nothing and exits 3", async () => {
    const r = await sluice(["check", "--status", name], { cwd: dir })
    expect(r.stdout + r.stderr).toBe("")
    expect(r.status).toBe(3)
  })
})

describe("a malformed line", () => {
  let name = ""
  beforeAll(() => {
    const [first, ...rest] = SHA256SUMS.split("\n")
    name = sums("MALFORMED", [first, "this is not a checksum line", ...rest].join("\n"))
  })

  it("is counted in a warning while the other lines are still checked, exit 0", async () => {
    const r = await sluice(["check", name], { cwd: dir })
    const gnu = coreutilsCheck("sha256sum", [name])
    expect(r.stdout).toBe(gnu.stdout)
    expect(r.stdout).toBe(FILES.map((f) => `${f}: OK\n`).join(""))
    expect(r.stderr).toBe(asSluice(gnu.stderr, "sha256sum"))
    expect(r.stderr).toBe("sluice: WARNING: 1 line is improperly formatted\n")
    expect(r.status).toBe(gnu.status)
    expect(r.status).toBe(0)
  })

  it("--warn names the checksum file and the line number", async () => {
    const r = await sluice(["check", "--warn", name], { cwd: dir })
    expect(r.stdout).toBe(FILES.map((f) => `${f}: OK\n`).join(""))
    // sha256sum says "improperly formatted SHA256 checksum line"; sluice names no algorithm.
    expect(r.stderr.split("\n")[0]).toMatch(new RegExp(`^sluice: ${name}: 2: improperly formatted (SHA256 )?checksum line$`))
    expect(r.stderr).toContain("sluice: WARNING: 1 line is improperly formatted\n")
    expect(r.status).toBe(0)
  })

  it("--strict makes it exit non-zero (3) after checking the other lines", async () => {
    const r = await sluice(["check", "--strict", name], { cwd: dir })
    const gnu = coreutilsCheck("sha256sum", ["--strict", name])
    expect(gnu.status).not.toBe(0)
    expect(r.stdout).toBe(gnu.stdout)
    expect(r.stderr).toBe(asSluice(gnu.stderr, "sha256sum"))
    expect(r.status).toBe(3)
  })
})

describe("several checksum files in one run", () => {
  it("checks the readable ones, reports the missing one, and exits with the worst code", async () => {
    const r = await sluice(["check", "NO-SUCH-SUMS", "SHA256SUMS"], { cwd: dir })
    expect(r.stdout).toBe(FILES.map((f) => `${f}: OK\n`).join(""))
    expect(r.stderr).toBe("sluice: NO-SUCH-SUMS: No such file or directory\n")
    expectCleanStderr(r.stderr)
    expect(r.status).toBe(3)
  })
})
