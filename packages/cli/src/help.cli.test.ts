/** `--help` of the program and of each command: exit 0, examples, and the exit-code table. */
import { describe, expect, it } from "vitest"
import { sluice } from "./cli.testkit.js"

const EXIT_CODE_ROWS = [/^ {2}0 +success$/m, /^ {2}1 +/m, /^ {2}2 +usage error/m, /^ {2}3 +an input could not be used/m, /^ {2}4 +internal failure/m, /^ {2}130 +interrupted/m]

describe.each([
  { args: ["--help"], usage: "Usage: sluice [options] [command]" },
  { args: ["hash", "--help"], usage: "Usage: sluice hash [options] [files...]" },
  { args: ["check", "--help"], usage: "Usage: sluice check [options] [sumfiles...]" }
])("sluice $args", ({ args, usage }) => {
  it("prints the usage on stdout and exits 0", async () => {
    const r = await sluice(args)
    expect(r.stdout.split("\n")[0]).toBe(usage)
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
  })

  it("shows the exit-code table", async () => {
    const { stdout } = await sluice(args)
    expect(stdout).toContain("Exit codes:")
    for (const row of EXIT_CODE_ROWS) expect(stdout).toMatch(row)
  })
})

describe("examples", () => {
  it.each([
    { args: ["hash", "--help"], example: /^ {2}sluice hash -a sha256,blake3 / },
    { args: ["check", "--help"], example: /^ {2}sluice check --quiet SHA256SUMS/ }
  ])("sluice $args shows examples", async ({ args, example }) => {
    const { stdout } = await sluice(args)
    const examples = stdout.split("Examples:\n")[1] ?? ""
    expect(examples.split("\n").filter((line) => line.startsWith("  sluice ")).length).toBeGreaterThanOrEqual(3)
    expect(examples).toMatch(new RegExp(example.source, "m"))
  })

  it("sluice --help shows examples", async () => {
    const { stdout } = await sluice(["--help"])
    expect(stdout).toContain("Examples:")
    expect(stdout).toMatch(/^ {2}sluice hash /m)
    expect(stdout).toMatch(/^ {2}sluice check /m)
  })
})

describe("other ways to ask", () => {
  it("sluice help hash prints the hash command's help, exit 0", async () => {
    const r = await sluice(["help", "hash"])
    expect(r.stdout.split("\n")[0]).toBe("Usage: sluice hash [options] [files...]")
    expect(r.status).toBe(0)
  })

  it("sluice --version prints the version, exit 0", async () => {
    const r = await sluice(["--version"])
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
    expect(r.status).toBe(0)
  })

  it("sluice with no command prints the usage on stderr and exits 2", async () => {
    const r = await sluice([])
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain("Usage: sluice [options] [command]")
    expect(r.status).toBe(2)
  })
})
