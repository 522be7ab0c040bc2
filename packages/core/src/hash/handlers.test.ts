import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { PathSource } from "../engine/Source.js"
import * as NodeByteSource from "../node/NodeByteSource.js"
import * as NodeHashKernel from "../node/NodeHashKernel.js"
import { layerInline } from "../engine/pool/WorkerPool.js"
import { OperationHandlers, Operations } from "../operations.js"
import { HashRequests } from "./hashRequests.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-handlers-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const Inline = layerInline({ group: Operations, handlers: OperationHandlers }).pipe(Layer.provide([NodeByteSource.layer, NodeHashKernel.layer]))

describe("Blake3Subtree", () => {
  it("fails with a typed error when the file is shorter than the range it was split into", async () => {
    const path = join(dir, "shrunk")
    writeFileSync(path, new Uint8Array(4096))
    const error = await Effect.runPromise(
      Effect.gen(function*() {
        const tasks = yield* HashRequests
        return yield* Effect.flip(
          tasks.blake3Subtree({ source: new PathSource({ path }), offset: 0, length: 8192, startChunk: 0 })
        )
      }).pipe(Effect.provide(Inline))
    )
    expect(error.reason).toMatchObject({ _tag: "ReadFailed", code: "ECHANGED" })
    expect(error.message).toBe(`${path}: the file changed while it was being read`)
  })
})
