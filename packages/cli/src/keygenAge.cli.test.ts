/**
 * `sluice keygen` as age-keygen (`--type age [--pq] [-o]`, `-y`) and `--seal-to` (each private
 * key an age file), checked with Debian's age and age-keygen (1.1.1), ssh-keygen and openssl.
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { binPath, expectCleanStderr, requireTools, sluice, useTempDir } from "./cli.testkit.js"

const dir = useTempDir("keygen-age")
const TIMEOUT = 60_000
let n = 0
const fresh = (name = "run") => join(dir, `${n++}-${name}`)

/** An identity file made by age-keygen, and its recipient. */
const ageKey = (): { readonly identity: string; readonly recipient: string } => {
  const identity = fresh("key.txt")
  execFileSync("age-keygen", ["-o", identity], { stdio: "ignore" })
  return { identity, recipient: execFileSync("age-keygen", ["-y", identity], { encoding: "utf8" }).trim() }
}

const ageDecrypt = (identity: string, file: string | Buffer): string => {
  const path = fresh("sealed.age")
  writeFileSync(path, file)
  return execFileSync("age", ["-d", "-i", identity, path], { encoding: "utf8" })
}

/** Every file under `root`, hidden ones too. */
const everyFile = (root: string): Array<string> =>
  (readdirSync(root, { recursive: true }) as Array<string>).map((f) => join(root, f)).filter((f) => statSync(f).isFile())

/** Plaintext private key text of any form Sluice writes. */
const PLAINTEXT = /BEGIN (ENCRYPTED |OPENSSH |EC |RSA )?PRIVATE KEY|AGE-SECRET-KEY|"d":"/

