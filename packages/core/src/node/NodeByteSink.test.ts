import { Effect } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { PathSink } from "../engine/Sink.js"
import { writeAtomically } from "./atomicFile.js"
import * as NodeByteSink from "./NodeByteSink.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-sink-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const piece = (index: number, size: number) => new Uint8Array(size).fill(index + 1)

describe("NodeByteSink", () => {
  it("positional writes from separate openers, out of order, into the atomic temp file make the whole file", async () => {
    const path = join(dir, "out")
    const size = 1000
    await Effect.runPromise(writeAtomically(path, (file) =>
      Effect.forEach([3, 0, 2, 1], (index) =>
        Effect.scoped(Effect.flatMap(NodeByteSink.open(new PathSink({ path: file.tempPath })), (writer) =>
          writer.write(piece(index, size), index * size))), { concurrency: 4 })))
    const expected = Buffer.concat([0, 1, 2, 3].map((i) => piece(i, size)))
    expect(readFileSync(path).equals(expected)).toBe(true)
  })

  it("a job that fails after some writes leaves the destination as it was and no temp file", async () => {
    const path = join(dir, "kept")
    writeFileSync(path, "before")
    const exit = await Effect.runPromiseExit(writeAtomically(path, (file) =>
      Effect.scoped(Effect.flatMap(NodeByteSink.open(new PathSink({ path: file.tempPath })), (writer) =>
        Effect.andThen(writer.write(piece(0, 10), 0), Effect.fail("a later chunk failed"))))))
    expect(exit._tag).toBe("Failure")
    expect(readFileSync(path, "utf8")).toBe("before")
    expect(readdirSync(dir).filter((name) => name.endsWith(".sluice-tmp"))).toEqual([])
  })

  it("a file removed and made again under the same name gets the next writes, not the removed one kept open", async () => {
    const path = join(dir, "again")
    const writeAt = (bytes: Uint8Array, at: number) =>
      Effect.runPromise(Effect.scoped(Effect.flatMap(NodeByteSink.open(new PathSink({ path })), (writer) => writer.write(bytes, at))))
    writeFileSync(path, "")
    await writeAt(piece(0, 4), 0)
    rmSync(path)
    writeFileSync(path, "")
    await writeAt(piece(1, 4), 4)
    expect([...readFileSync(path)]).toEqual([0, 0, 0, 0, 2, 2, 2, 2])
  })

  it("never creates a file: a path that does not exist is OutputFailed ENOENT", async () => {
    const error = await Effect.runPromise(Effect.flip(Effect.scoped(NodeByteSink.open(new PathSink({ path: join(dir, "none") })))))
    expect(error).toMatchObject({ _tag: "OutputFailed", code: "ENOENT" })
  })
})
