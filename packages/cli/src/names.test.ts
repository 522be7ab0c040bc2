/** Names as bytes: OS strings, the raw command line, and stderr quoting checked against sha256sum. */
import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { shellBytes } from "./cli.testkit.js"
import { fromOsBytes, jsonName, osBytes, quoteName, withRawArgs } from "./names.js"

const bytes = (text: string) => Buffer.from(text, "latin1")


describe("OS strings", () => {
  it.each([["ascii"], ["caf\xe9"], ["bad\xffname"], ["\xc3\xa9t\xc3\xa9"], ["\xed\xa0\x80"], ["\xc3"], ["a\xf0\x9f\x98\x80b\xff"]])("%j round-trips", (latin1) => {
    const name = bytes(latin1)
    expect(Buffer.from(osBytes(fromOsBytes(name))).equals(name)).toBe(true)
  })

  it("keeps valid UTF-8 as text and escapes each other byte as a lone surrogate", () => {
    expect(fromOsBytes(bytes("\xc3\xa9t\xc3\xa9"))).toBe("été")
    expect(fromOsBytes(bytes("bad\xffname"))).toBe("bad\udcffname")
    expect(fromOsBytes(bytes("a\xff"))).not.toBe(fromOsBytes(bytes("a\xfe")))
  })
})

describe("withRawArgs", () => {
  const cmdline = (...args: Array<string>) => ["node", "--enable-source-maps", "dist/bin.js", ...args].map(bytes)

  it("replaces only arguments Node decoded with U+FFFD, by the bytes the kernel has", () => {
    const args = ["hash", "bad\ufffdname", "caf\u00e9", "-a", "sha256"]
    const raw = cmdline("hash", "bad\xffname", "caf\xc3\xa9", "-a", "sha256")
    expect(withRawArgs(args, raw)).toEqual(["hash", "bad\udcffname", "café", "-a", "sha256"])
  })

  it("keeps an argument that really contains U+FFFD", () => {
    expect(withRawArgs(["hash", "x\ufffd"], cmdline("hash", "x\xef\xbf\xbd"))).toEqual(["hash", "x\ufffd"])
  })

  it("keeps Node's arguments when the command line does not agree, or is not there", () => {
    expect(withRawArgs(["hash", "a\ufffd"], cmdline("hash", "b\xff"))).toEqual(["hash", "a\ufffd"])
    expect(withRawArgs(["hash", "a\ufffd"], [bytes("a\xff")])).toEqual(["hash", "a\ufffd"])
    expect(withRawArgs(["hash", "a\ufffd"], undefined)).toEqual(["hash", "a\ufffd"])
  })

  it("reads this process's own command line", () => {
    expect(withRawArgs(process.argv.slice(2))).toEqual(process.argv.slice(2))
  })
})

describe("jsonName", () => {
  it("is the text, plus the bytes in hex only when the text lost some", () => {
    expect(jsonName(bytes("caf\xc3\xa9"))).toEqual({ file: "café" })
    expect(jsonName(bytes("bad\xffname"))).toEqual({ file: "bad\ufffdname", fileHex: "626164ff6e616d65" })
  })
})

describe("quoteName is coreutils' quotef (sha256sum's messages, UTF-8 locale)", () => {
  const names = [
    "plain", "a b", "a:b", "", "#a", "a#", "~a", "a~", "{", "{a", "a=b", "it's", "it's:x", "it's#", "#it's", "it's@",
    "a\tb", "a\nb", "a\rb", "\x07\x08\x0b\x0c", "\xff", "\xffa", "a\xff\xfeb", "\x01", "\x7f", "a%b", "a,b", "\xc3\xa9",
    "\xe2\x80\x8b", "\xc2\x85", "a'b c", "a!", "a@b", "\\", "\xe2\x80\xa8", "\xcd\xb8", "\xc3", "\xc3x", "a\x1b[",
    "\xed\xa0\x80", "\xc0\xaf", "x\xf4\x90\x80\x80", "$'", "'$", "\xff'", "a{'b", "bad\xffname", "caf\xe9", "x?y", "a*",
    "\xf0\x9f\x98\x80 x", "-", "--", "a]b", "a[b", "a^b", "a`b", "a|b", "a&b", "a;b", "a<b>", "(a)", "a\"b", "a\"'b"
  ].map(bytes)

  it.each(names.map((name) => [shellBytes(name), name]))("%s", (shell, name) => {
    const gnu = spawnSync("bash", ["-c", `sha256sum -- ${shell}`], { env: { ...process.env, LC_ALL: "C.UTF-8" } })
    const line = gnu.stderr.toString("utf8").trimEnd()
    // '-' is standard input, which exists.
    if (gnu.status === 0) return
    expect(line).toMatch(/^sha256sum: /)
    expect(`sha256sum: ${quoteName(name)}: No such file or directory`).toBe(line)
  })
})
