/** age's command-line rules for encrypt and decrypt, and its terminal rules. */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { AgeUsage, type DecryptArgs, type EncryptArgs, hasControlCharacters, planDecrypt, planEncrypt } from "./ageArgs.js"

const pipe = { stdoutIsTTY: false }
const tty = { stdoutIsTTY: true }
const enc = (options: Partial<EncryptArgs>): EncryptArgs => ({ passphrase: false, armor: false, json: false, ...options })
const dec = (options: Partial<DecryptArgs>): DecryptArgs => ({ json: false, ...options })

/** The lines a refused command line prints. */
const refusal = (f: () => unknown): Array<string> => {
  try {
    f()
  } catch (error) {
    if (error instanceof AgeUsage) return error.lines()
    throw error
  }
  throw new Error("accepted")
}

const dir = mkdtempSync(join(tmpdir(), "sluice-ageargs-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("planEncrypt", () => {
  it("refuses no recipient with age's hint", () => {
    expect(refusal(() => planEncrypt([], enc({}), pipe))).toEqual([
      "sluice: missing recipients",
      "sluice: hint: did you forget to specify -r/--recipient, -R/--recipients-file or -p/--passphrase?"
    ])
  })

  it("refuses -p with -r or -R", () => {
    expect(refusal(() => planEncrypt([], enc({ passphrase: true, recipient: ["age1x"] }), pipe))[0]).toBe("sluice: -p/--passphrase can't be combined with -r/--recipient")
    expect(refusal(() => planEncrypt([], enc({ passphrase: true, recipientsFile: ["f"] }), pipe))[0]).toBe("sluice: -p/--passphrase can't be combined with -R/--recipients-file")
  })

  it("refuses -i, decrypt's flag, with a hint", () => {
    // age -e -i: encrypted to the identities' recipients, never with -p.
    expect(planEncrypt([], enc({ identity: ["k"] }), pipe).identities).toEqual(["k"])
    expect(refusal(() => planEncrypt([], enc({ identity: ["k"], passphrase: true }), pipe))).toEqual(["sluice: -p/--passphrase can't be combined with -i/--identity"])
    expect(refusal(() => planEncrypt([], enc({ identity: ["-"] }), pipe))[0]).toBe("sluice: standard input is used for multiple purposes")
  })

  it("reads standard input for one purpose only: INPUT, -R - or --passphrase-fd 0", () => {
    expect(refusal(() => planEncrypt([], enc({ recipientsFile: ["-"] }), pipe))[0]).toBe("sluice: standard input is used for multiple purposes")
    expect(refusal(() => planEncrypt(["in"], enc({ recipientsFile: ["-", "-"] }), pipe))[0]).toBe("sluice: standard input is used for multiple purposes")
    expect(refusal(() => planEncrypt(["-"], enc({ passphrase: true, passphraseFd: "0" }), pipe))[0]).toBe("sluice: standard input is used for multiple purposes")
    expect(planEncrypt(["in"], enc({ recipientsFile: ["-"] }), pipe).recipientsFiles).toEqual(["-"])
  })

  it("refuses an output that is the input or a recipients file, by path or through a link", () => {
    const input = join(dir, "in")
    writeFileSync(input, "x")
    symlinkSync(input, join(dir, "link"))
    expect(refusal(() => planEncrypt([input], enc({ recipient: ["age1x"], output: input }), pipe))[0]).toBe(`sluice: input and output file are the same: ${JSON.stringify(input)}`)
    expect(refusal(() => planEncrypt([input], enc({ recipient: ["age1x"], output: join(dir, "link") }), pipe))[0]).toMatch(/input and output file are the same/)
    expect(refusal(() => planEncrypt([], enc({ recipientsFile: [input], output: join(dir, ".", "in") }), pipe))[0]).toMatch(/input and output file are the same/)
  })

  it("refuses binary to a terminal unless -a or -o -", () => {
    expect(refusal(() => planEncrypt(["in"], enc({ recipient: ["age1x"] }), tty))).toEqual([
      "sluice: refusing to output binary to the terminal",
      "sluice: hint: did you mean to use -a/--armor?",
      `sluice: hint: force anyway with "-o -"`
    ])
    expect(planEncrypt(["in"], enc({ recipient: ["age1x"], armor: true }), tty).output).toEqual({ kind: "stdout", forced: false })
    expect(planEncrypt(["in"], enc({ recipient: ["age1x"], output: "-" }), tty).output).toEqual({ kind: "stdout", forced: true })
    expect(planEncrypt(["in"], enc({ recipient: ["age1x"] }), pipe).output).toEqual({ kind: "stdout", forced: false })
  })

  it("takes one INPUT at most, '-' for standard input", () => {
    expect(refusal(() => planEncrypt(["a", "b"], enc({ recipient: ["age1x"] }), pipe))).toEqual([
      `sluice: too many INPUT arguments: "a" "b"`,
      "sluice: hint: only a single input file may be given at a time"
    ])
    expect(planEncrypt(["-"], enc({ recipient: ["age1x"] }), pipe).input).toEqual({ kind: "stdin" })
    expect(planEncrypt([], enc({ recipient: ["age1x"] }), pipe).input).toEqual({ kind: "stdin" })
  })

  it("--passphrase-fd: a descriptor number, with -p only; --json needs -o FILE", () => {
    expect(refusal(() => planEncrypt([], enc({ passphrase: true, passphraseFd: "x" }), pipe))[0]).toMatch(/--passphrase-fd must be a file descriptor number/)
    expect(refusal(() => planEncrypt([], enc({ recipient: ["age1x"], passphraseFd: "3" }), pipe))[0]).toBe("sluice: --passphrase-fd is for -p/--passphrase or an encrypted identity file (-i)")
    expect(planEncrypt([], enc({ identity: ["key.age"], passphraseFd: "3" }), pipe).passphraseFd).toBe(3)
    expect(planDecrypt(["f.age"], dec({ identity: ["key.age"], passphraseFd: "3" }), pipe).passphraseFd).toBe(3)
    expect(planEncrypt(["in"], enc({ passphrase: true, passphraseFd: "3" }), pipe).passphraseFd).toBe(3)
    expect(refusal(() => planEncrypt(["in"], enc({ recipient: ["age1x"], json: true }), pipe))[0]).toMatch(/--json and the output would share standard output/)
  })
})

