import { readFileSync } from "node:fs"
import { expect, it } from "vitest"
import { CORE_VERSION } from "./version.js"

it("CORE_VERSION is the package's version, so a release starts its cache afresh", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
  expect(CORE_VERSION).toBe(pkg.version)
})
