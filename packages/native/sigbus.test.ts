/**
 * sigbus.rs: a mapped file cut short by another process while it is read. Guarded, the read
 * goes on (zeros past the new end) and the guard says so; unguarded, and for any SIGBUS not
 * at a guarded map, the process still ends by SIGBUS (the handler chains to the default).
 * `ageFileAsync` and `fileUpdateAsync` on a file cut short under them fail with ECHANGED and
 * the process lives.
 */
import { spawnSync } from "node:child_process"
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

type Addon = typeof import("./index.cjs")

const require = createRequire(import.meta.url)
const load = (): Addon | undefined => {
  try {
    return require("./index.cjs") as Addon
  } catch {
    return undefined
  }
}
const addon = load()
const dir = mkdtempSync(join(tmpdir(), "sluice-sigbus-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const file = (name: string, size: number) => {
  const path = join(dir, name)
  writeFileSync(path, Buffer.alloc(size, 0xa5))
  return path
}

/** `script` in a child Node with the addon as `addon`: its exit status and signal. */
const child = (script: string) =>
  spawnSync(process.execPath, ["-e", `const addon = require(${JSON.stringify(require.resolve("./index.cjs"))});\n${script}`], { encoding: "utf8", timeout: 30_000 })

describe.skipIf(addon === undefined)("the SIGBUS guard on mapped files", () => {
  it("a guarded map of a file cut short reads zeros past the new end and says it was cut short", () => {
    const path = file("cut", 1 << 20)
    expect(addon!.mapTruncateProbe(Buffer.from(path), 100_000, true)).toBe(0)
  })

  it("a guarded map of a file left whole is not marked", () => {
    const path = file("whole", 300_000)
    expect(addon!.mapTruncateProbe(Buffer.from(path), 300_000, true)).toBe(-1)
  })

  it("a file cut to nothing under many guarded reads, again and again: each marked, the process lives", () => {
    for (let i = 0; i < 20; i++) expect(addon!.mapTruncateProbe(Buffer.from(file(`again${i}`, 64 * 4096)), (i * 4096) + 17, true)).toBe(0)
  })

  it("unguarded, a map of a file cut short still ends the process by SIGBUS, with the guard installed", () => {
    const path = file("unguarded", 1 << 20)
    const r = child(`addon.mapTruncateProbe(Buffer.from(${JSON.stringify(file("first", 1 << 16))}), 0, true); addon.mapTruncateProbe(Buffer.from(${JSON.stringify(path)}), 4096, false); process.exit(0)`)
    expect(r.signal).toBe("SIGBUS")
  })

  it("a SIGBUS sent to the process (kill) is not swallowed by the guard", () => {
    const r = child(`addon.mapTruncateProbe(Buffer.from(${JSON.stringify(file("sent", 1 << 16))}), 0, true); process.kill(process.pid, "SIGBUS"); setTimeout(() => process.exit(0), 2000)`)
    expect(r.signal).toBe("SIGBUS")
  })

  /** `ageFileAsync` over `path` into `out`, the input cut to `keep` bytes once the first run is written (it is mapped by then). */
  const cutWhileRunning = async (encrypt: boolean, path: string, out: string, keep: number, positional: boolean) => {
    const inFd = openSync(path, "r")
    const outFd = openSync(out, "w")
    const control = new Uint8Array(16)
    let ended = false
    const done = new Promise<{ error: unknown; rejection?: string | undefined }>((resolve) =>
      addon!.ageFileAsync(Buffer.alloc(32, 1), encrypt, inFd, 0, statSync(path).size, outFd, 0, positional, 1, control, (error, _written, rejection) => {
        ended = true
        resolve({ error, rejection })
      })
    )
    const progress = new DataView(control.buffer)
    while (!ended && progress.getBigUint64(0, true) === 0n) await new Promise((resolve) => setTimeout(resolve, 1))
    expect(ended).toBe(false)
    truncateSync(path, keep)
    const result = await done
    closeSync(inFd)
    closeSync(outFd)
    return result
  }

  it("ageFileAsync: a plaintext cut short while it is encrypted fails with read:ECHANGED, the process lives", async () => {
    const result = await cutWhileRunning(true, file("plain", 64 << 20), join(dir, "plain.age"), 5 << 20, true)
    expect(result.error).toMatchObject({ code: "read:ECHANGED" })
  })

  // A ciphertext is read (pread), not mapped: a map can change between the tag's check and the
  // decryption (mapped, this released keystream as plaintext: the zero pages came in between).
  it("ageFileAsync: a ciphertext cut short while it is opened, in order: read:ECHANGED, and what was written is plaintext that opened", async () => {
    const plain = file("sealed-plain", 64 << 20)
    const sealedPath = join(dir, "sealed")
    const inFd = openSync(plain, "r")
    const outFd = openSync(sealedPath, "w")
    await new Promise<void>((resolve, reject) =>
      addon!.ageFileAsync(Buffer.alloc(32, 1), true, inFd, 0, 64 << 20, outFd, 0, true, 2, new Uint8Array(16), (error) => (error === null ? resolve() : reject(error)))
    )
    closeSync(inFd)
    closeSync(outFd)
    const out = join(dir, "opened")
    const result = await cutWhileRunning(false, sealedPath, out, 5 * 65552 + 100, false)
    expect(result.error).toMatchObject({ code: "read:ECHANGED" })
    const opened = readFileSync(out)
    expect(opened.every((byte) => byte === 0xa5)).toBe(true)
  })

  it("fileUpdate (a worker's): a file cut short while it is hashed fails with ECHANGED, the process lives", () => {
    const path = file("hashed-sync", 16 << 20)
    const handle = addon!.fileOpen(Buffer.from(path))!
    truncateSync(path, 1 << 20)
    expect(() => addon!.fileUpdate(handle, 16 << 20, 1)).toThrow(expect.objectContaining({ code: "ECHANGED" }))
    addon!.fileClose(handle)
  })

  it("fileUpdateAsync: a file cut short while it is hashed fails with ECHANGED, the process lives", async () => {
    const path = file("hashed", 64 << 20)
    const handle = addon!.fileOpen(Buffer.from(path))!
    truncateSync(path, 3 << 20)
    const error = await new Promise<unknown>((resolve) => addon!.fileUpdateAsync(handle, 64 << 20, 2, (e) => resolve(e)))
    addon!.fileClose(handle)
    expect(error).toMatchObject({ code: "ECHANGED" })
  })
})
