import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { blake2b } from "@noble/hashes/blake2.js"
import { blake3 } from "@noble/hashes/blake3.js"
import { md5, sha1 } from "@noble/hashes/legacy.js"
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js"
import { sha3_256, sha3_512 } from "@noble/hashes/sha3.js"
import { bytesToHex } from "@noble/hashes/utils.js"
import { afterAll, describe, expect, it } from "vitest"
import { HASH_ALGORITHMS, type HashAlgorithm } from "./HashAlgorithm.js"
import {
  digestLength,
  formatChecksumLine,
  parseAlgorithm,
  formatChecksumLineBytes,
  parseChecksumFile,
  parseChecksumFileBytes,
  printableNameBytes,
  parseChecksumLine,
  lengthHint,
  lineAlgorithm
} from "./checksumLine.js"

const HASH: Record<HashAlgorithm, (data: Uint8Array) => Uint8Array> = {
  sha256,
  sha384,
  sha512,
  sha1,
  md5,
  "sha3-256": sha3_256,
  "sha3-512": sha3_512,
  "blake2b-512": (data) => blake2b(data),
  blake3: (data) => blake3(data)
}
const hexOf = (algorithm: HashAlgorithm, text: string): string =>
  bytesToHex(HASH[algorithm](new TextEncoder().encode(text)))

const run = (cmd: string, args: ReadonlyArray<string>, cwd?: string) =>
  spawnSync(cmd, args, { encoding: "utf8", ...(cwd === undefined ? {} : { cwd }) })
const works = (cmd: string, args: ReadonlyArray<string>): boolean => run(cmd, args).status === 0

const b3Version = /b3sum (\d+)\.(\d+)\.(\d+)/.exec(run("b3sum", ["--version"]).stdout ?? "")
const b3AtLeast = (major: number, minor: number, patch: number): boolean => {
  if (b3Version === null) return false
  const [a, b, c] = b3Version.slice(1).map(Number) as [number, number, number]
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch
}
const hasB3sum = b3Version !== null
// b3sum escapes `\r` like coreutils only since 1.5.5, and has `--tag` since 1.7.0.
const b3EscapesCr = b3AtLeast(1, 5, 5)
const hasCksumSha3 = works("cksum", ["-a", "sha3", "-l", "256", "/dev/null"])

const tmp = mkdtempSync(join(tmpdir(), "checksumLine-"))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const NAMES = [
  "plain.txt",
  "a b",
  "back\\slash",
  "new\nline",
  "*star",
  "ünï €.txt",
  "cr\r",
  "tab\tx",
  " lead",
  "trail ",
  "paren) = x",
  "-dash"
]
const FILES = join(tmp, "files")
mkdirSync(FILES)
const contentOf = (name: string): string => `content of ${JSON.stringify(name)}\n`
for (const name of NAMES) writeFileSync(join(FILES, name), contentOf(name))

interface Tool {
  readonly cmd: string
  readonly args: ReadonlyArray<string>
  readonly algorithm: HashAlgorithm
  readonly style: "gnu" | "bsd"
  readonly binary?: boolean
  readonly enabled: boolean
  readonly names: ReadonlyArray<string>
}
const tool = (
  cmd: string,
  args: ReadonlyArray<string>,
  algorithm: HashAlgorithm,
  style: "gnu" | "bsd",
  extra: Partial<Pick<Tool, "binary" | "enabled" | "names">> = {}
): Tool => ({ cmd, args, algorithm, style, enabled: true, names: NAMES, ...extra })

