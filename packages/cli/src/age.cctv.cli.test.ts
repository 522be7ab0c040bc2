/**
 * The C2SP CCTV age vectors through `sluice decrypt` (issue 14's tests): every success
 * vector gives its payload (SHA-256) with exit 0, and every failure its class's exit code
 * (no match 6; HMAC and payload failures 7; header and armor failures 3), with nothing at
 * `-o FILE`. On standard output a payload failure releases what age releases: the
 * vector's payload hash covers the chunks that authenticated before the bad one.
 */
import { ageCctv, ageCctvFiles } from "@sluice/vectors"
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { inflateSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { expectCleanStderr, runProcess, binPath, useTempDir } from "./cli.testkit.js"

interface Vector {
  readonly name: string
  readonly expect: string
  readonly payload: string | undefined
  readonly identities: ReadonlyArray<string>
  readonly passphrases: ReadonlyArray<string>
  readonly file: Uint8Array
}

const KNOWN = new Set(["expect", "payload", "file key", "identity", "passphrase", "armored", "compressed", "comment"])

/** A vector as the CCTV README lays it out: `key: value` lines, an empty line, the file (zlib when `compressed: zlib`). */
const read = (name: string): Vector | undefined => {
  const bytes = new Uint8Array(ageCctv(name))
  const fields: Array<[string, string]> = []
  let at = 0
  for (let end = bytes.indexOf(0x0a, at); end !== at; at = end + 1, end = bytes.indexOf(0x0a, at)) {
    const line = new TextDecoder().decode(bytes.subarray(at, end))
    fields.push([line.slice(0, line.indexOf(": ")), line.slice(line.indexOf(": ") + 2)])
  }
  if (fields.some(([key]) => !KNOWN.has(key))) return undefined
  const all = (key: string) => fields.filter(([k]) => k === key).map(([, v]) => v)
  const raw = bytes.subarray(at + 1)
  return {
    name,
    expect: all("expect")[0]!,
    payload: all("payload")[0],
    identities: all("identity"),
    passphrases: all("passphrase"),
    file: all("compressed")[0] === "zlib" ? new Uint8Array(inflateSync(raw)) : raw
  }
}

const VECTORS = ageCctvFiles().flatMap((name) => read(name) ?? [])
const EXIT: Record<string, number> = { "success": 0, "no match": 6, "HMAC failure": 7, "payload failure": 7, "header failure": 3, "armor failure": 3 }

const dir = useTempDir("cctv")

/** The command line of a vector: its identities in a file, or its passphrase in SLUICE_PASSPHRASE. */
const setUp = (v: Vector) => {
  writeFileSync(join(dir, `${v.name}.age`), v.file)
  if (v.identities.length === 0) return { args: [], env: { SLUICE_PASSPHRASE: v.passphrases[0] ?? "" } }
  writeFileSync(join(dir, `${v.name}.key`), v.identities.join("\n") + "\n")
  return { args: ["-i", `${v.name}.key`], env: {} }
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** `sluice decrypt`, its stdout as bytes. */
const decrypt = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<{ status: number | null; stdout: Buffer; stderr: string }>((resolve, reject) => {
    import("node:child_process").then(({ spawn }) => {
      const child = spawn(process.execPath, [binPath, "decrypt", ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
      const out: Array<Buffer> = []
      let err = ""
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk))
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")))
      child.on("error", reject)
      child.on("close", (status) => resolve({ status, stdout: Buffer.concat(out), stderr: err }))
    }, reject)
  })

describe("CCTV age vectors through sluice decrypt", () => {
  it("reads every vector of the testkit", () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(140)
    for (const v of VECTORS) expect(Object.keys(EXIT)).toContain(v.expect)
  })

  it.each(VECTORS.map((v) => [v.name, v.expect, v] as const))("%s (%s) to standard output: exit code, released payload", async (_name, expected, v) => {
    const { args, env } = setUp(v)
    const r = await decrypt([...args, `${v.name}.age`], env)
    expectCleanStderr(r.stderr)
    expect(r.status, r.stderr).toBe(EXIT[expected])
    if (v.payload !== undefined) expect(sha256(r.stdout)).toBe(v.payload)
    if (expected !== "success" && expected !== "payload failure") expect(r.stdout.length).toBe(0)
  })

  it.each(VECTORS.filter((v) => v.expect === "success" || v.expect === "payload failure").map((v) => [v.name, v.expect, v] as const))(
    "%s (%s) to -o FILE: the payload whole, or no file and no temporary file",
    async (_name, expected, v) => {
      const { args, env } = setUp(v)
      const out = `${v.name}.out`
      const r = await runProcess(process.execPath, [binPath, "decrypt", ...args, "-o", out, `${v.name}.age`], { cwd: dir, env })
      expect(r.status, r.stderr).toBe(EXIT[expected])
      if (expected === "success") expect(sha256(readFileSync(join(dir, out)))).toBe(v.payload)
      else expect(existsSync(join(dir, out))).toBe(false)
      expect(readdirSync(dir).filter((f) => f.startsWith(`.${out}.`))).toEqual([])
    }
  )
})
