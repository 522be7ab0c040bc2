/**
 * `sluice keygen`: the built CLI writing a few hundred keys to a directory (modes, manifest,
 * ssh-keygen's fingerprints), JSON lines, encrypted keys opened by openssl and ssh-keygen,
 * --resume after a torn manifest, and refusals (exit 2, before any key is made).
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { binPath, expectCleanStderr, requireTools, sluice, useTempDir } from "./cli.testkit.js"

const dir = useTempDir("keygen")
const TIMEOUT = 60_000
let n = 0
const fresh = () => join(dir, `run-${n++}`)

interface ManifestLine {
  readonly index: number
  readonly type: string
  readonly files: Record<string, string>
  readonly ssh?: string
  readonly sshFingerprint?: string
  readonly jwk: { readonly x: string }
  readonly jwkThumbprint: string
}
/** Every file under `out`, by its path from there (a subdirectory's keys as `0001/key-...`). */
const filesUnder = (out: string): Array<string> =>
  (readdirSync(out, { recursive: true }) as Array<string>).filter((f) => statSync(join(out, f)).isFile()).sort()
const manifest = (out: string): Array<ManifestLine> =>
  readFileSync(join(out, "manifest.jsonl"), "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as ManifestLine)

describe("sluice keygen --out-dir", () => {
  it("writes 300 Ed25519 key pairs: private files 0600, a manifest line per key that ssh-keygen agrees with", async () => {
    requireTools("ssh-keygen")
    const out = fresh()
    const r = await sluice(["keygen", "-t", "ed25519", "-n", "300", "--out-dir", out, "--comment", "bulk", "--json", "-w", "2"], { timeoutMs: TIMEOUT })
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ type: "ed25519", count: 300, written: 300, formats: ["openssh-private", "openssh-public"] })
    expect(statSync(out).mode & 0o777).toBe(0o700)
    const lines = manifest(out)
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    const files = readdirSync(out).sort()
    expect(files).toHaveLength(601)
    expect(files.filter((f) => f.includes("sluice-tmp"))).toEqual([])
    for (const line of lines) {
      const name = `key-${String(line.index).padStart(6, "0")}`
      expect(line.files).toEqual({ "openssh-private": name, "openssh-public": `${name}.pub` })
      expect(statSync(join(out, name)).mode & 0o777).toBe(0o600)
      expect(readFileSync(join(out, `${name}.pub`), "utf8")).toBe(`${line.ssh}\n`)
      expect(line.ssh).toMatch(/^ssh-ed25519 \S+ bulk$/)
    }
    expect(new Set(lines.map((l) => l.sshFingerprint)).size).toBe(300)
    for (const line of [lines[0]!, lines[149]!, lines[299]!]) {
      const path = join(out, line.files["openssh-private"]!)
      expect(execFileSync("ssh-keygen", ["-lf", path], { encoding: "utf8" }).split(" ")[1]).toBe(line.sshFingerprint)
      // The public key ssh-keygen derives from the private file is the manifest's.
      expect(execFileSync("ssh-keygen", ["-yf", path], { encoding: "utf8" }).trim()).toBe(line.ssh)
    }
  })

  it("writes 6,500 keys in subdirectories of 1,000 (0000/ to 0006/), in several flushes: every key once, in order, each file its key's", async () => {
    const out = fresh()
    const r = await sluice(["keygen", "-t", "ed25519", "-n", "6500", "-f", "pkcs8-pem,jwk-public", "--out-dir", out, "-w", "2"], { timeoutMs: TIMEOUT })
    expect(r.status).toBe(0)
    const lines = manifest(out)
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 6500 }, (_, i) => i + 1))
    expect(readdirSync(out).sort()).toEqual(["0000", "0001", "0002", "0003", "0004", "0005", "0006", "manifest.jsonl"])
    expect(readdirSync(join(out, "0006"))).toHaveLength(2 * 500)
    expect(filesUnder(out)).toEqual([...lines.flatMap((l) => Object.values(l.files)), "manifest.jsonl"].sort())
    expect(lines[4095]!.files).toEqual({ "pkcs8-pem": "0004/key-004096.pem", "jwk-public": "0004/key-004096.pub.jwk" })
    expect(statSync(join(out, "0004", "key-004096.pem")).mode & 0o777).toBe(0o600)
    expect(new Set(lines.map((l) => l.jwk.x)).size).toBe(6500)
    for (const line of [lines[0]!, lines[4095]!, lines[6499]!]) {
      expect(JSON.parse(readFileSync(join(out, line.files["jwk-public"]!), "utf8"))).toEqual(line.jwk)
    }
  }, TIMEOUT)

  it("--resume extends a run that ended inside a subdirectory: its keys join it one by one, the next ones get their own", async () => {
    const out = fresh()
    expect((await sluice(["keygen", "-t", "ed25519", "-n", "1500", "-f", "openssh-public", "--out-dir", out], { timeoutMs: TIMEOUT })).status).toBe(0)
    const first = readFileSync(join(out, "0001", "key-001500.pub"), "utf8")
    const again = await sluice(["keygen", "-t", "ed25519", "-n", "2600", "-f", "openssh-public", "--out-dir", out, "--resume", "--json"], { timeoutMs: TIMEOUT })
    expect(again.stderr).toBe("")
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 2600, resumedFrom: 1500 })
    const lines = manifest(out)
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 2600 }, (_, i) => i + 1))
    expect(readFileSync(join(out, "0001", "key-001500.pub"), "utf8")).toBe(first)
    expect(filesUnder(out)).toEqual([...lines.flatMap((l) => Object.values(l.files)), "manifest.jsonl"].sort())
    for (const line of [lines[1500]!, lines[2599]!]) expect(readFileSync(join(out, line.files["openssh-public"]!), "utf8")).toBe(`${line.ssh}\n`)
  }, TIMEOUT)

  it("writes PKCS#8 and SPKI forms that openssl reads, with the JWK thumbprint in the manifest", async () => {
    requireTools("openssl")
    const out = fresh()
    const r = await sluice(["keygen", "-t", "ecdsa-p256", "-n", "20", "-f", "pkcs8-pem,spki-der", "--out-dir", out], { timeoutMs: TIMEOUT })
    expect(r.status).toBe(0)
    const lines = manifest(out)
    expect(lines).toHaveLength(20)
    const line = lines[7]!
    expect(line.files).toEqual({ "pkcs8-pem": "key-000008.pem", "spki-der": "key-000008.pub.der" })
    expect(statSync(join(out, "key-000008.pem")).mode & 0o777).toBe(0o600)
    expect(statSync(join(out, "key-000008.pub.der")).mode & 0o777).toBe(0o644)
    const fromPrivate = execFileSync("openssl", ["pkey", "-in", join(out, "key-000008.pem"), "-pubout", "-outform", "DER"])
    expect(Buffer.compare(fromPrivate, readFileSync(join(out, "key-000008.pub.der")))).toBe(0)
    expect(line.jwkThumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it("--resume goes on after a kill: the torn last line and the files past it are made again, nothing twice", async () => {
    const out = fresh()
    expect((await sluice(["keygen", "-t", "ed25519", "-n", "40", "--out-dir", out], { timeoutMs: TIMEOUT })).status).toBe(0)
    // Stand in for a kill after key 30: the manifest holds 30 lines and half of the 31st,
    // keys 31..40 are on disk, and a temporary file was left.
    const text = readFileSync(join(out, "manifest.jsonl"), "utf8").split("\n")
    writeFileSync(join(out, "manifest.jsonl"), text.slice(0, 30).join("\n") + "\n" + text[30]!.slice(0, 50))
    writeFileSync(join(out, ".key-000041.abcdef.sluice-tmp"), "torn")
    const kept = readFileSync(join(out, "key-000030.pub"), "utf8")
    const replaced = readFileSync(join(out, "key-000031.pub"), "utf8")
    const again = await sluice(["keygen", "-t", "ed25519", "-n", "50", "--out-dir", out, "--resume", "--json"], { timeoutMs: TIMEOUT })
    expect(again.stderr).toBe("")
    expect(again.status).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 50, resumedFrom: 30 })
    const lines = manifest(out)
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(readFileSync(join(out, "key-000030.pub"), "utf8")).toBe(kept)
    expect(readFileSync(join(out, "key-000031.pub"), "utf8")).not.toBe(replaced)
    expect(readFileSync(join(out, "key-000031.pub"), "utf8")).toBe(`${lines[30]!.ssh}\n`)
    expect(readdirSync(out).filter((f) => f.includes("sluice-tmp"))).toEqual([])
    expect(readdirSync(out)).toHaveLength(101)
  })

  it("Ctrl-C stops within a moment, leaving whole keys each in the manifest; --resume finishes the run", async () => {
    const out = fresh()
    const child = spawn(process.execPath, [binPath, "keygen", "-t", "ed25519", "-n", "1000000", "--out-dir", out, "-w", "1"], { stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
    const lines = () => existsSync(join(out, "manifest.jsonl")) ? readFileSync(join(out, "manifest.jsonl"), "utf8").split("\n").length - 1 : 0
    const started = Date.now()
    while (lines() < 500 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50))
    const sent = Date.now()
    child.kill("SIGINT")
    expect(await exited).toBe(130)
    expect(Date.now() - sent).toBeLessThan(3_000)
    expect(stderr).toMatch(/sluice: interrupted/)
    expect(readdirSync(out).filter((f) => f.includes("sluice-tmp"))).toEqual([])
    expect(readFileSync(join(out, "manifest.jsonl"), "utf8").endsWith("\n")).toBe(true)
    const done = manifest(out).length
    expect(done).toBeGreaterThanOrEqual(500)
    const again = await sluice(["keygen", "-t", "ed25519", "-n", String(done + 100), "--out-dir", out, "--resume"], { timeoutMs: TIMEOUT })
    expect(again.status).toBe(0)
    const all = manifest(out)
    expect(all.map((l) => l.index)).toEqual(Array.from({ length: done + 100 }, (_, i) => i + 1))
    expect(new Set(all.map((l) => l.sshFingerprint)).size).toBe(done + 100)
    expect(filesUnder(out)).toHaveLength(2 * (done + 100) + 1)
    for (const line of all) expect(readFileSync(join(out, line.files["openssh-public"]!), "utf8")).toBe(`${line.ssh}\n`)
  })

  it("kill -9 mid-run loses only keys in flight: --resume then gives exactly N distinct whole keys", async () => {
    const out = fresh()
    const child = spawn(process.execPath, [binPath, "keygen", "-t", "ed25519", "-n", "1000000", "--out-dir", out, "-w", "2"], { stdio: "ignore" })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)))
    const lines = () => existsSync(join(out, "manifest.jsonl")) ? readFileSync(join(out, "manifest.jsonl"), "utf8").split("\n").length - 1 : 0
    const started = Date.now()
    while (lines() < 300 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20))
    child.kill("SIGKILL")
    expect(await exited).toBe("SIGKILL")
    const before = lines()
    expect(before).toBeGreaterThanOrEqual(300)
    const count = before + 500
    const again = await sluice(["keygen", "-t", "ed25519", "-n", String(count), "--out-dir", out, "--resume", "--json"], { timeoutMs: TIMEOUT })
    expect(again.status).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ written: count })
    const all = manifest(out)
    expect(all.map((l) => l.index)).toEqual(Array.from({ length: count }, (_, i) => i + 1))
    expect(new Set(all.map((l) => l.sshFingerprint)).size).toBe(count)
    expect(filesUnder(out)).toEqual([...all.flatMap((l) => Object.values(l.files)), "manifest.jsonl"].sort())
    for (const line of all) {
      const key = join(out, line.files["openssh-private"]!)
      expect(statSync(key).mode & 0o777).toBe(0o600)
      expect(readFileSync(key, "utf8")).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/)
      expect(readFileSync(join(out, line.files["openssh-public"]!), "utf8")).toBe(`${line.ssh}\n`)
    }
  }, 2 * TIMEOUT)

  it("refuses a directory that is not empty without --resume, and --resume with other formats", async () => {
    const out = fresh()
    mkdirSync(out)
    writeFileSync(join(out, "something"), "x")
    const r = await sluice(["keygen", "-t", "ed25519", "-n", "2", "--out-dir", out])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/is not empty/)
    const ok = fresh()
    expect((await sluice(["keygen", "-t", "ed25519", "-n", "2", "--out-dir", ok])).status).toBe(0)
    const other = await sluice(["keygen", "-t", "ed25519", "-n", "3", "-f", "pkcs8-pem", "--out-dir", ok, "--resume"])
    expect(other.status).toBe(2)
    expect(other.stderr).toMatch(/same --format/)
    expect(manifest(ok)).toHaveLength(2)
  })
})