const b3Names = b3EscapesCr ? NAMES : NAMES.filter((n) => !n.includes("\r"))
const TOOLS: ReadonlyArray<Tool> = [
  tool("sha256sum", [], "sha256", "gnu"),
  tool("sha256sum", ["--binary"], "sha256", "gnu", { binary: true }),
  tool("sha256sum", ["--tag"], "sha256", "bsd"),
  tool("md5sum", [], "md5", "gnu"),
  tool("md5sum", ["--tag"], "md5", "bsd"),
  tool("sha1sum", [], "sha1", "gnu"),
  tool("sha1sum", ["--tag"], "sha1", "bsd"),
  tool("sha384sum", [], "sha384", "gnu"),
  tool("sha512sum", ["--tag"], "sha512", "bsd"),
  tool("b2sum", [], "blake2b-512", "gnu"),
  tool("b2sum", ["--tag"], "blake2b-512", "bsd"),
  tool("cksum", ["-a", "sha256"], "sha256", "bsd"),
  tool("cksum", ["-a", "sha3", "-l", "256"], "sha3-256", "bsd", { enabled: hasCksumSha3 }),
  tool("cksum", ["-a", "sha3", "-l", "512"], "sha3-512", "bsd", { enabled: hasCksumSha3 }),
  tool("b3sum", [], "blake3", "gnu", { enabled: hasB3sum, names: b3Names }),
  tool("b3sum", ["--tag"], "blake3", "bsd", { enabled: b3AtLeast(1, 7, 0), names: b3Names })
]

describe("algorithms", () => {
  it("digestLength matches the real digests", () => {
    for (const algorithm of HASH_ALGORITHMS) {
      expect(digestLength(algorithm)).toBe(HASH[algorithm](new Uint8Array()).length)
    }
  })

  it.each([
    ["SHA256", "sha256"],
    ["sha-256", "sha256"],
    ["sha256sum", "sha256"],
    ["SHA2-256", "sha256"],
    ["SHA384", "sha384"],
    ["sha_512", "sha512"],
    ["SHA1", "sha1"],
    ["sha-1", "sha1"],
    ["MD5", "md5"],
    ["md5sum", "md5"],
    ["SHA3-256", "sha3-256"],
    ["sha3_512", "sha3-512"],
    ["blake2b", "blake2b-512"],
    ["BLAKE2b-512", "blake2b-512"],
    ["b2", "blake2b-512"],
    ["b2sum", "blake2b-512"],
    ["BLAKE3", "blake3"],
    ["b3sum", "blake3"],
    ["sha224", undefined],
    ["sha3", undefined],
    ["blake2s", undefined],
    ["toString", undefined],
    ["", undefined]
  ] as const)("parseAlgorithm(%j) = %j", (name, expected) => {
    expect(parseAlgorithm(name)).toBe(expected)
  })

  it("accepts every id it exports", () => {
    for (const algorithm of HASH_ALGORITHMS) expect(parseAlgorithm(algorithm)).toBe(algorithm)
  })
})

describe.each(TOOLS)("$cmd $args", (t) => {
  const result = t.enabled ? run(t.cmd, [...t.args, "--", ...t.names], FILES) : undefined
  const lines = result?.stdout.split("\n").slice(0, -1) ?? []

  it.runIf(t.enabled)("prints exactly what formatChecksumLine prints", () => {
    expect(result?.status).toBe(0)
    expect(lines).toEqual(
      t.names.map((name) =>
        formatChecksumLine({
          algorithm: t.algorithm,
          digestHex: hexOf(t.algorithm, contentOf(name)),
          name,
          style: t.style,
          ...(t.binary === undefined ? {} : { binary: t.binary })
        })
      )
    )
  })

  it.runIf(t.enabled)("parses its lines back", () => {
    const ambiguous = HASH_ALGORITHMS.filter((a) => digestLength(a) === digestLength(t.algorithm)).length > 1
    lines.forEach((line, i) => {
      const name = t.names[i] ?? ""
      const expected = {
        _tag: "Parsed",
        digestHex: hexOf(t.algorithm, contentOf(name)),
        name,
        binary: t.binary ?? false,
        style: t.style
      }
      expect(parseChecksumLine(line)).toEqual({
        ...expected,
        algorithm: t.style === "bsd" || !ambiguous ? t.algorithm : undefined
      })
      expect(parseChecksumLine(line, { algorithm: t.algorithm })).toEqual({ ...expected, algorithm: t.algorithm })
      expect(parseChecksumLine(`${line}\r\n`, { algorithm: t.algorithm })).toEqual({ ...expected, algorithm: t.algorithm })
    })
  })
})