interface ManifestLine {
  readonly index: number
  readonly files: Record<string, string>
  readonly ssh?: string
}
const manifest = (out: string): Array<ManifestLine> =>
  readFileSync(join(out, "manifest.jsonl"), "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as ManifestLine)

describe("sluice keygen --type age, as age-keygen", () => {
  it("-o FILE: age-keygen's three lines, 0600, 'Public key:' on stderr; age-keygen -y agrees and age round-trips a file to it", async () => {
    requireTools("age", "age-keygen")
    const key = fresh("key.txt")
    const r = await sluice(["keygen", "--type", "age", "-o", key], { timeoutMs: TIMEOUT })
    expect(r.status).toBe(0)
    expect(r.stdout).toBe("")
    const text = readFileSync(key, "utf8")
    expect(text).toMatch(/^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)\n# public key: (age1[02-9ac-hj-np-z]{58})\nAGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}\n$/)
    const recipient = /# public key: (\S+)/.exec(text)![1]!
    expect(r.stderr).toBe(`Public key: ${recipient}\n`)
    expect(statSync(key).mode & 0o777).toBe(0o600)
    expect(execFileSync("age-keygen", ["-y", key], { encoding: "utf8" })).toBe(`${recipient}\n`)
    const plain = fresh("plain")
    writeFileSync(plain, "to a Sluice key\n")
    execFileSync("age", ["-e", "-r", recipient, "-o", `${plain}.age`, plain])
    expect(execFileSync("age", ["-d", "-i", key, `${plain}.age`], { encoding: "utf8" })).toBe("to a Sluice key\n")
  })

  it("# created: is the local time with its offset, as age-keygen writes it in the same zone", async () => {
    requireTools("age-keygen")
    for (const tz of ["UTC", "Asia/Kolkata"]) {
      const ours = (await sluice(["keygen", "--type", "age"], { timeoutMs: TIMEOUT, env: { TZ: tz } })).stdout.split("\n")[0]!
      const theirs = execFileSync("age-keygen", { env: { ...process.env, TZ: tz }, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n")[0]!
      expect(ours).toMatch(/^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/)
      expect(ours.slice(-6).replace(/^.*Z$/, "Z"), tz).toBe(theirs.slice(-6).replace(/^.*Z$/, "Z"))
    }
  })

  it("-o never replaces a file, as age-keygen's: exit 5, the file as it was, nothing left beside it", async () => {
    const key = fresh("taken.txt")
    writeFileSync(key, "mine\n")
    const r = await sluice(["keygen", "--type", "age", "-o", key], { timeoutMs: TIMEOUT })
    expect(r.status).toBe(5)
    expect(r.stderr).toMatch(/taken\.txt: not written: File exists/)
    expectCleanStderr(r.stderr)
    expect(readFileSync(key, "utf8")).toBe("mine\n")
    expect(readdirSync(dir).filter((f) => f.includes("sluice-tmp"))).toEqual([])
  })

  it("prints the key file on standard output without -o, and -y reads it from standard input as age-keygen -y does", async () => {
    const r = await sluice(["keygen", "--type", "age"], { timeoutMs: TIMEOUT })
    expect(r.status).toBe(0)
    const recipient = /# public key: (\S+)/.exec(r.stdout)![1]!
    // Not a terminal: the public key on standard error too.
    expect(r.stderr).toBe(`Public key: ${recipient}\n`)
    expect(execFileSync("age-keygen", ["-y"], { input: r.stdout, encoding: "utf8" })).toBe(`${recipient}\n`)
    const y = await sluice(["keygen", "-y"], { input: r.stdout })
    expect(y).toMatchObject({ status: 0, stdout: `${recipient}\n`, stderr: "" })
    expect((await sluice(["keygen", "-y", "-"], { input: r.stdout })).stdout).toBe(`${recipient}\n`)
  })

  it("-y FILE gives age-keygen -y's recipients, one a line, for a file of several identities; -o writes them", async () => {
    const a = ageKey()
    const b = ageKey()
    const both = fresh("both.txt")
    writeFileSync(both, readFileSync(a.identity, "utf8") + "\n" + readFileSync(b.identity, "utf8"))
    const r = await sluice(["keygen", "-y", both])
    expect(r).toMatchObject({ status: 0, stdout: `${a.recipient}\n${b.recipient}\n`, stderr: "" })
    expect(r.stdout).toBe(execFileSync("age-keygen", ["-y", both], { encoding: "utf8" }))
    const out = fresh("recipients.txt")
    expect((await sluice(["keygen", "-y", both, "-o", out])).status).toBe(0)
    expect(readFileSync(out, "utf8")).toBe(r.stdout)
  })

  it("refuses --pq with -y as age-keygen does, an SSH key given to -y, and a missing file", async () => {
    const a = ageKey()
    const pq = await sluice(["keygen", "-y", "--pq", a.identity])
    expect(pq).toMatchObject({ status: 2, stdout: "", stderr: "sluice: --pq cannot be used with -y\n" })
    const ssh = fresh("id_ed25519")
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", ssh])
    const r = await sluice(["keygen", "-y", ssh])
    expect(r.status).toBe(3)
    expect(r.stderr).toMatch(/not an age identity file/)
    expect(r.stderr).not.toMatch(/AAAA/)
    expect((await sluice(["keygen", "-y", fresh("missing")])).status).toBe(3)
    expect((await sluice(["keygen", "--type", "age", "-n", "5", "--out-dir", fresh(), "-o", fresh()])).status).toBe(2)
    expect((await sluice(["keygen", "-t", "ed25519", "--pq"])).status).toBe(2)
    expect((await sluice(["keygen", "--type", "age", "--pq", "--json"])).status).toBe(2)
  })

  it("many age keys (--type age -n N --jsonl): X25519 keys in their age forms, as --type x25519", async () => {
    const path = fresh("age.jsonl")
    expect((await sluice(["keygen", "--type", "age", "-n", "3", "--jsonl", path], { timeoutMs: TIMEOUT })).status).toBe(0)
    const lines = readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, string>)
    expect(lines.map((l) => l["type"])).toEqual(["x25519", "x25519", "x25519"])
    const key = fresh("one.txt")
    writeFileSync(key, lines[2]!["age-identity"]!)
    expect(execFileSync("age-keygen", ["-y", key], { encoding: "utf8" })).toBe(lines[2]!["age-recipient"])
  })

  it("--pq: a post-quantum key file in age-keygen -pq's format, whose -y is its '# public key:' line", async () => {
    const key = fresh("pq.txt")
    const r = await sluice(["keygen", "--type", "age", "--pq", "-o", key], { timeoutMs: TIMEOUT })
    expect(r.status).toBe(0)
    const lines = readFileSync(key, "utf8").split("\n")
    expect(lines).toHaveLength(4)
    expect(lines[1]).toMatch(/^# public key: age1pq1[02-9ac-hj-np-z]{1952}$/)
    expect(lines[2]).toMatch(/^AGE-SECRET-KEY-PQ-1[02-9AC-HJ-NP-Z]{58}$/)
    const recipient = lines[1]!.slice("# public key: ".length)
    expect(r.stderr).toBe(`Public key: ${recipient}\n`)
    expect((await sluice(["keygen", "-y", key])).stdout).toBe(`${recipient}\n`)
    expect(statSync(key).mode & 0o777).toBe(0o600)
  })
})

describe("sluice keygen --seal-to", () => {
  it("writes each private form as a binary age file (NAME.age, 0600) that age -d opens to the key the public file names; no plaintext key in the tree", async () => {
    requireTools("age", "ssh-keygen", "openssl")
    const { identity, recipient } = ageKey()
    const out = fresh()
    const r = await sluice(["keygen", "-t", "ed25519", "-n", "60", "-f", "openssh-private,pkcs8-pem,openssh-public,spki-pem", "--seal-to", recipient, "--out-dir", out, "--json", "-w", "2"], { timeoutMs: TIMEOUT })
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ written: 60, sealed: true })
    const lines = manifest(out)
    expect(lines).toHaveLength(60)
    for (const file of everyFile(out)) expect(readFileSync(file, "latin1")).not.toMatch(PLAINTEXT)
    expect(readdirSync(out).filter((f) => f.includes("sluice-tmp"))).toEqual([])
    for (const line of [lines[0]!, lines[59]!]) {
      const name = `key-${String(line.index).padStart(6, "0")}`
      expect(line.files).toEqual({ "openssh-private": `${name}.age`, "pkcs8-pem": `${name}.pem.age`, "openssh-public": `${name}.pub`, "spki-pem": `${name}.pub.pem` })
      for (const sealed of [line.files["openssh-private"]!, line.files["pkcs8-pem"]!]) {
        expect(statSync(join(out, sealed)).mode & 0o777).toBe(0o600)
        expect(readFileSync(join(out, sealed)).subarray(0, 22).toString()).toBe("age-encryption.org/v1\n")
      }
      const ssh = fresh("id")
      writeFileSync(ssh, ageDecrypt(identity, readFileSync(join(out, line.files["openssh-private"]!))), { mode: 0o600 })
      expect(execFileSync("ssh-keygen", ["-y", "-f", ssh], { encoding: "utf8" }).trim()).toBe(line.ssh)
      const pem = ageDecrypt(identity, readFileSync(join(out, line.files["pkcs8-pem"]!)))
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/)
      expect(execFileSync("openssl", ["pkey", "-pubout"], { input: pem, encoding: "utf8" })).toBe(readFileSync(join(out, line.files["spki-pem"]!), "utf8"))
    }
  })

  it("to a recipients file of two: JSON lines whose private forms are armored age files either identity opens", async () => {
    const a = ageKey()
    const b = ageKey()
    const recipients = fresh("escrow.txt")
    writeFileSync(recipients, `# escrow\n${a.recipient}\n\n${b.recipient}\n`)
    const path = fresh("keys.jsonl")
    const r = await sluice(["keygen", "-t", "ecdsa-p256", "-n", "25", "-f", "pkcs8-pem,jwk,spki-pem", "--seal-to", recipients, "--jsonl", path], { timeoutMs: TIMEOUT })
    expect(r).toMatchObject({ status: 0, stderr: "" })
    const text = readFileSync(path, "utf8")
    expect(text).not.toMatch(PLAINTEXT)
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, string>)
    expect(lines).toHaveLength(25)
    for (const line of [lines[0]!, lines[24]!]) {
      expect(line["pkcs8-pem"]).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/)
      const pem = ageDecrypt(a.identity, line["pkcs8-pem"]!)
      expect(ageDecrypt(b.identity, line["pkcs8-pem"]!)).toBe(pem)
      expect(execFileSync("openssl", ["pkey", "-pubout"], { input: pem, encoding: "utf8" })).toBe(line["spki-pem"])
      expect(JSON.parse(ageDecrypt(b.identity, line["jwk"]!))).toMatchObject({ kty: "EC", crv: "P-256" })
    }
  })

  it("one key to standard output: the private form armored, age -d opens it", async () => {
    const { identity, recipient } = ageKey()
    const r = await sluice(["keygen", "-t", "ed25519", "-f", "pkcs8-pem", "--seal-to", recipient], { timeoutMs: TIMEOUT })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/)
    expect(ageDecrypt(identity, r.stdout)).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
  })

  it("--resume goes on sealed: a torn run finished gives N whole sealed keys; resuming it unsealed, or an unsealed run sealed, is refused", async () => {
    const { identity, recipient } = ageKey()
    const out = fresh()
    expect((await sluice(["keygen", "-t", "ed25519", "-n", "40", "--seal-to", recipient, "--out-dir", out], { timeoutMs: TIMEOUT })).status).toBe(0)
    // A run stopped after 30 keys, its 31st line torn, its 35th key's file left behind.
    const all = readFileSync(join(out, "manifest.jsonl"), "utf8").split("\n")
    writeFileSync(join(out, "manifest.jsonl"), all.slice(0, 30).join("\n") + "\n" + all[30]!.slice(0, 20))
    const plain = await sluice(["keygen", "-t", "ed25519", "-n", "50", "--out-dir", out, "--resume"])
    expect(plain.status).toBe(2)
    expect(plain.stderr).toMatch(/was sealed with age; give --seal-to/)
    const again = await sluice(["keygen", "-t", "ed25519", "-n", "50", "--seal-to", recipient, "--out-dir", out, "--resume", "--json"], { timeoutMs: TIMEOUT })
    expect(again.status).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 50, resumedFrom: 30, sealed: true })
    const lines = manifest(out)
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(readdirSync(out)).toHaveLength(101)
    for (const file of everyFile(out)) expect(readFileSync(file, "latin1")).not.toMatch(PLAINTEXT)
    const ssh = fresh("id")
    writeFileSync(ssh, ageDecrypt(identity, readFileSync(join(out, lines[44]!.files["openssh-private"]!))), { mode: 0o600 })
    expect(execFileSync("ssh-keygen", ["-y", "-f", ssh], { encoding: "utf8" }).trim()).toBe(lines[44]!.ssh)
    const unsealed = fresh()
    expect((await sluice(["keygen", "-t", "ed25519", "-n", "3", "--out-dir", unsealed])).status).toBe(0)
    const sealed = await sluice(["keygen", "-t", "ed25519", "-n", "5", "--seal-to", recipient, "--out-dir", unsealed, "--resume"])
    expect(sealed.status).toBe(2)
    expect(sealed.stderr).toMatch(/was not sealed with age/)
  })

  it("kill -9 mid-run: the tree, staging directories left included, holds no plaintext key; --resume then gives N whole sealed keys", async () => {
    const { identity, recipient } = ageKey()
    const out = fresh()
    const child = spawn(process.execPath, [binPath, "keygen", "-t", "ed25519", "-n", "1000000", "--seal-to", recipient, "--out-dir", out, "-w", "2"], { stdio: "ignore" })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)))
    const lines = () => existsSync(join(out, "manifest.jsonl")) ? readFileSync(join(out, "manifest.jsonl"), "utf8").split("\n").length - 1 : 0
    const started = Date.now()
    while (lines() < 300 && Date.now() - started < 45_000) await new Promise((r) => setTimeout(r, 20))
    child.kill("SIGKILL")
    expect(await exited).toBe("SIGKILL")
    const files = everyFile(out)
    expect(files.length).toBeGreaterThan(600)
    for (const file of files) expect(readFileSync(file, "latin1")).not.toMatch(PLAINTEXT)
    const count = lines() + 200
    const again = await sluice(["keygen", "-t", "ed25519", "-n", String(count), "--seal-to", recipient, "--out-dir", out, "--resume", "--json"], { timeoutMs: TIMEOUT })
    expect(again.status).toBe(0)
    const all = manifest(out)
    expect(all.map((l) => l.index)).toEqual(Array.from({ length: count }, (_, i) => i + 1))
    expect(new Set(all.map((l) => l.ssh)).size).toBe(count)
    expect(everyFile(out).filter((f) => f.includes("sluice-tmp"))).toEqual([])
    const last = all[count - 1]!
    const ssh = fresh("id")
    writeFileSync(ssh, ageDecrypt(identity, readFileSync(join(out, last.files["openssh-private"]!))), { mode: 0o600 })
    expect(execFileSync("ssh-keygen", ["-y", "-f", ssh], { encoding: "utf8" }).trim()).toBe(last.ssh)
  }, 2 * TIMEOUT)

  it("refuses a passphrase with --seal-to, post-quantum and classic recipients together, an SSH recipient, and a missing file, before any key", async () => {
    const { recipient } = ageKey()
    const pqKey = fresh("pq.txt")
    expect((await sluice(["keygen", "--type", "age", "--pq", "-o", pqKey], { timeoutMs: TIMEOUT })).status).toBe(0)
    const mixed = fresh("mixed.txt")
    writeFileSync(mixed, `${recipient}\n${(await sluice(["keygen", "-y", pqKey])).stdout}`)
    const pw = fresh("pw")
    writeFileSync(pw, "secret words\n")
    const out = fresh()
    const cases: Array<[ReadonlyArray<string>, number, RegExp]> = [
      [["--seal-to", recipient, "--passphrase-file", pw], 2, /leave out --encrypt, --passphrase-file/],
      [["--seal-to", mixed], 2, /can't mix post-quantum and classic recipients/],
      [["--seal-to", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN"], 2, /ssh-ed25519 recipient/],
      [["--seal-to", fresh("missing.txt")], 3, /not an age1… recipient, and not a recipients file/]
    ]
    for (const [args, status, message] of cases) {
      const r = await sluice(["keygen", "-t", "ed25519", "-n", "3", "--out-dir", out, ...args])
      expect(r.status).toBe(status)
      expect(r.stderr).toMatch(message)
      expectCleanStderr(r.stderr)
    }
    expect(() => readdirSync(out)).toThrow()
  })

  it("seals to a post-quantum recipient: each private file's header holds one mlkem768x25519 stanza", async () => {
    const pqKey = fresh("pq.txt")
    expect((await sluice(["keygen", "--type", "age", "--pq", "-o", pqKey], { timeoutMs: TIMEOUT })).status).toBe(0)
    const recipient = (await sluice(["keygen", "-y", pqKey])).stdout.trim()
    const out = fresh()
    mkdirSync(out)
    const r = await sluice(["keygen", "-t", "ed25519", "-n", "5", "--seal-to", recipient, "--out-dir", out], { timeoutMs: TIMEOUT })
    expect(r).toMatchObject({ status: 0, stderr: "" })
    const header = readFileSync(join(out, "key-000001.age"), "latin1").split("\n")
    expect(header[0]).toBe("age-encryption.org/v1")
    expect(header[1]).toMatch(/^-> mlkem768x25519 \S{1494}$/)
    expect(header.filter((l) => l.startsWith("-> "))).toHaveLength(1)
  })
})
