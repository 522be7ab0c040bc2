import { EventEmitter } from "node:events"
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { answerLoadReport, devToolsAddress, LOAD_REPORT_PATH, probeScript, removeSingletonFolder } from "./pageLoad.js"

const request = (method: string, url: string) => Object.assign(new EventEmitter(), { method, url })

describe("a page load driven without the inspector's Runtime domain", () => {
  it("finds the DevTools address Chromium prints on its stderr", () => {
    const stderr = "[1:2:ERROR:foo.cc(1)] noise\n\nDevTools listening on ws://127.0.0.1:40123/devtools/browser/abc-def\n"
    expect(devToolsAddress(stderr)).toBe("ws://127.0.0.1:40123/devtools/browser/abc-def")
    expect(devToolsAddress("DevTools listening on")).toBeUndefined()
  })

  it("builds a probe that parses, waits for the tool's heading and posts to its own token", () => {
    const source = probeScript("tok-1", `Derive a "key"`, 1000)
    expect(() => new Function(source)).not.toThrow()
    expect(source).toContain(JSON.stringify(`Derive a "key"`))
    expect(source).toContain(`${LOAD_REPORT_PATH}tok-1`)
  })

  it("answers a probe's POST and leaves every other request to the next handler", () => {
    const ended: Array<string> = []
    const res = { end: (body: string) => ended.push(body) }
    expect(answerLoadReport(request("GET", `${LOAD_REPORT_PATH}x`), res)).toBe(false)
    expect(answerLoadReport(request("POST", "/assets/index.js"), res)).toBe(false)
    const post = request("POST", `${LOAD_REPORT_PATH}unknown-token`)
    expect(answerLoadReport(post, res)).toBe(true)
    post.emit("data", Buffer.from(JSON.stringify({ longTasks: [] })))
    post.emit("end")
    expect(ended).toEqual(["ok"])
  })

  it("deletes the lock folder a killed Chromium leaves in the temporary directory, and nothing else", () => {
    const root = mkdtempSync(join(tmpdir(), "sluice-bench-singleton-test-"))
    try {
      const lock = join(root, "org.chromium.Chromium.abc123")
      const other = join(root, "unrelated")
      mkdirSync(lock)
      mkdirSync(other)
      const profile = join(root, "profile")
      mkdirSync(profile)
      symlinkSync(join(lock, "SingletonSocket"), join(profile, "SingletonSocket"))
      removeSingletonFolder(profile)
      expect(existsSync(lock)).toBe(false)

      const strange = join(root, "profile-2")
      mkdirSync(strange)
      symlinkSync(join(other, "SingletonSocket"), join(strange, "SingletonSocket"))
      removeSingletonFolder(strange)
      expect(existsSync(other)).toBe(true)
      expect(() => removeSingletonFolder(join(root, "no-profile"))).not.toThrow()
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
