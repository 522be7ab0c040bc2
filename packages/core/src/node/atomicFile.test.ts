import { Effect, Exit, Fiber } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { OutputFailed, syncDirectory, syncFilesDurably, writeAtomically } from "./atomicFile.js"

const root = fs.mkdtempSync(join(tmpdir(), "sluice-atomic-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

let dir = root
let n = 0
beforeEach(() => {
  dir = join(root, String(n++))
  fs.mkdirSync(dir)
})

/** Everything in the directory: the destination, and any temporary file left behind. */
const entries = () => fs.readdirSync(dir).sort()

/** The failure of a program expected to fail. */
const failureOf = <E>(program: Effect.Effect<unknown, E>): Promise<E> => Effect.runPromise(Effect.flip(program))

const outputFailed = (error: unknown) => {
  expect(error).toBeInstanceOf(OutputFailed)
  const { code, path } = error as OutputFailed
  return { path, code }
}

const SECRET = "0123456789abcdef-content-never-in-messages"

const diskFull = (after: number) => {
  let written = 0
  return (fd: number, bytes: Uint8Array): Promise<number> => {
    if (written >= after) return Promise.reject(Object.assign(new Error("ENOSPC"), { code: "ENOSPC" }))
    const n = fs.writeSync(fd, bytes, 0, Math.min(bytes.length, after - written))
    written += n
    return Promise.resolve(n)
  }
}

describe("writeAtomically", () => {
  it("writes the file whole and leaves no temporary file", async () => {
    const path = join(dir, "SUMS")
    const result = await Effect.runPromise(writeAtomically(path, (file) =>
      Effect.gen(function*() {
        expect(file.tempPath).toMatch(/\/\.SUMS\.[0-9a-f]{12}\.sluice-tmp$/)
        expect(fs.existsSync(path)).toBe(false)
        yield* file.write("one\n")
        yield* file.write(new TextEncoder().encode("two\n"))
        return 7
      })))
    expect(result).toBe(7)
    expect(fs.readFileSync(path, "utf8")).toBe("one\ntwo\n")
    expect(entries()).toEqual(["SUMS"])
  })

  it("writes more than its buffer, in order", async () => {
    const path = join(dir, "big")
    const line = "x".repeat(999) + "\n"
    await Effect.runPromise(writeAtomically(path, (file) => Effect.forEach(Array.from({ length: 300 }), () => file.write(line))))
    expect(fs.readFileSync(path, "utf8")).toBe(line.repeat(300))
    expect(entries()).toEqual(["big"])
  })

  it("with wipe, zeroes every array given to it once written, and those not written when it is abandoned", async () => {
    const written = Array.from({ length: 3 }, () => new Uint8Array(40 * 1024).fill(7))
    await Effect.runPromise(writeAtomically(join(dir, "keys"), (file) => Effect.forEach(written, (bytes) => file.write(bytes)), { wipe: true }))
    expect(fs.readFileSync(join(dir, "keys")).every((b) => b === 7)).toBe(true)
    for (const bytes of written) expect(bytes.every((b) => b === 0)).toBe(true)
    const abandoned = new Uint8Array(100).fill(7)
    await failureOf(writeAtomically(join(dir, "never"), (file) => Effect.andThen(file.write(abandoned), Effect.fail("no")), { wipe: true }))
    expect(abandoned.every((b) => b === 0)).toBe(true)
    expect(fs.existsSync(join(dir, "never"))).toBe(false)
  })

  it("replaces an existing file, keeping its permissions", async () => {
    const path = join(dir, "SUMS")
    fs.writeFileSync(path, "old\n", { mode: 0o640 })
    fs.chmodSync(path, 0o640)
    await Effect.runPromise(writeAtomically(path, (file) => file.write("new\n")))
    expect(fs.readFileSync(path, "utf8")).toBe("new\n")
    expect(fs.statSync(path).mode & 0o777).toBe(0o640)
    expect(entries()).toEqual(["SUMS"])
  })

  it("with keepMode false (a secret), gives a replaced file the mode asked for, not the old one's", async () => {
    const path = join(dir, "key")
    fs.writeFileSync(path, "old\n")
    fs.chmodSync(path, 0o644)
    await Effect.runPromise(writeAtomically(path, (file) => file.write("new\n"), { mode: 0o600, keepMode: false }))
    expect(fs.readFileSync(path, "utf8")).toBe("new\n")
    expect(fs.statSync(path).mode & 0o777).toBe(0o600)
    fs.rmSync(path)
  })

  /** Writes `text` privately until committed; the temporary file's mode while it was written. */
  const writePrivately = async (path: string, text: string) => {
    let whileWritten = -1
    await Effect.runPromise(writeAtomically(path, (file) =>
      file.write(text).pipe(Effect.andThen(Effect.sync(() => {
        whileWritten = fs.statSync(file.tempPath).mode & 0o777
      }))), { privateUntilCommitted: true }))
    return whileWritten
  }

  it("privately until committed: 0600 while written, then the mode asked less the umask", async () => {
    const path = join(dir, "plain")
    expect(await writePrivately(path, "secret\n")).toBe(0o600)
    const umask = process.umask()
    expect(fs.statSync(path).mode & 0o777).toBe(0o666 & ~umask)
    expect(entries()).toEqual(["plain"])
  })

  it("privately until committed over an existing file: 0600 while written, then the old file's mode", async () => {
    const path = join(dir, "plain")
    fs.writeFileSync(path, "old\n", { mode: 0o640 })
    fs.chmodSync(path, 0o664)
    expect(await writePrivately(path, "new\n")).toBe(0o600)
    expect(fs.statSync(path).mode & 0o777).toBe(0o664)
    expect(fs.readFileSync(path, "utf8")).toBe("new\n")
  })

  it("through a symbolic link, replaces the file it points to and keeps the link", async () => {
    fs.writeFileSync(join(dir, "real"), "old\n")
    fs.symlinkSync("real", join(dir, "link"))
    await Effect.runPromise(writeAtomically(join(dir, "link"), (file) => file.write("new\n")))
    expect(fs.lstatSync(join(dir, "link")).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(join(dir, "real"), "utf8")).toBe("new\n")
    expect(entries()).toEqual(["link", "real"])
  })

  it("a failed use commits nothing: the old file stays, the temporary file goes", async () => {
    const path = join(dir, "SUMS")
    fs.writeFileSync(path, "old\n")
    const error = await failureOf(writeAtomically(path, (file) =>
      Effect.andThen(file.write("partial\n"), Effect.fail("an input failed" as const))))
    expect(error).toBe("an input failed")
    expect(fs.readFileSync(path, "utf8")).toBe("old\n")
    expect(entries()).toEqual(["SUMS"])
  })

  it("a failed use with no file before leaves no file", async () => {
    expect(await failureOf(writeAtomically(join(dir, "SUMS"), () => Effect.fail("no")))).toBe("no")
    expect(entries()).toEqual([])
  })

  it("interrupted: the temporary file is removed and the old file stays", async () => {
    const path = join(dir, "SUMS")
    fs.writeFileSync(path, "old\n")
    let temp = ""
    const fiber = Effect.runFork(writeAtomically(path, (file) =>
      Effect.gen(function*() {
        temp = file.tempPath
        // Past the buffer, so bytes are on disk in the temporary file.
        yield* file.write("y".repeat(100_000))
        return yield* Effect.never
      })))
    while (temp === "" || !fs.existsSync(temp) || fs.statSync(temp).size === 0) await new Promise((r) => setTimeout(r, 5))
    const exit = await Effect.runPromise(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))))
    expect(Exit.hasInterrupts(exit)).toBe(true)
    expect(fs.readFileSync(path, "utf8")).toBe("old\n")
    expect(entries()).toEqual(["SUMS"])
  })

  it.each([
    { name: "on the first write", after: 0 },
    { name: "after a partial write", after: 70_000 }
  ])("a full disk ($name): OutputFailed ENOSPC, no partial output, no temporary file", async ({ after }) => {
    const path = join(dir, "SUMS")
    fs.writeFileSync(path, "old\n")
    const error = await failureOf(writeAtomically(
      path,
      (file) => Effect.forEach(Array.from({ length: 3 }), () => file.write(SECRET.repeat(2000))),
      { write: diskFull(after) }
    ))
    expect(outputFailed(error)).toEqual({ path, code: "ENOSPC" })
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(SECRET.slice(0, 16))
    expect(fs.readFileSync(path, "utf8")).toBe("old\n")
    expect(entries()).toEqual(["SUMS"])
  })

  it("a full disk at the final flush fails too", async () => {
    const path = join(dir, "SUMS")
    const error = await failureOf(writeAtomically(path, (file) => file.write("short\n"), { write: diskFull(3) }))
    expect(outputFailed(error)).toEqual({ path, code: "ENOSPC" })
    expect(entries()).toEqual([])
  })

  it("says the output was not written, with the path and the reason", () => {
    expect(new OutputFailed({ path: "out.sums", code: "ENOSPC" }).message)
      .toBe("out.sums: not written: No space left on device (ENOSPC)")
    expect(new OutputFailed({ path: "out.sums", code: "EWEIRD" }).message).toBe("out.sums: not written: EWEIRD")
  })

  it.each([
    { name: "a missing directory", path: () => join(dir, "no-such-dir", "SUMS"), code: "ENOENT" },
    { name: "a directory", path: () => dir, code: "EISDIR" }
  ])("fails before use on $name: OutputFailed $code", async ({ code, path }) => {
    let used = false
    const error = await failureOf(writeAtomically(path(), () => Effect.sync(() => (used = true))))
    expect(outputFailed(error)).toEqual({ path: path(), code })
    expect(used).toBe(false)
    expect(entries()).toEqual([])
  })

  describe("a destination that is not a regular file (a FIFO here; /dev/null alike)", () => {
    /** A FIFO in the test's directory, and everything a reader takes from it until it closes. */
    const fifo = () => {
      const path = join(dir, "pipe")
      execFileSync("mkfifo", [path])
      const chunks: Array<Buffer> = []
      const read = new Promise<string>((resolve, reject) => {
        fs.createReadStream(path).on("data", (c) => chunks.push(c as Buffer)).on("end", () => resolve(Buffer.concat(chunks).toString())).on("error", reject)
      })
      return { path, read }
    }

    it("is written in order in place, never renamed over: it stays a FIFO and no temporary file is made", async () => {
      const { path, read } = fifo()
      await Effect.runPromise(writeAtomically(path, (file) =>
        Effect.gen(function*() {
          expect(file.tempPath).toBe(path)
          yield* file.write("one\n")
          yield* file.write("two\n")
        })))
      expect(await read).toBe("one\ntwo\n")
      expect(fs.statSync(path).isFIFO()).toBe(true)
      expect(entries()).toEqual(["pipe"])
    })

    it("is neither removed nor replaced when the writer fails", async () => {
      const { path, read } = fifo()
      const exit = await Effect.runPromiseExit(writeAtomically(path, (file) => Effect.andThen(file.write("partial"), Effect.fail("broken"))))
      expect(Exit.isFailure(exit)).toBe(true)
      await read
      expect(fs.statSync(path).isFIFO()).toBe(true)
      expect(entries()).toEqual(["pipe"])
    })
  })

  it.skipIf(process.getuid?.() === 0)("an unwritable directory: OutputFailed EACCES before use", async () => {
    fs.chmodSync(dir, 0o500)
    try {
      const error = await failureOf(writeAtomically(join(dir, "SUMS"), () => Effect.void))
      expect(outputFailed(error)).toEqual({ path: join(dir, "SUMS"), code: "EACCES" })
    } finally {
      fs.chmodSync(dir, 0o700)
    }
  })
})

describe("syncFilesDurably", () => {
  const write = (count: number) =>
    Array.from({ length: count }, (_, i) => {
      const path = join(dir, `k${i}`)
      fs.writeFileSync(path, `key ${i}\n`, { mode: 0o600 })
      return path
    })

  it("flushes a group of files at once, or file by file, and the directory after", async () => {
    const paths = write(50)
    await syncFilesDurably(dir, paths)
    await syncFilesDurably(dir, paths, { fileByFile: true })
    await syncFilesDurably(dir, [])
    await syncDirectory(dir)
    expect(fs.readFileSync(paths[49]!, "utf8")).toBe("key 49\n")
  })

  it("file by file, rejects with the errno of a file it cannot flush", async () => {
    const paths = [...write(3), join(dir, "gone")]
    await expect(syncFilesDurably(dir, paths, { fileByFile: true })).rejects.toMatchObject({ code: "ENOENT" })
  })
})