describe("sluice keygen --jsonl", () => {
  it("writes one JSON object per key, to a file (0600: private keys) or standard output", async () => {
    const path = join(dir, "keys.jsonl")
    const r = await sluice(["keygen", "-t", "x25519", "-n", "200", "--jsonl", path], { timeoutMs: TIMEOUT })
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const lines = readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(200)
    expect(lines.map((l) => l["index"])).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    expect(lines[0]!["age-identity"]).toMatch(/^# created: .*\n# public key: age1\S+\nAGE-SECRET-KEY-1\S+\n$/)
    expect(lines[0]!["age-recipient"]).toMatch(/^age1\S+\n$/)
    expect(lines[0]!["sshFingerprint"]).toBeUndefined()

    const stdout = await sluice(["keygen", "-t", "ed25519", "-n", "50", "-f", "pkcs8-der,jwk-public", "--jsonl", "-"], { timeoutMs: TIMEOUT })
    expect(stdout.status).toBe(0)
    const objects = stdout.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(objects).toHaveLength(50)
    expect(Buffer.from(objects[9]!["pkcs8-der"] as string, "base64")[0]).toBe(0x30)
    expect(objects[9]!["jwk-public"]).toMatchObject({ kty: "OKP", crv: "Ed25519" })
    expect(objects[9]!["sshFingerprint"]).toMatch(/^SHA256:/)
  })

  it("writes each line as JSON.stringify would (lines are built as text), the manifest's too", async () => {
    const path = join(dir, "canonical.jsonl")
    const r = await sluice(["keygen", "-t", "ed25519", "-n", "40", "-f", "jwk,openssh-private,spki-der", "--comment", "a \"quoted\" é", "--jsonl", path], { timeoutMs: TIMEOUT })
    expect(r.status).toBe(0)
    const lines = readFileSync(path, "utf8").trimEnd().split("\n")
    expect(lines).toHaveLength(40)
    for (const line of lines) expect(JSON.stringify(JSON.parse(line))).toBe(line)
    expect(Object.keys(JSON.parse(lines[0]!) as object)).toEqual(["index", "type", "jwk", "openssh-private", "spki-der", "sshFingerprint", "jwkThumbprint"])
    const out = fresh()
    expect((await sluice(["keygen", "-t", "ed25519", "-n", "40", "--comment", "a \"quoted\" é", "--out-dir", out], { timeoutMs: TIMEOUT })).status).toBe(0)
    const entries = readFileSync(join(out, "manifest.jsonl"), "utf8").trimEnd().split("\n")
    for (const line of entries) expect(JSON.stringify(JSON.parse(line))).toBe(line)
    expect(Object.keys(JSON.parse(entries[0]!) as object)).toEqual(["index", "type", "files", "ssh", "sshFingerprint", "jwk", "jwkThumbprint"])
    expect((JSON.parse(entries[0]!) as ManifestLine).ssh).toMatch(/ a "quoted" é$/)
  })
})

describe("sluice keygen with a passphrase", () => {
  it("writes encrypted keys that openssl and ssh-keygen open with it, and only with it", async () => {
    requireTools("openssl", "ssh-keygen")
    const pw = join(dir, "pw")
    writeFileSync(pw, "correct horse battery\n")
    const out = fresh()
    const r = await sluice(["keygen", "-t", "ed25519", "-n", "3", "-f", "openssh-private,pkcs8-pem,openssh-public", "--passphrase-file", pw, "--out-dir", out], { timeoutMs: TIMEOUT })
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    const line = manifest(out)[1]!
    expect(Object.keys(line.files)).toEqual(["openssh-private-encrypted", "pkcs8-encrypted-pem", "openssh-public"])
    const pem = join(out, "key-000002.pem")
    expect(readFileSync(pem, "utf8")).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/)
    const pub = execFileSync("openssl", ["pkey", "-in", pem, "-passin", "pass:correct horse battery", "-pubout"], { encoding: "utf8" })
    expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----/)
    expect(() => execFileSync("openssl", ["pkey", "-in", pem, "-passin", "pass:wrong", "-noout"], { stdio: "ignore" })).toThrow()
    const ssh = join(out, "key-000002")
    expect(execFileSync("ssh-keygen", ["-y", "-P", "correct horse battery", "-f", ssh], { encoding: "utf8" }).trim()).toBe(line.ssh)
    expect(() => execFileSync("ssh-keygen", ["-y", "-P", "wrong", "-f", ssh], { stdio: "ignore" })).toThrow()
  })

  it("takes it from SLUICE_PASSPHRASE with --encrypt, and never from argv", async () => {
    requireTools("openssl")
    const r = await sluice(["keygen", "-t", "ecdsa-p256", "--encrypt", "-f", "pkcs8-pem"], { env: { SLUICE_PASSPHRASE: "from the env" } })
    expect(r.status).toBe(0)
    const path = join(dir, "env.pem")
    writeFileSync(path, r.stdout)
    expect(execFileSync("openssl", ["pkey", "-in", path, "-passin", "pass:from the env", "-noout", "-text"], { encoding: "utf8" })).toMatch(/NIST CURVE: P-256/)
    const none = await sluice(["keygen", "-t", "ed25519", "--encrypt"])
    expect(none.status).toBe(2)
    expect(none.stderr).toMatch(/need a passphrase/)
  })
})

