// @vitest-environment node
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

const css = readFileSync(new URL("./styles.css", import.meta.url), "utf8")

/** Every rule's selector and body (comments dropped; nested rules flattened). */
const rules = (text: string): Array<{ selector: string; body: string }> =>
  Array.from(text.replace(/\/\*[\s\S]*?\*\//g, "").matchAll(/([^{}]+)\{([^{}]*)\}/g), (m) => ({ selector: m[1]!.trim(), body: m[2]! }))

describe("styles", () => {
  it("gives progress bars no transition or animation, which would lay out and paint the page every frame while hashing", () => {
    const progress = rules(css).filter((r) => /progress/.test(r.selector))
    expect(progress.length).toBeGreaterThan(0)
    for (const rule of progress) expect(rule.body, rule.selector).not.toMatch(/\b(transition|animation)\s*:/)
  })
})