interface Checker {
  readonly cmd: string
  readonly args: ReadonlyArray<string>
  readonly algorithm: HashAlgorithm
  readonly styles: ReadonlyArray<"gnu" | "bsd">
  readonly enabled: boolean
}
const CHECKERS: ReadonlyArray<Checker> = [
  { cmd: "sha256sum", args: ["--strict", "--warn"], algorithm: "sha256", styles: ["gnu", "bsd"], enabled: true },
  { cmd: "md5sum", args: ["--strict", "--warn"], algorithm: "md5", styles: ["gnu", "bsd"], enabled: true },
  { cmd: "sha512sum", args: ["--strict", "--warn"], algorithm: "sha512", styles: ["gnu", "bsd"], enabled: true },
  { cmd: "b2sum", args: ["--strict", "--warn"], algorithm: "blake2b-512", styles: ["gnu", "bsd"], enabled: true },
  { cmd: "cksum", args: ["-a", "sha3", "--strict", "--warn"], algorithm: "sha3-256", styles: ["bsd"], enabled: hasCksumSha3 },
  { cmd: "b3sum", args: [], algorithm: "blake3", styles: b3AtLeast(1, 7, 0) ? ["gnu", "bsd"] : ["gnu"], enabled: hasB3sum }
]

describe.each(CHECKERS)("$cmd --check $args", ({ cmd, args, algorithm, styles, enabled }) => {
  it.runIf(enabled)("verifies every line formatChecksumLine prints", () => {
    const names = algorithm === "blake3" ? b3Names : NAMES
    // b3sum --check only takes `<hex>  <name>`: no `*` marker.
    const binaryOk = cmd !== "b3sum"
    const text = styles.flatMap((style) =>
      names.map((name, i) =>
        formatChecksumLine({
          algorithm,
          digestHex: hexOf(algorithm, contentOf(name)),
          name,
          style,
          binary: binaryOk && i % 2 === 0
        })
      )
    )
    const file = join(tmp, `${cmd}.check`)
    writeFileSync(file, `${text.join("\n")}\n`)
    const result = run(cmd, ["--check", ...args, file], FILES)
    expect(result.stderr).toBe("")
    expect(result.status).toBe(0)
    expect(result.stdout.match(/: OK$/gm)).toHaveLength(text.length)
  })
})

const H = hexOf("sha256", "hello")
const U = H.toUpperCase()
const M = hexOf("md5", "hello")

/** Runs `sha256sum --check --warn` on a one-line file. */
const sha256Check = (line: string, cwd: string = tmp) => {
  const file = join(tmp, "one.sha256")
  writeFileSync(file, `${line}\n`)
  return run("sha256sum", ["--check", "--warn", file], cwd)
}
const improperly = (stderr: string): Array<number> =>
  [...stderr.matchAll(/: (\d+): improperly formatted SHA256 checksum line/g)].map((m) => Number(m[1]))

