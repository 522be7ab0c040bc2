// @vitest-environment node
import { describe, expect, it } from "vitest"
import { type ChunkLinks, stageChunks } from "./preloadStages.js"

const chunk = (fileName: string, imports: Array<string> = [], dynamicImports: Array<string> = []) =>
  ({ type: "chunk" as const, fileName, imports, dynamicImports })

describe("stageChunks", () => {
  it("lists every chunk the entry's dynamic imports need, each after its own imports, once", () => {
    const entry = chunk("index.js", ["preload-helper.js"], ["react-stage.js", "app-stage.js"])
    const bundle: Record<string, ChunkLinks> = {
      "index.js": entry,
      "preload-helper.js": chunk("preload-helper.js"),
      "react-stage.js": chunk("react-stage.js", ["react-dom.js"]),
      "react-dom.js": chunk("react-dom.js", ["runtime.js"]),
      "runtime.js": chunk("runtime.js"),
      "app-stage.js": chunk("app-stage.js", ["react-dom.js", "effect.js", "preload-helper.js"], ["KeysTool.js"]),
      "effect.js": chunk("effect.js", ["runtime.js"]),
      "KeysTool.js": chunk("KeysTool.js", ["effect.js"]),
      "styles.css": { type: "asset", fileName: "styles.css" }
    }
    expect(stageChunks(bundle, entry)).toEqual(["runtime.js", "react-dom.js", "react-stage.js", "effect.js", "app-stage.js"])
  })

  it("preloads nothing for an entry without dynamic imports", () => {
    const entry = chunk("index.js", ["a.js"])
    expect(stageChunks({ "index.js": entry, "a.js": chunk("a.js") }, entry)).toEqual([])
  })
})