describe("planDecrypt", () => {
  it.each([
    [{ armor: true }, "-a/--armor can't be used with decrypt", "note that armored files are detected automatically, try again without -a/--armor"],
    [{ passphrase: true }, "-p/--passphrase can't be used with decrypt", "note that password protected files are detected automatically"],
    [{ recipient: ["age1x"] }, "-r/--recipient can't be used with decrypt", "did you mean to use -i/--identity to specify a private key?"],
    [{ recipientsFile: ["f"] }, "-R/--recipients-file can't be used with decrypt", "did you mean to use -i/--identity to specify a private key?"]
  ])("refuses encrypt's flag %j with age's hint", (options, message, hint) => {
    expect(refusal(() => planDecrypt([], dec(options), pipe))).toEqual([`sluice: ${message}`, `sluice: hint: ${hint}`])
  })

  it("reads standard input once: INPUT or -i -", () => {
    expect(refusal(() => planDecrypt([], dec({ identity: ["-"] }), pipe))[0]).toBe("sluice: standard input is used for multiple purposes")
    expect(planDecrypt(["f.age"], dec({ identity: ["-"] }), pipe).identities).toEqual(["-"])
  })

  it("refuses an output that is an identity file", () => {
    expect(refusal(() => planDecrypt(["f.age"], dec({ identity: ["key.txt"], output: "key.txt" }), pipe))[0]).toBe(`sluice: input and output file are the same: "key.txt"`)
  })

  it("plaintext for a terminal is checked, unless -o - forces it", () => {
    expect(planDecrypt(["f.age"], dec({}), tty).checkPrintable).toBe(true)
    expect(planDecrypt(["f.age"], dec({ output: "-" }), tty).checkPrintable).toBe(false)
    expect(planDecrypt(["f.age"], dec({}), pipe).checkPrintable).toBe(false)
  })
})

describe("hasControlCharacters", () => {
  const bytes = (text: string) => new TextEncoder().encode(text)

  it("lets text with newlines, carriage returns, tabs and any UTF-8 letter through", () => {
    expect(hasControlCharacters(bytes("hello\r\n\tworld é ü 日本\n"))).toBe(false)
  })

  it.each([["NUL", "\0"], ["ESC", "\x1b[2J"], ["BEL", "\x07"], ["DEL", "\x7f"], ["C1 CSI", "\u009b"]])("refuses %s", (_name, text) => {
    expect(hasControlCharacters(bytes(`ok ${text} ok`))).toBe(true)
  })
})
