/**
 * `ageFileAsync` (src/age_file.rs): a whole age payload file to file gives the bytes of
 * `sealChunks` over the same plaintext (the chunk nonces, the final flag), opens back to the
 * plaintext to a file and to a pipe-like in-order output, and names the failure and its
 * chunk as core's `openChunk` does: tampering, truncation, trailing data, an empty last chunk.
 */
import { randomBytes } from "node:crypto"
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

type Addon = typeof import("./index.cjs")

const load = (): Addon | undefined => {
  try {
    const addon = createRequire(import.meta.url)("./index.cjs") as Addon
    return addon.aeadVersion() === undefined ? undefined : addon
  } catch {
    return undefined
  }
}
const addon = load()
const dir = mkdtempSync(join(tmpdir(), "sluice-age-file-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const CHUNK = 65536
const SEALED = CHUNK + 16

interface Done {
  readonly written: number
  readonly rejection?: string | undefined
  readonly chunk?: number | undefined
}

/** One call, file to file: `input` at `inOffset` of a file, the output at `outOffset` of another (positional) or in order. */
const run = (encrypt: boolean, key: Uint8Array, input: Uint8Array, inOffset: number, positional = true, outOffset = 0) => {
  const inPath = join(dir, "in")
  const outPath = join(dir, "out")
  writeFileSync(inPath, Buffer.concat([Buffer.alloc(inOffset, 7), input]))
  writeFileSync(outPath, Buffer.alloc(outOffset, 9))
  const inFd = openSync(inPath, "r")
  const outFd = openSync(outPath, positional ? "r+" : "a")
  return new Promise<Done & { readonly output: Buffer }>((resolve, reject) =>
    addon!.ageFileAsync(key, encrypt, inFd, inOffset, input.length, outFd, outOffset, positional, 2, new Uint8Array(16), (error, written, rejection, chunk) => {
      closeSync(inFd)
      closeSync(outFd)
      if (error !== null) reject(error)
      else resolve({ written: written!, rejection, chunk, output: readFileSync(outPath).subarray(outOffset) })
    })
  )
}

const sealed = (key: Uint8Array, plaintext: Uint8Array) => {
  const out = new Uint8Array(plaintext.length + 16 * Math.max(1, Math.ceil(plaintext.length / CHUNK)))
  addon!.sealChunks(key, 0, true, plaintext, out)
  return out
}

describe.skipIf(addon === undefined)("ageFileAsync", () => {
  const key = randomBytes(32)

  it.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 16 * CHUNK, 16 * CHUNK + 1, 40 * CHUNK + 3])("%i bytes: sealed as sealChunks seals them, opened back, in order and at offsets", async (size) => {
    const plaintext = randomBytes(size)
    const encrypted = await run(true, key, plaintext, 0, true, 123)
    expect(Buffer.compare(encrypted.output, sealed(key, plaintext))).toBe(0)
    expect(encrypted).toMatchObject({ written: encrypted.output.length, rejection: undefined })
    const opened = await run(false, key, encrypted.output, 4097, false)
    expect(opened).toMatchObject({ written: size, rejection: undefined })
    expect(Buffer.compare(opened.output, plaintext)).toBe(0)
  })

  it("writes a regular file at offsets whole (its writeback started behind the runs) and counts the bytes given to /dev/null at offsets", async () => {
    const plaintext = randomBytes(40 * CHUNK + 5)
    const encrypted = await run(true, key, plaintext, 0, true, 0)
    expect(Buffer.compare(encrypted.output, sealed(key, plaintext))).toBe(0)
    const inPath = join(dir, "sealed")
    writeFileSync(inPath, encrypted.output)
    const inFd = openSync(inPath, "r")
    const nullFd = openSync("/dev/null", "w")
    const done = await new Promise<Done>((resolve, reject) =>
      addon!.ageFileAsync(key, false, inFd, 0, encrypted.output.length, nullFd, 0, true, 2, new Uint8Array(16), (error, written, rejection, chunk) => {
        closeSync(inFd)
        closeSync(nullFd)
        if (error !== null) reject(error)
        else resolve({ written: written!, rejection, chunk })
      })
    )
    expect(done).toMatchObject({ written: plaintext.length, rejection: undefined })
  })

  it("writes an output larger than the page cache it keeps (32 MiB: older runs dropped once written back) whole, both ways at offsets", async () => {
    const plaintext = randomBytes(48 * 1024 * 1024 + 7)
    const encrypted = await run(true, key, plaintext, 0, true, 4096)
    expect(Buffer.compare(encrypted.output, sealed(key, plaintext))).toBe(0)
    const opened = await run(false, key, encrypted.output, 0, true, 100)
    expect(opened).toMatchObject({ written: plaintext.length, rejection: undefined })
    expect(Buffer.compare(opened.output, plaintext)).toBe(0)
  })

  it("names the first chunk that fails, writes in order only the chunks before it", async () => {
    const plaintext = randomBytes(40 * CHUNK)
    const bytes = Buffer.from(sealed(key, plaintext))
    bytes[21 * SEALED + 5]! ^= 1
    bytes[35 * SEALED + 5]! ^= 1
    const opened = await run(false, key, bytes, 0, false)
    expect(opened).toMatchObject({ rejection: "Tampered", chunk: 21, written: 21 * CHUNK })
    expect(Buffer.compare(opened.output, plaintext.subarray(0, 21 * CHUNK))).toBe(0)
  })

  it("tells truncation, trailing data and an empty last chunk apart, as core's openChunk does", async () => {
    const plaintext = randomBytes(3 * CHUNK)
    const whole = Buffer.from(sealed(key, plaintext))
    // Cut after chunk 1: chunk 1, full and not final, is the last: a final chunk was due at 2.
    expect(await run(false, key, whole.subarray(0, 2 * SEALED), 0, false)).toMatchObject({ rejection: "Truncated", chunk: 2, written: 2 * CHUNK })
    // Cut inside chunk 2: it does not open.
    expect(await run(false, key, whole.subarray(0, 3 * SEALED - 10), 0, false)).toMatchObject({ rejection: "Tampered", chunk: 2 })
    // A chunk after the final one.
    const longer = Buffer.concat([Buffer.from(sealed(key, plaintext.subarray(0, CHUNK))), whole.subarray(SEALED)])
    expect(await run(false, key, longer, 0, false)).toMatchObject({ rejection: "TrailingData", chunk: 0, written: CHUNK })
    // A lone tag after other chunks.
    const empty = Buffer.concat([whole.subarray(0, SEALED), Buffer.alloc(16)])
    expect(await run(false, key, empty, 0, false)).toMatchObject({ rejection: "EmptyLastChunk", written: CHUNK })
    // No chunk at all.
    expect(await run(false, key, new Uint8Array(0), 0, false)).toMatchObject({ rejection: "Truncated", chunk: 0, written: 0 })
  })

  it("stops when the control's cancel byte is set, with ECANCELED", async () => {
    const path = join(dir, "cancel")
    writeFileSync(path, randomBytes(64 * CHUNK))
    const inFd = openSync(path, "r")
    const outFd = openSync("/dev/null", "w")
    const control = new Uint8Array(16)
    control[8] = 1
    const error = await new Promise<Error | null>((resolve) => addon!.ageFileAsync(key, true, inFd, 0, 64 * CHUNK, outFd, 0, true, 2, control, (e) => resolve(e)))
    closeSync(inFd)
    closeSync(outFd)
    expect((error as Error & { code?: string }).code).toBe("ECANCELED")
  })
})
