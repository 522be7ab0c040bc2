import { blake3 } from "@noble/hashes/blake3.js"
import { bytesToHex } from "@noble/hashes/utils.js"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

// The README's library examples, run as a user would run them: as a module importing
// the built package by name, on the project's Node.
const root = fileURLToPath(new URL("../../..", import.meta.url))
const readme = readFileSync(`${root}README.md`, "utf8")
const examples = [...readme.matchAll(/```ts example\n([\s\S]*?)```/g)].map((m) => m[1]!)
const scratch = fileURLToPath(new URL("../.readme-examples/", import.meta.url))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const run = (index: number) => {
  mkdirSync(scratch, { recursive: true })
  const file = `${scratch}example-${index}.mjs`
  writeFileSync(file, examples[index]!)
  return execFileSync(process.execPath, [file, "README.md"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
}

describe("README library examples", () => {
  const readmeSha256 = createHash("sha256").update(readFileSync(`${root}README.md`)).digest("hex")
  // Computed apart from Sluice's own BLAKE3 kernels, by @noble/hashes.
  const readmeBlake3 = bytesToHex(blake3(readFileSync(`${root}README.md`)))

  it("has the five examples", () => {
    expect(examples).toHaveLength(5)
  })

  it("hashFile prints the SHA-256 and BLAKE3 of the README", () => {
    const [sha256, blake3Hex] = run(0).trim().split(" ")
    expect(sha256).toBe(readmeSha256)
    expect(blake3Hex).toBe(readmeBlake3)
  })

  it("hashFiles prints the README's digest and reports the missing file", () => {
    expect(run(1).trim()).toBe(`${readmeSha256} README.md`)
  })

  it("the cached example hashes the README once and answers the second time from the cache", () => {
    expect(run(2).trim().split("\n")).toEqual([`first ${readmeSha256} `, `second ${readmeSha256} (cached)`])
  })

  it("deriveKey gives RFC 5869's output key material for its test case 1", () => {
    expect(run(3).trim()).toBe("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
  })

  it("encryptFile writes an age file of the README and decryptFile gives the README back", () => {
    expect(run(4).trim().split("\n")).toEqual(["age-encryption.org/v1", "true"])
  })
})