describe("malformed lines", () => {
  const table: ReadonlyArray<readonly [string, string]> = [
    ["digest only", H],
    ["digest and one blank", `${H} `],
    ["digest too long", `${H}0  f`],
    ["digest too short", `${H.slice(1)}  f`],
    ["non-hex digit", `${H.slice(1)}g  f`],
    ["md5 digest for sha256", `${M}  f`],
    ["no-break space after digest", `${H}\u00a0 f`],
    ["vertical tab after digest", `${H}\v f`],
    ["blank after escape mark", `\\ ${H}  f`],
    ["doubled escape mark", `\\\\${H}  f`],
    ["unknown escape in name", `\\${H}  a\\qb`],
    ["trailing backslash in name", `\\${H}  a\\`],
    ["blank line", " "],
    ["comment after a blank", ` #${H}  f`],
    ["two spaces before (", `SHA256  (f) = ${H}`],
    ["tab before (", `SHA256\t(f) = ${H}`],
    ["missing =", `SHA256 (f) ${H}`],
    ["double =", `SHA256 (f) == ${H}`],
    ["trailing space after digest", `SHA256 (f) = ${H} `],
    ["missing )", `SHA256 (f = ${H}`],
    ["missing (", `SHA256 f) = ${H}`],
    ["lower-case tag", `sha256 (f) = ${H}`],
    ["other algorithm's tag", `MD5 (f) = ${M}`],
    ["length suffix on SHA256", `SHA256-256 (f) = ${H}`],
    ["tag with short digest", `SHA256 (f) = ${H.slice(2)}`],
    ["unknown escape in tagged name", `\\SHA256 (a\\qb) = ${H}`],
    ["garbage", "x"]
  ]

  it.each(table)("%s", (_, line) => {
    const parsed = parseChecksumLine(line, { algorithm: "sha256" })
    expect(parsed._tag).toBe("Malformed")
    expect(improperly(sha256Check(line).stderr)).toEqual([1])
  })

  it("rejects GNU lines whose digest length no algorithm has", () => {
    expect(parseChecksumLine(`${H.slice(8)}  f`)._tag).toBe("Malformed")
    expect(parseChecksumLine(`${H}  f`, { algorithm: "sha512" })._tag).toBe("Malformed")
  })

  it("rejects unsupported coreutils tags", () => {
    for (const tag of ["SHA224", "SHA3-384", "BLAKE2b-256", "SM3", "CRC"]) {
      expect(parseChecksumLine(`${tag} (f) = ${H}`)._tag).toBe("Malformed")
    }
  })

  // coreutils accepts these as well-formed and then fails to open the file.
  it("rejects an empty name and NUL", () => {
    expect(parseChecksumLine(`SHA256 () = ${H}`)._tag).toBe("Malformed")
    expect(improperly(sha256Check(`SHA256 () = ${H}`).stderr)).toEqual([])
    expect(parseChecksumLine(`${H}  a\0b`)._tag).toBe("Malformed")
  })
})

