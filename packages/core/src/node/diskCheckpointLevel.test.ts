/** The disk level of checkpoints: atomic 0600 files in a 0700 directory, old formats ignored, stale files pruned. */
import { Effect, Schema } from "effect"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import * as CheckpointPolicy from "../engine/checkpoints/CheckpointPolicy.js"
import * as Checkpoints from "../engine/checkpoints/Checkpoints.js"
import { checkpointFileName, makeDiskCheckpointLevel } from "./diskCheckpointLevel.js"

const root = mkdtempSync(join(tmpdir(), "sluice-checkpoint-level-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
const freshDir = () => join(root, `d${++dirs}`)

const Count = CheckpointPolicy.kind({ name: "test/count", version: 1, schema: Schema.Struct({ done: Schema.Number }), holds: ["count"] })
const job = { kind: "test", path: "/x" }
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

describe("the disk checkpoint level", () => {
  it("writes one JSON file per job, mode 0600 in a directory of mode 0700, atomically (no temporary file left)", async () => {
    const dir = freshDir()
    const service = Checkpoints.make({ level: makeDiskCheckpointLevel(dir) })
    await run(service.save(job, "id", Count, { done: 1 }))
    await run(service.save(job, "id", Count, { done: 2 }))
    expect(readdirSync(dir)).toEqual([checkpointFileName(Checkpoints.jobKey(job))])
    const file = join(dir, readdirSync(dir)[0]!)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ format: 2, job, identity: "id", kind: "test/count", state: { done: 2 } })
    expect(await run(service.load(job, "id", Count))).toEqual({ done: 2 })
    await run(service.forget([job]))
    expect(readdirSync(dir)).toEqual([])
  })

  it("forgetting a job also removes what a write killed half-way left beside its file, and nothing of other jobs", async () => {
    const dir = freshDir()
    const service = Checkpoints.make({ level: makeDiskCheckpointLevel(dir) })
    await run(service.save(job, "id", Count, { done: 1 }))
    const name = checkpointFileName(Checkpoints.jobKey(job))
    const other = checkpointFileName(Checkpoints.jobKey({ kind: "test", path: "/y" }))
    writeFileSync(join(dir, `.${name}.0a1b2c3d4e5f.sluice-tmp`), "{\"half")
    writeFileSync(join(dir, `.${other}.0a1b2c3d4e5f.sluice-tmp`), "{\"half")
    await run(service.forget([job]))
    expect(readdirSync(dir)).toEqual([`.${other}.0a1b2c3d4e5f.sluice-tmp`])
  })

  it("ignores a file of format 1 (or damaged) under the job's name, and replaces it on the next save", async () => {
    const dir = freshDir()
    const service = Checkpoints.make({ level: makeDiskCheckpointLevel(dir) })
    await run(service.save(job, "id", Count, { done: 1 }))
    const file = join(dir, checkpointFileName(Checkpoints.jobKey(job)))
    writeFileSync(file, JSON.stringify({ format: 1, job, identity: { path: "/x" }, state: { done: 5 } }))
    expect(await run(service.load(job, "id", Count))).toBeUndefined()
    writeFileSync(file, "{ torn")
    expect(await run(service.load(job, "id", Count))).toBeUndefined()
    const opened = await run(service.open(job, "id", Count))
    expect(opened.previous).toBeUndefined()
    expect(existsSync(file)).toBe(false)
    await run(opened.save({ done: 3 }))
    expect(await run(service.load(job, "id", Count))).toEqual({ done: 3 })
  })

  it("prunes files (records, old formats, temporary files) untouched for longer than the stale age", async () => {
    const dir = freshDir()
    const service = Checkpoints.make({ level: makeDiskCheckpointLevel(dir), staleAfterMs: 30 * 86_400_000 })
    await run(service.save(job, "id", Count, { done: 1 }))
    await run(service.save({ ...job, path: "/y" }, "id", Count, { done: 1 }))
    const old = new Date(Date.now() - 31 * 86_400_000)
    const [first] = readdirSync(dir)
    utimesSync(join(dir, first!), old, old)
    for (const name of ["0123456789abcdef0123456789abcdef.json", ".0123.json.tmp-1"]) {
      writeFileSync(join(dir, name), "{}")
      utimesSync(join(dir, name), old, old)
    }
    expect(await run(service.pruneStale)).toBe(3)
    expect(readdirSync(dir)).toHaveLength(1)
    expect((await run(service.unfinished(Count))).map((u) => u.job)).toHaveLength(1)
  })

  it("a directory that cannot be made fails with CheckpointFailed, which `open` and its saves swallow", async () => {
    const blocker = join(root, "blocker")
    writeFileSync(blocker, "a file where the directory should be")
    const service = Checkpoints.make({ level: makeDiskCheckpointLevel(join(blocker, "sub")) })
    const failed = await Effect.runPromise(Effect.flip(service.save(job, "id", Count, { done: 1 })))
    expect(failed._tag).toBe("CheckpointFailed")
    const opened = await run(service.open(job, "id", Count))
    await run(opened.save({ done: 2 }))
    await run(opened.forget)
  })
})
