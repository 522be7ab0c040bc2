import { EventEmitter } from "node:events"
import { describe, expect, it } from "vitest"
import { answerLoadReport, devToolsAddress, LOAD_REPORT_PATH, probeScript } from "./pageLoad.js"

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
})
