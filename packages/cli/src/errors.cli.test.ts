/**
 * Inputs that cannot be used: one clear `sluice: ...` line each on stderr (no stack
 * trace), the exit code from the table, and the other files of the run still processed.
 */
import { spawnSync } from "node:child_process"
import { chmodSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { binPath, expectCleanStderr, pseudoRandomBytes, sluice, useTempDir } from "./cli.testkit.js"

const ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
const ALGORITHMS = ["sha256", "sha384", "sha512", "sha1", "md5", "sha3-256", "sha3-512", "blake2b-512", "blake3"]

const dir = useTempDir("errors")
// Readable and traversable by an unprivileged user, for the permission tests.
chmodSync(dir, 0o755)
writeFileSync(join(dir, "abc"), "abc")
mkdirSync(join(dir, "a-directory"))
writeFileSync(join(dir, "SUMS"), `${ABC_SHA256}  abc\n`)
// Reproducible bytes with no line a checksum parser could take for a checksum line.
writeFileSync(join(dir, "random.bin"), pseudoRandomBytes(4096))

describe("sluice hash", () => {
  it("a directory: 'Is a directory', the other file still hashed, exit 3", async () => {
    const r = await sluice(["hash", "a-directory", "abc"], { cwd: dir })
    expect(r.stdout).toBe(`${ABC_SHA256}  abc\n`)
    expect(r.stderr).toBe("sluice: a-directory: Is a directory\n")
    expectCleanStderr(r.stderr)
    expect(r.status).toBe(3)
  })

  it("a missing file: 'No such file or directory', the other files still hashed in order, exit 3", async () => {
    const r = await sluice(["hash", "abc", "no-such-file", "abc"], { cwd: dir })
    expect(r.stdout).toBe(`${ABC_SHA256}  abc\n${ABC_SHA256}  abc\n`)
    expect(r.stderr).toBe("sluice: no-such-file: No such file or directory\n")
    expectCleanStderr(r.stderr)
    expect(r.status).toBe(3)
  })

  it("several bad inputs in one run: one line each, in order, exit 3", async () => {
    const r = await sluice(["hash", "-a", "blake3", "no-such-file", "abc", "a-directory"], { cwd: dir })
    expect(r.stdout).toBe("6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85  abc\n")
    expect(r.stderr).toBe("sluice: no-such-file: No such file or directory\nsluice: a-directory: Is a directory\n")
    expect(r.status).toBe(3)
  })

  it("--json: a failed file is an object with an error code and message, exit 3", async () => {
    const r = await sluice(["hash", "--json", "no-such-file", "abc"], { cwd: dir })
    expect(r.stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown)).toEqual([
      { file: "no-such-file", error: { code: "FileNotFound", message: "no-such-file: No such file or directory" } },
      { file: "abc", bytes: 3, sha256: ABC_SHA256 }
    ])
    expect(r.stderr).toBe("sluice: no-such-file: No such file or directory\n")
    expect(r.status).toBe(3)
  })

  it.each([
    ["nope", "nope"],
    ["sha257", "sha257"],
    ["sha256,nope", "nope"]
  ])(
    "an unknown algorithm (-a %s): exit 2, one line listing the supported ones, nothing hashed",
    async (option, unknown) => {
      const r = await sluice(["hash", "-a", option, "abc"], { cwd: dir })
      expect(r.stdout).toBe("")
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1)
      expect(r.stderr).toContain(`unsupported algorithm '${unknown}'`)
      for (const algorithm of ALGORITHMS) expect(r.stderr).toContain(algorithm)
      expectCleanStderr(r.stderr)
      expect(r.status).toBe(2)
    }
  )

  it("an unknown option: exit 2 with a one-line message, no stack trace", async () => {
    const r = await sluice(["hash", "--frobnicate", "abc"], { cwd: dir })
    expect(r.stdout).toBe("")
    expect(r.stderr.split("\n")[0]).toBe("sluice: unknown option '--frobnicate'")
    expect(r.stderr).not.toMatch(/^\s+at /m)
    expect(r.status).toBe(2)
  })
})

