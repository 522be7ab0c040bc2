/**
 * The lean age path (ageMain.ts): which command lines it takes (the program's chunks are
 * then never loaded) and which it leaves to the full program, and that what it does is the
 * full program's: the same files (Go age decrypts what it writes; it decrypts what age
 * writes), the same messages and exit codes (compared with SLUICE_LEAN=0, the full
 * program), nothing at -o FILE when a payload does not open.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { binPath, pseudoRandomBytes, requireTools, runProcess, useTempDir } from "./cli.testkit.js"

const dir = useTempDir("age-lean")
let recipient = ""

/** Preloaded: prints, at exit, the files the main thread's imports resolved to. */
const PRELOAD = "data:text/javascript," + encodeURIComponent(`
import { registerHooks } from "node:module"
if (process.env.SLUICE_TEST_LOADS === undefined) {
  process.env.SLUICE_TEST_LOADS = "main"
  const files = []
  registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); if (r.url.startsWith("file:")) files.push(r.url.slice(r.url.lastIndexOf("/") + 1)); return r } })
  process.on("exit", () => process.stderr.write("\\nLOADS " + JSON.stringify(files) + "\\n"))
}
`)

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
  /** Whether the lean path answered: ageMain.js loaded and the program's chunks not. */
  readonly lean: boolean
}

const run = async (args: ReadonlyArray<string>, env: Record<string, string> = {}, input?: string): Promise<Run> => {
  const result = await runProcess(process.execPath, ["--import", PRELOAD, binPath, ...args], { cwd: dir, env, timeoutMs: 60_000, ...(input === undefined ? {} : { input }) })
  const at = result.stderr.lastIndexOf("\nLOADS ")
  expect(at, result.stderr).toBeGreaterThanOrEqual(0)
  const files = JSON.parse(result.stderr.slice(at + 7).trim()) as Array<string>
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr.slice(0, at),
    lean: files.includes("ageMain.js") && !files.some((f) => /^program[-.]/.test(f))
  }
}

/** The same command by the full program (SLUICE_LEAN=0). */
const full = (args: ReadonlyArray<string>, env: Record<string, string> = {}, input?: string) => run(args, { ...env, SLUICE_LEAN: "0" }, input)

const SIZES = [0, 1, 65535, 65536, 65537, 131072, 3 * 1024 * 1024 + 7]

beforeAll(() => {
  requireTools("age", "age-keygen")
  execFileSync("age-keygen", ["-o", "key.txt"], { cwd: dir, stdio: "ignore" })
  recipient = execFileSync("age-keygen", ["-y", "key.txt"], { cwd: dir, encoding: "utf8" }).trim()
  writeFileSync(join(dir, "recipients.txt"), `# team\n\n${recipient}\r\n`)
  for (const size of SIZES) writeFileSync(join(dir, `p${size}`), pseudoRandomBytes(size, size + 1))
}, 60_000)

const tempFiles = () => readdirSync(dir).filter((name) => name.endsWith(".sluice-tmp"))