describe("lines coreutils accepts", () => {
  const dir = join(tmp, "ok")
  mkdirSync(dir)
  writeFileSync(join(dir, "ok"), "hello")
  const table: ReadonlyArray<readonly [string, string, boolean?]> = [
    ["two spaces", `${H}  ok`],
    ["binary", `${H} *ok`, true],
    ["leading blanks", `  ${H}  ok`],
    ["leading tab", `\t${H}  ok`],
    ["tab then space", `${H}\t ok`],
    ["tab then *", `${H}\t*ok`, true],
    ["one space (BSD md5 -r)", `${H} ok`],
    ["one tab (BSD md5 -r)", `${H}\tok`],
    ["CRLF", `${H}  ok\r`],
    ["upper-case digest", `${U}  ok`],
    ["escaped with nothing to escape", `\\${H}  ok`],
    ["blanks before escape mark", ` \\${H}  ok`],
    ["tag", `SHA256 (ok) = ${H}`],
    ["openssl", `SHA256(ok)= ${H}`],
    ["openssl without blanks", `SHA256(ok)=${H}`],
    ["tabs around =", `SHA256 (ok)\t=\t${H}`],
    ["leading blank before tag", ` SHA256 (ok) = ${H}`],
    ["escaped tag", `\\SHA256 (ok) = ${H}`],
    ["tag with CRLF", `SHA256 (ok) = ${H}\r`],
    ["tag with upper-case digest", `SHA256 (ok) = ${U}`]
  ]

  it.each(table.map(([what, line, binary]) => [what, line, binary ?? false] as const))("%s", (_, line, binary) => {
    const style = line.includes("(") ? "bsd" : "gnu"
    expect(parseChecksumLine(line, { algorithm: "sha256" })).toEqual({
      _tag: "Parsed",
      algorithm: "sha256",
      digestHex: H,
      name: "ok",
      binary,
      style
    })
    const result = sha256Check(line, dir)
    expect(result.stderr).toBe("")
    expect(result.stdout).toBe("ok: OK\n")
  })

  it.each([
    ["the name is the last ')'", `SHA256 (a) = b) = ${H}`, "a) = b"],
    ["a single character after the blank is the name", `${H}  `, " "],
    ["a lone * is the name", `${H} *`, "*"],
    ["name keeps trailing blanks", `${H}  a \t`, "a \t"],
    ["unescaped backslash in a tagged name", `SHA256 (a\\qb) = ${H}`, "a\\qb"],
    ["unescaped \\n stays literal", `${H}  a\\nb`, "a\\nb"],
    ["escapes", `\\${H}  a\\\\b\\nc\\rd`, "a\\b\nc\rd"],
    ["escapes in a tag", `\\SHA256 (a\\\\b\\nc\\rd) = ${H}`, "a\\b\nc\rd"],
    ["only one trailing CR is dropped", `${H}  a\r\r`, "a\r"],
    ["inner CR kept", `${H}  a\rb`, "a\rb"]
  ])("%s", (_, line, name) => {
    const parsed = parseChecksumLine(line, { algorithm: "sha256" })
    expect(parsed).toMatchObject({ _tag: "Parsed", name, digestHex: H })
    expect(improperly(sha256Check(line).stderr)).toEqual([])
  })

  it("infers the algorithm from unambiguous GNU digest lengths", () => {
    expect(parseChecksumLine(`${M}  f`)).toMatchObject({ algorithm: "md5" })
    expect(parseChecksumLine(`${hexOf("sha1", "")}  f`)).toMatchObject({ algorithm: "sha1" })
    expect(parseChecksumLine(`${hexOf("sha384", "")}  f`)).toMatchObject({ algorithm: "sha384" })
    expect(parseChecksumLine(`${H}  f`)).toMatchObject({ _tag: "Parsed", algorithm: undefined })
    expect(parseChecksumLine(`${hexOf("sha512", "")}  f`)).toMatchObject({ _tag: "Parsed", algorithm: undefined })
    expect(parseChecksumLine(`${hexOf("sha512", "")}  f`, { algorithm: "blake2b-512" })).toMatchObject({
      algorithm: "blake2b-512"
    })
  })

  it("reads the algorithm from every tag", () => {
    const cases: ReadonlyArray<readonly [string, HashAlgorithm]> = [
      ["MD5", "md5"],
      ["SHA1", "sha1"],
      ["SHA256", "sha256"],
      ["SHA384", "sha384"],
      ["SHA512", "sha512"],
      ["SHA2-256", "sha256"],
      ["SHA2-512", "sha512"],
      ["SHA3-256", "sha3-256"],
      ["SHA3-512", "sha3-512"],
      ["SHA3", "sha3-512"],
      ["BLAKE2b", "blake2b-512"],
      ["BLAKE2b-512", "blake2b-512"],
      ["BLAKE3", "blake3"]
    ]
    for (const [tag, algorithm] of cases) {
      const digestHex = hexOf(algorithm, "")
      expect(parseChecksumLine(`${tag} (f) = ${digestHex}`)).toEqual({
        _tag: "Parsed",
        algorithm,
        digestHex,
        name: "f",
        binary: false,
        style: "bsd"
      })
    }
  })
})

describe("formatChecksumLine", () => {
  it("prints the coreutils tags", () => {
    const tags = HASH_ALGORITHMS.map((algorithm) =>
      formatChecksumLine({ algorithm, digestHex: hexOf(algorithm, ""), name: "f", style: "bsd" }).split(" (")[0]
    )
    expect(tags).toEqual(["SHA256", "SHA384", "SHA512", "SHA1", "MD5", "SHA3-256", "SHA3-512", "BLAKE2b", "BLAKE3"])
  })

  it("prints lower-case hex and escapes names", () => {
    expect(formatChecksumLine({ algorithm: "sha256", digestHex: U, name: "a\\b\nc\rd", style: "gnu", binary: true })).toBe(
      `\\${H} *a\\\\b\\nc\\rd`
    )
    expect(formatChecksumLine({ algorithm: "sha256", digestHex: U, name: "a\\b", style: "bsd", binary: true })).toBe(
      `\\SHA256 (a\\\\b) = ${H}`
    )
  })

  it("throws on invalid input", () => {
    const ok = { algorithm: "sha256", digestHex: H, name: "f", style: "gnu" } as const
    expect(() => formatChecksumLine({ ...ok, digestHex: M })).toThrow(RangeError)
    expect(() => formatChecksumLine({ ...ok, digestHex: `${H.slice(1)}g` })).toThrow(RangeError)
    expect(() => formatChecksumLine({ ...ok, name: "" })).toThrow(RangeError)
    expect(() => formatChecksumLine({ ...ok, name: "a\0" })).toThrow(RangeError)
  })
})