describe("sluice check", () => {
  it("a binary file as the checksum file: exit 3, 'no properly formatted checksum lines found'", async () => {
    const r = await sluice(["check", "random.bin"], { cwd: dir })
    expect(r.stdout).toBe("")
    expect(r.stderr).toBe("sluice: random.bin: no properly formatted checksum lines found\n")
    expectCleanStderr(r.stderr)
    expect(r.status).toBe(3)
  })

  it("a binary checksum file next to a good one: the good one is still checked, exit 3", async () => {
    const r = await sluice(["check", "random.bin", "SUMS"], { cwd: dir })
    expect(r.stdout).toBe("abc: OK\n")
    expect(r.stderr).toBe("sluice: random.bin: no properly formatted checksum lines found\n")
    expect(r.status).toBe(3)
  })

  it("a directory as the checksum file: exit 3, 'Is a directory'", async () => {
    const r = await sluice(["check", "a-directory", "SUMS"], { cwd: dir })
    expect(r.stdout).toBe("abc: OK\n")
    expect(r.stderr).toBe("sluice: a-directory: Is a directory\n")
    expect(r.status).toBe(3)
  })

  it("a directory listed in the checksum file: 'FAILED open or read', the rest checked, exit 3", async () => {
    writeFileSync(join(dir, "SUMS-DIR"), `${ABC_SHA256}  a-directory\n${ABC_SHA256}  abc\n`)
    const r = await sluice(["check", "SUMS-DIR"], { cwd: dir })
    expect(r.stdout).toBe("a-directory: FAILED open or read\nabc: OK\n")
    expect(r.stderr).toBe("sluice: a-directory: Is a directory\nsluice: WARNING: 1 listed file could not be read\n")
    expectCleanStderr(r.stderr)
    expect(r.status).toBe(3)
  })

  it("an unknown algorithm (-a nope): exit 2, one line listing the supported ones", async () => {
    const r = await sluice(["check", "-a", "nope", "SUMS"], { cwd: dir })
    expect(r.stdout).toBe("")
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("unsupported algorithm 'nope'")
    for (const algorithm of ALGORITHMS) expect(r.stderr).toContain(algorithm)
    expectCleanStderr(r.stderr)
    expect(r.status).toBe(2)
  })
})

/**
 * Root reads any file whatever its mode, so as root the unreadable-file cases run as
 * `nobody` (uid/gid 65534) through setpriv; as any other user they run directly.
 */
describe("an unreadable file (mode 000)", () => {
  const isRoot = process.getuid?.() === 0
  const prefix = isRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []

  beforeAll(() => {
    writeFileSync(join(dir, "locked"), "secret")
    chmodSync(join(dir, "locked"), 0o000)
    writeFileSync(join(dir, "SUMS-LOCKED"), `${ABC_SHA256}  locked\n${ABC_SHA256}  abc\n`)
    writeFileSync(join(dir, "LOCKED-SUMS"), `${ABC_SHA256}  abc\n`)
    chmodSync(join(dir, "LOCKED-SUMS"), 0o000)
    if (isRoot) {
      // The unprivileged user must be able to run Node and read the built CLI.
      const probe = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, "-e", "require('fs').readFileSync(process.argv[1])", binPath], {
        cwd: dir,
        encoding: "utf8"
      })
      if (probe.error !== undefined || probe.status !== 0) {
        throw new Error(
          `cannot run Node as uid 65534 for the permission tests (${probe.error?.message ?? probe.stderr}); ` +
            "Node and packages/cli/dist must be readable and executable by that user"
        )
      }
    }
  })

  it("hash: 'Permission denied', the other file still hashed, exit 3", async () => {
    const r = await sluice(["hash", "locked", "abc"], { cwd: dir, prefix })
    expect(r.stdout).toBe(`${ABC_SHA256}  abc\n`)
    expect(r.stderr).toBe("sluice: locked: Permission denied\n")
    expectCleanStderr(r.stderr)
    expect(r.status).toBe(3)
  })

  it("hash -w 0: the same on the main thread", async () => {
    const r = await sluice(["hash", "-w", "0", "locked", "abc"], { cwd: dir, prefix })
    expect(r.stdout).toBe(`${ABC_SHA256}  abc\n`)
    expect(r.stderr).toBe("sluice: locked: Permission denied\n")
    expect(r.status).toBe(3)
  })

  it("check: a listed unreadable file is 'FAILED open or read', the rest checked, exit 3", async () => {
    const r = await sluice(["check", "SUMS-LOCKED"], { cwd: dir, prefix })
    expect(r.stdout).toBe("locked: FAILED open or read\nabc: OK\n")
    expect(r.stderr).toBe("sluice: locked: Permission denied\nsluice: WARNING: 1 listed file could not be read\n")
    expectCleanStderr(r.stderr)
    expect(r.status).toBe(3)
  })

  it("check: an unreadable checksum file is 'Permission denied', the next one still checked, exit 3", async () => {
    const r = await sluice(["check", "LOCKED-SUMS", "SUMS"], { cwd: dir, prefix })
    expect(r.stdout).toBe("abc: OK\n")
    expect(r.stderr).toBe("sluice: LOCKED-SUMS: Permission denied\n")
    expectCleanStderr(r.stderr)
    expect(r.status).toBe(3)
  })
})