describe("the lean age path", () => {
  it.each(SIZES)("encrypts %i bytes to X25519 recipients (-r, -R) on the lean path, and age decrypts it", async (size) => {
    const r = await run(["encrypt", "-r", recipient, "-R", "recipients.txt", "-o", `p${size}.age`, `p${size}`])
    expect(r).toMatchObject({ status: 0, stdout: "", stderr: "", lean: true })
    expect(execFileSync("age", ["-d", "-i", "key.txt", `p${size}.age`], { cwd: dir, maxBuffer: 64 << 20 }).equals(readFileSync(join(dir, `p${size}`)))).toBe(true)
  })

  it.each(SIZES)("decrypts %i bytes age made on the lean path", async (size) => {
    execFileSync("age", ["-r", recipient, "-o", `a${size}.age`, `p${size}`], { cwd: dir })
    const r = await run(["decrypt", "-i", "key.txt", "-o", `a${size}.out`, `a${size}.age`])
    expect(r).toMatchObject({ status: 0, stdout: "", stderr: "", lean: true })
    expect(readFileSync(join(dir, `a${size}.out`)).equals(readFileSync(join(dir, `p${size}`)))).toBe(true)
  })

  it("decrypts to standard output the bytes the full program writes", async () => {
    writeFileSync(join(dir, "text"), "hello, lean age\n".repeat(10_000))
    execFileSync("age", ["-r", recipient, "-o", "text.age", "text"], { cwd: dir })
    const lean = await run(["decrypt", "-i", "key.txt", "text.age"])
    expect(lean).toMatchObject({ status: 0, stderr: "", lean: true })
    expect(lean.stdout).toBe(readFileSync(join(dir, "text"), "utf8"))
  })

  it("encrypts and decrypts with a passphrase from SLUICE_PASSPHRASE and from --passphrase-fd on the lean path", async () => {
    const env = { SLUICE_PASSPHRASE: "correct horse" }
    expect(await run(["encrypt", "-p", "-o", "pw.age", "p65537"], env)).toMatchObject({ status: 0, stderr: "", lean: true })
    expect(await run(["decrypt", "-o", "pw.out", "pw.age"], env)).toMatchObject({ status: 0, stderr: "", lean: true })
    expect(readFileSync(join(dir, "pw.out")).equals(readFileSync(join(dir, "p65537")))).toBe(true)
    const fd = await run(["decrypt", "--passphrase-fd", "0", "-o", "pw.fd.out", "pw.age"], {}, "correct horse\n")
    expect(fd).toMatchObject({ status: 0, stderr: "", lean: true })
    expect(readFileSync(join(dir, "pw.fd.out")).equals(readFileSync(join(dir, "p65537")))).toBe(true)
  })

  it("a wrong passphrase: the full program's message and exit code, on the lean path, nothing written", async () => {
    const env = { SLUICE_PASSPHRASE: "wrong" }
    const lean = await run(["decrypt", "-o", "wrong.out", "pw.age"], env)
    const reference = await full(["decrypt", "-o", "wrong.out", "pw.age"], env)
    expect(lean.lean).toBe(true)
    expect(reference.lean).toBe(false)
    expect(lean).toMatchObject({ status: reference.status, stdout: reference.stdout, stderr: reference.stderr })
    expect(lean.stderr).toBe("sluice: incorrect passphrase\n")
    expect(lean.status).toBe(6)
    expect(existsSync(join(dir, "wrong.out"))).toBe(false)
  })

  it.each([
    { name: "a middle chunk flipped", edit: (b: Buffer) => (b[b.length - 70_000]! ^= 1, b) },
    { name: "the last chunk flipped", edit: (b: Buffer) => (b[b.length - 5]! ^= 1, b) },
    { name: "truncated at a chunk boundary", edit: (b: Buffer) => b.subarray(0, b.length - 65552) },
    { name: "truncated inside a chunk", edit: (b: Buffer) => b.subarray(0, b.length - 1000) },
    { name: "bytes appended", edit: (b: Buffer) => Buffer.concat([b, Buffer.from("more")]) }
  ])("$name: the full program's messages and exit code, on the lean path; nothing at -o FILE", async ({ name, edit }) => {
    const file = `bad-${name.replaceAll(" ", "-")}.age`
    writeFileSync(join(dir, file), edit(Buffer.from(readFileSync(join(dir, "a131072.age")))))
    writeFileSync(join(dir, "kept"), "old\n")
    const lean = await run(["decrypt", "-i", "key.txt", "-o", "kept", file])
    const reference = await full(["decrypt", "-i", "key.txt", "-o", "kept", file])
    expect(lean.lean).toBe(true)
    expect({ status: lean.status, stderr: lean.stderr }).toEqual({ status: reference.status, stderr: reference.stderr })
    expect(lean.status).toBe(7)
    expect(readFileSync(join(dir, "kept"), "utf8")).toBe("old\n")
    expect(tempFiles()).toEqual([])
    const piped = await run(["decrypt", "-i", "key.txt", file])
    const pipedReference = await full(["decrypt", "-i", "key.txt", file])
    expect({ status: piped.status, stderr: piped.stderr, stdout: piped.stdout }).toEqual({ status: pipedReference.status, stderr: pipedReference.stderr, stdout: pipedReference.stdout })
  })

  it.each([
    { name: "encrypt", args: () => ["encrypt", "-r", recipient, "-o", "/dev/full", "p131072"] },
    { name: "decrypt", args: () => ["decrypt", "-i", "key.txt", "-o", "/dev/full", "a131072.age"] }
  ])("$name to a device that is full: the full program's message and exit code, on the lean path", async ({ args }) => {
    const lean = await run(args())
    const reference = await full(args())
    expect(lean.lean).toBe(true)
    expect({ status: lean.status, stderr: lean.stderr }).toEqual({ status: reference.status, stderr: reference.stderr })
    expect(lean.status).toBe(5)
  })

  it("an input cut short (truncated) while it is encrypted: the process lives, exit 3, the file changed; nothing at -o FILE, no temporary file", async () => {
    // 1 GiB (sparse: nothing on the disk; >= 0.26 s of CPU to seal) cut to 1 MiB 10 ms after
    // the temporary file is there: the payload is then being sealed from the input's map
    // (SIGBUS caught by sigbus.rs, strace shows it), else about to be (its reads come short).
    const input = join(dir, "shrinking")
    writeFileSync(input, "")
    truncateSync(input, 1 << 30)
    writeFileSync(join(dir, "kept.age"), "old\n")
    let ended = false
    const running = run(["encrypt", "-r", recipient, "-o", "kept.age", "shrinking"]).finally(() => (ended = true))
    while (!ended && tempFiles().length === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    await new Promise((resolve) => setTimeout(resolve, 10))
    truncateSync(input, 1 << 20)
    const r = await running
    expect(r).toMatchObject({ status: 3, stdout: "", stderr: "sluice: shrinking: the file changed while it was being read\n", lean: true })
    expect(readFileSync(join(dir, "kept.age"), "utf8")).toBe("old\n")
    expect(tempFiles()).toEqual([])
  })

  it("-o over an existing file: encrypted keeps its mode; plaintext takes age's -o mode", async () => {
    writeFileSync(join(dir, "mode.age"), "old", { mode: 0o640 })
    expect((await run(["encrypt", "-r", recipient, "-o", "mode.age", "p1"])).lean).toBe(true)
    expect(statSync(join(dir, "mode.age")).mode & 0o777).toBe(0o640)
    const leanOut = await run(["decrypt", "-i", "key.txt", "-o", "mode.lean", "mode.age"])
    await full(["decrypt", "-i", "key.txt", "-o", "mode.full", "mode.age"])
    expect(leanOut.lean).toBe(true)
    expect(statSync(join(dir, "mode.lean")).mode & 0o777).toBe(statSync(join(dir, "mode.full")).mode & 0o777)
  })

  it.each([
    { name: "armor", args: () => ["encrypt", "-a", "-r", recipient, "-o", "x.age", "p1"] },
    { name: "standard input", args: () => ["encrypt", "-r", recipient, "-o", "x.age"] },
    { name: "an SSH recipient", args: () => ["encrypt", "-r", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN", "-o", "x.age", "p1"] },
    { name: "-i on encrypt", args: () => ["encrypt", "-i", "key.txt", "-o", "x.age", "p1"] },
    { name: "--json", args: () => ["encrypt", "-r", recipient, "--json", "-o", "x.age", "p1"] },
    { name: "-w", args: () => ["encrypt", "-r", recipient, "-w", "1", "-o", "x.age", "p1"] },
    { name: "a malformed recipient (the full program's message)", args: () => ["encrypt", "-r", "age1nope", "-o", "x.age", "p1"] },
    { name: "a missing input", args: () => ["encrypt", "-r", recipient, "-o", "x.age", "missing"] },
    { name: "a missing identity file", args: () => ["decrypt", "-i", "missing.txt", "-o", "x.out", "a1.age"] },
    { name: "the wrong identity", args: () => ["decrypt", "-i", "other.txt", "-o", "x.out", "a1.age"] },
    { name: "a passphrase file given identities", args: () => ["decrypt", "-i", "key.txt", "-o", "x.out", "pw.age"] },
    { name: "a malformed header", args: () => ["decrypt", "-i", "key.txt", "-o", "x.out", "p1"] },
    { name: "a passphrase to type (no terminal)", args: () => ["decrypt", "-o", "x.out", "pw.age"] },
    { name: "SLUICE_LEAN=0", args: () => ["encrypt", "-r", recipient, "-o", "x.age", "p1"], env: { SLUICE_LEAN: "0" } }
  ])("leaves $name to the full program, which answers as before", async ({ args, env }) => {
    if (!existsSync(join(dir, "other.txt"))) execFileSync("age-keygen", ["-o", "other.txt"], { cwd: dir, stdio: "ignore" })
    const r = await run(args(), env)
    expect(r.lean).toBe(false)
    const reference = await full(args(), env)
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: reference.status, stderr: reference.stderr })
  })
})