describe("parseChecksumFile", () => {
  it("skips what coreutils skips and numbers lines like its warnings", () => {
    const text = [
      "# comment",
      "",
      `${H}  ok`,
      ` # not a comment`,
      "\r",
      `#${H}  ok`,
      `${H} ok`,
      `SHA256 (ok) = ${H}`,
      `${H} *ok\r`,
      "   ",
      `${H}  ok`
    ].join("\n")
    const entries = parseChecksumFile(text, { algorithm: "sha256" })
    expect(entries.map((e) => [e.lineNumber, e._tag])).toEqual([
      [3, "Parsed"],
      [4, "Malformed"],
      [7, "Malformed"],
      [8, "Parsed"],
      [9, "Parsed"],
      [10, "Malformed"],
      [11, "Parsed"]
    ])
    expect(entries[4]).toMatchObject({ name: "ok", binary: true })

    const file = join(tmp, "file.sha256")
    writeFileSync(file, text)
    const malformed = entries.filter((e) => e._tag === "Malformed").map((e) => e.lineNumber)
    expect(improperly(run("sha256sum", ["--check", "--warn", file], join(tmp, "ok")).stderr)).toEqual(malformed)
  })

  it("keeps to the layout of the first GNU line, as coreutils does", () => {
    const text = [`${H} ok`, `SHA256 (ok) = ${H}`, `${H}  ok`, `${H} *ok`].join("\n")
    expect(parseChecksumFile(text)).toEqual([
      { _tag: "Parsed", algorithm: undefined, digestHex: H, name: "ok", binary: false, style: "gnu", lineNumber: 1 },
      { _tag: "Parsed", algorithm: "sha256", digestHex: H, name: "ok", binary: false, style: "bsd", lineNumber: 2 },
      { _tag: "Parsed", algorithm: undefined, digestHex: H, name: " ok", binary: false, style: "gnu", lineNumber: 3 },
      { _tag: "Parsed", algorithm: undefined, digestHex: H, name: "*ok", binary: false, style: "gnu", lineNumber: 4 }
    ])
    const file = join(tmp, "reversed.sha256")
    writeFileSync(file, `${text}\n`)
    const result = run("sha256sum", ["--check", "--warn", file], join(tmp, "ok"))
    expect(improperly(result.stderr)).toEqual([])
    expect(result.stdout).toContain(" ok: FAILED open or read")
    expect(result.stdout).toContain("*ok: FAILED open or read")
  })
})

