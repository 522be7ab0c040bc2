/**
 * `sluice encrypt` / `sluice decrypt` as a command line: age's flags and rules with their
 * exit codes, the help, and the terminal (a pty): binary refused, passphrases asked
 * without echo.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { expectCleanStderr, sluice, useTempDir } from "./cli.testkit.js"
import { onPty } from "./pty.testkit.js"

const dir = useTempDir("age")
writeFileSync(join(dir, "in.txt"), "hello\n")
// A valid X25519 recipient (age's own example in its help).
const RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

describe("age's rules through the CLI: exit 2 and age's message, before anything is read", () => {
  it.each([
    [["encrypt", "in.txt"], "sluice: missing recipients"],
    [["encrypt", "-p", "-r", RECIPIENT, "in.txt"], "sluice: -p/--passphrase can't be combined with -r/--recipient"],
    [["encrypt", "-p", "-R", "keys.txt", "in.txt"], "sluice: -p/--passphrase can't be combined with -R/--recipients-file"],
    [["encrypt", "-p", "-i", "key.txt", "in.txt"], "sluice: -p/--passphrase can't be combined with -i/--identity"],
    [["decrypt", "-a", "in.txt"], "sluice: -a/--armor can't be used with decrypt"],
    [["decrypt", "-p", "in.txt"], "sluice: -p/--passphrase can't be used with decrypt"],
    [["decrypt", "-r", RECIPIENT, "in.txt"], "sluice: -r/--recipient can't be used with decrypt"],
    [["encrypt", "-r", RECIPIENT, "-o", "in.txt", "in.txt"], `sluice: input and output file are the same: "in.txt"`],
    [["encrypt", "-R", "-", "-R", "-", "in.txt"], "sluice: standard input is used for multiple purposes"],
    [["encrypt", "-r", RECIPIENT, "a", "b"], `sluice: too many INPUT arguments: "a" "b"`],
    [["encrypt", "-r", RECIPIENT, "--json", "in.txt"], "sluice: --json and the output would share standard output: give -o FILE"]
  ])("sluice %j", async (args, line) => {
    const r = await sluice(args, { cwd: dir })
    expect(r.status).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr.split("\n")[0]).toBe(line)
    expectCleanStderr(r.stderr)
  })

  it("a bad -r is named by its position, never echoed (it may be a secret key pasted by mistake)", async () => {
    const secret = "AGE-SECRET-KEY-1GQ9778VQXMMJVE8SK7J6VT8UJ4HDQAJUVSFCWCM02D8GEWQ72PVQ2Y5J33"
    const r = await sluice(["encrypt", "-r", RECIPIENT, "-r", secret, "-o", "out.age", "in.txt"], { cwd: dir })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^sluice: -r \(recipient 2\): /)
    expect(r.stderr).not.toContain(secret.slice(15))
  })

  it("a recipients file with a bad line: its line, exit 2; an identity file that cannot be read: exit 3", async () => {
    writeFileSync(join(dir, "keys.txt"), `# team\n${RECIPIENT}\nnot-a-recipient\n`)
    const r = await sluice(["encrypt", "-R", "keys.txt", "-o", "out.age", "in.txt"], { cwd: dir })
    expect(r.status).toBe(2)
    expect(r.stderr).toBe("sluice: -R keys.txt: line 3: a malformed recipient\n")
    const missing = await sluice(["decrypt", "-i", "nokey.txt", "-o", "out.txt", "in.txt"], { cwd: dir })
    expect(missing.status).toBe(3)
    expect(missing.stderr).toBe("sluice: nokey.txt: No such file or directory\n")
  })
})

describe("help", () => {
  it.each(["encrypt", "decrypt"])("sluice %s --help: age's flags, why an interrupted run does not resume, the environment's exposure", async (command) => {
    const r = await sluice([command, "--help"])
    expect(r.status).toBe(0)
    expect(r.stdout.split("\n")[0]).toBe(`Usage: sluice ${command} [options] [input...]`)
    expect(r.stdout).toContain("does not resume")
    expect(r.stdout).toContain("file key")
    expect(r.stdout).toContain("/proc/PID/environ")
    expect(r.stdout).toContain("--passphrase-fd")
    for (const flag of command === "encrypt" ? ["-r, --recipient", "-R, --recipients-file", "-p, --passphrase", "-a, --armor", "-o, --output"] : ["-i, --identity", "-o, --output"]) {
      expect(r.stdout).toContain(flag)
    }
    expect(r.stdout).toContain("Errors and exit codes")
    expect(r.stdout).toMatch(/^ {2}7 +permanent +Tampered /m)
  })
})

describe("on a terminal", () => {
  it("refuses to write binary ciphertext to it, with age's hints", () => {
    const r = onPty(["encrypt", "-r", RECIPIENT, "in.txt"], { cwd: dir })
    expect(r.status).toBe(2)
    expect(r.screen.split("\r\n").filter((l) => l !== "")).toEqual([
      "sluice: refusing to output binary to the terminal",
      "sluice: hint: did you mean to use -a/--armor?",
      `sluice: hint: force anyway with "-o -"`
    ])
  })

  it("asks for the passphrase twice without echo; a different confirmation is refused (exit 2)", () => {
    const r = onPty(["encrypt", "-p", "-o", "out.age", "in.txt"], {
      cwd: dir,
      answers: [["Enter passphrase", "first secret"], ["Confirm passphrase", "other secret"]]
    })
    expect(r.unanswered).toBe(0)
    expect(r.status).toBe(2)
    expect(r.screen).toContain("sluice: passphrases didn't match")
    expect(r.screen).not.toContain("secret")
  })

  it("an empty SLUICE_PASSPHRASE is refused (exit 2), not taken as a passphrase", async () => {
    const r = await sluice(["encrypt", "-p", "-o", "out.age", "in.txt"], { cwd: dir, env: { SLUICE_PASSPHRASE: "" } })
    expect(r.status).toBe(2)
    expect(r.stderr).toBe("sluice: the passphrase from SLUICE_PASSPHRASE is empty\n")
  })
})