describe("sluice keygen refuses bad options: exit 2, one line, nothing made", () => {
  it.each([
    [[], "--type is required"],
    [["-t", "rsa-1024"], "unsupported key type 'rsa-1024'"],
    [["-t", "ed25519", "-n", "0"], "--count must be a whole number"],
    [["-t", "ed25519", "-n", "1e3", "--jsonl", "-"], "--count must be a whole number"],
    [["-t", "ed25519", "-n", "5"], "more than one key needs a destination"],
    [["-t", "ed25519", "-f", "age-identity"], "ed25519 keys have no age-identity form"],
    [["-t", "ed25519", "-f", "ppk"], "unknown format 'ppk'"],
    [["-t", "ed25519", "-f", "jwk", "--encrypt"], "jwk has no encrypted form"],
    [["-t", "ed25519", "-f", "pkcs8-der"], "pkcs8-der is binary"],
    [["-t", "ed25519", "-n", "2", "--jsonl", "-", "--out-dir", "x"], "give one destination"],
    [["-t", "ed25519", "--resume"], "--resume goes on with an --out-dir run"],
    [["-t", "ml-kem-768", "--comment", "c"], "--comment is for OpenSSH keys"],
    [["-t", "ed25519", "-w", "x"], "workers must be a whole number"]
  ])("%j", async (args, message) => {
    const out = fresh()
    const r = await sluice(["keygen", ...args.map((a) => a === "x" ? join(out, "x") : a)])
    expect(r.status).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain(message)
    expectCleanStderr(r.stderr.split("\n").filter((l) => !l.startsWith("(sluice help")).join("\n"))
    expect(existsSync(out)).toBe(false)
  })

  it("a passphrase file that cannot be read is an input error (3), before any key is made", async () => {
    const out = fresh()
    const r = await sluice(["keygen", "-t", "ed25519", "-n", "2", "--passphrase-file", join(dir, "missing"), "--out-dir", out])
    expect(r.status).toBe(3)
    expect(r.stderr).toMatch(/No such file or directory/)
    expect(existsSync(join(out, "manifest.jsonl"))).toBe(false)
  })
})

describe("sluice keygen failing to write", () => {
  it("exits 5 and leaves nothing at a --jsonl destination it cannot write", async () => {
    const path = join(dir, "no-such-dir", "keys.jsonl")
    const r = await sluice(["keygen", "-t", "ed25519", "-n", "20", "--jsonl", path])
    expect(r.status).toBe(5)
    expect(r.stderr).toMatch(/keys\.jsonl: not written/)
    expect(existsSync(join(dir, "no-such-dir"))).toBe(false)
  })

  it("exits 5 when --resume cannot clear what is past the manifest", async () => {
    const out = fresh()
    mkdirSync(join(out, "key-000001.pub"), { recursive: true })
    writeFileSync(join(out, "key-000001.pub", "inside"), "x")
    const r = await sluice(["keygen", "-t", "ed25519", "-n", "2", "--out-dir", out, "--resume"])
    expect(r.status).toBe(5)
    expectCleanStderr(r.stderr)
    expect(existsSync(join(out, "manifest.jsonl"))).toBe(false)
  })
})