describe("names as bytes", () => {
  const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))
  const digest = "a".repeat(64)
  const names = ["bad\xffname", "caf\xe9", "a\nb\xff", "back\\slash\xfe", "caf\xc3\xa9", "\xff(x) = y"].map(latin1)

  it.each(names.map((name) => [JSON.stringify(String.fromCharCode(...name)), name]))("%s round-trips through a line, GNU and BSD", (_shown, name) => {
    for (const style of ["gnu", "bsd"] as const) {
      const line = formatChecksumLineBytes({ algorithm: "sha256", digestHex: digest, name, style })
      const [entry] = parseChecksumFileBytes(Uint8Array.from([...line, 10]))
      expect(entry?._tag).toBe("Parsed")
      if (entry?._tag !== "Parsed") continue
      expect(entry.nameBytes).toEqual(name)
      expect(entry.digestHex).toBe(digest)
      expect(entry.name).toBe(new TextDecoder().decode(name))
    }
  })

  it("says whether a name is text: ASCII and valid UTF-8 are, other bytes are not", () => {
    const lines = ["plain.txt", "caf\xc3\xa9", "caf\xe9"].map((name) => `${digest}  ${name}\n`).join("")
    const entries = parseChecksumFileBytes(latin1(lines))
    expect(entries.map((e) => e._tag === "Parsed" && e.text)).toEqual([true, true, false])
    expect(entries.map((e) => e._tag === "Parsed" && e.name)).toEqual(["plain.txt", "café", "caf\ufffd"])
    expect(parseChecksumFileBytes(latin1(`${digest}  plain.txt\n`)).map((e) => e._tag === "Parsed" && e.text)).toEqual([true])
  })

  it("prints the name's bytes as they are, escaped as coreutils escapes", () => {
    const line = formatChecksumLineBytes({ algorithm: "sha256", digestHex: digest, name: latin1("a\nb\xff"), style: "gnu" })
    expect(line).toEqual(latin1(`\\${digest}  a\\nb\xff`))
    expect(printableNameBytes(latin1("bad\xffname"))).toEqual(latin1("bad\xffname"))
    expect(printableNameBytes(latin1("a\n\xff"))).toEqual(latin1("\\a\\n\xff"))
  })

  it("reads a checksum file written by sha256sum byte for byte", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-names-"))
    try {
      const files = [latin1("bad\xffname"), latin1("caf\xe9"), latin1("new\nline")]
      for (const name of files) writeFileSync(Buffer.concat([Buffer.from(dir + "/"), name]), "x")
      const gnu = spawnSync("bash", ["-c", 'cd "$1" && sha256sum -- *', "_", dir])
      const entries = parseChecksumFileBytes(gnu.stdout)
      expect(entries.map((e) => e._tag === "Parsed" ? Buffer.from(e.nameBytes).toString("latin1") : e._tag).sort())
        .toEqual(files.map((f) => Buffer.from(f).toString("latin1")).sort())
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("lineAlgorithm", () => {
  const hex = (digits: number) => "ab".repeat(digits / 2)
  it("takes a tagged line's own algorithm, else -a, else SHA-512 for 128 digits and SHA-256 otherwise", () => {
    expect(lineAlgorithm({ algorithm: "blake3", digestHex: hex(64) }, "sha256")).toBe("blake3")
    expect(lineAlgorithm({ algorithm: undefined, digestHex: hex(128) }, "blake2b-512")).toBe("blake2b-512")
    expect(lineAlgorithm({ algorithm: undefined, digestHex: hex(128) }, undefined)).toBe("sha512")
    expect(lineAlgorithm({ algorithm: undefined, digestHex: hex(64) }, undefined)).toBe("sha256")
  })
})

describe("lengthHint", () => {
  const line = (text: string) => {
    const parsed = parseChecksumLine(text)
    if (parsed._tag !== "Parsed") throw new Error(parsed.reason)
    return parsed
  }
  const plain64 = line(`${"ab".repeat(32)}  file`)
  it("names the other algorithms of a plain line's length when no digest matched and -a was not given", () => {
    expect(lengthHint(plain64, undefined, 3, 3)).toBe(
      "no digest matched as SHA-256, which a line of 64 hex digits is read as without -a; for SHA3-256 or BLAKE3 digests, check with -a sha3-256 or -a blake3"
    )
    expect(lengthHint(line(`${"ab".repeat(64)}  file`), undefined, 1, 1)).toBe(
      "no digest matched as SHA-512, which a line of 128 hex digits is read as without -a; for SHA3-512 or BLAKE2b-512 digests, check with -a sha3-512 or -a blake2b-512"
    )
  })

  it("says nothing where a digest matched, none was read, -a was given, the line names its algorithm or no other has its length", () => {
    expect(lengthHint(plain64, undefined, 2, 3)).toBeUndefined()
    expect(lengthHint(plain64, undefined, 0, 0)).toBeUndefined()
    expect(lengthHint(plain64, "sha256", 3, 3)).toBeUndefined()
    expect(lengthHint(line(`SHA256 (file) = ${"ab".repeat(32)}`), undefined, 1, 1)).toBeUndefined()
    expect(lengthHint(line(`${"ab".repeat(20)}  file`), undefined, 1, 1)).toBeUndefined()
    expect(lengthHint(undefined, undefined, 1, 1)).toBeUndefined()
  })
})
