/** `--help` of the program and of each command: exit 0, examples, and the table of errors and exit codes. */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { sluice } from "./cli.testkit.js"

const README = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
const HEADER = ["code", "kind", "error", "meaning"]

/** The README's table (cells of each row, header first) and the line under it. */
const readmeTable = () => {
  const lines = README.split("\n")
  const start = lines.indexOf(`| ${HEADER.join(" | ")} |`)
  expect(start, "the README has no table of errors and exit codes").toBeGreaterThan(0)
  const rows: Array<Array<string>> = []
  let i = start
  for (; lines[i]?.startsWith("|"); i++) {
    if (/^\|[-| ]+\|$/.test(lines[i]!)) continue
    rows.push(lines[i]!.slice(1, -1).split("|").map((cell) => cell.trim()))
  }
  return { rows, note: lines.slice(i).find((line) => line.trim() !== "")! }
}

/** The same table as `--help` prints it: columns two spaces apart, then the note. */
const helpTable = (stdout: string) => {
  const lines = stdout.split("\n")
  const start = lines.findIndex((line) => line.startsWith("Errors and exit codes"))
  expect(start, "--help has no table of errors and exit codes").toBeGreaterThan(0)
  const body = lines.slice(start + 1).filter((line) => line.startsWith("  "))
  const note = body.pop()!.trim()
  return { rows: body.map((line) => line.trim().split(/ {2,}/)), note }
}

describe.each([
  { args: ["--help"], usage: "Usage: sluice [options] [command]" },
  { args: ["hash", "--help"], usage: "Usage: sluice hash [options] [files...]" },
  { args: ["check", "--help"], usage: "Usage: sluice check [options] [sumfiles...]" },
  { args: ["encrypt", "--help"], usage: "Usage: sluice encrypt [options] [input...]" },
  { args: ["decrypt", "--help"], usage: "Usage: sluice decrypt [options] [input...]" }
])("sluice $args", ({ args, usage }) => {
  it("prints the usage on stdout and exits 0", async () => {
    const r = await sluice(args)
    expect(r.stdout.split("\n")[0]).toBe(usage)
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
  })

  it("shows the table of errors and exit codes, the same as the README's", async () => {
    const { stdout } = await sluice(args)
    const help = helpTable(stdout)
    const readme = readmeTable()
    expect(help.rows[0]).toEqual(HEADER)
    expect(help.rows).toEqual(readme.rows)
    expect(help.note).toBe(readme.note)
    expect(help.note).toMatch(/^transient: retried automatically \(up to ~5 s\) before it is reported/)
    // Every exit code of the program is in it.
    for (const code of ["0", "1", "2", "3", "4", "5", "6", "7", "130", "141"]) expect(help.rows.map((row) => row[0])).toContain(code)
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
