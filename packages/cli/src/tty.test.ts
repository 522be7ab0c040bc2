import { EventEmitter } from "node:events"
import { describe, expect, it, vi } from "vitest"
import { ExitCode } from "./exitCode.js"
import { askHidden, type HiddenInput, withoutNewline } from "./tty.js"

/** A terminal's input stream as askHidden uses it, recording raw mode and what was written. */
const fakeTerminal = (maxBytes?: number) => {
  const events = new EventEmitter()
  const log: Array<string> = []
  const stream: HiddenInput["stream"] = {
    setRawMode: (raw: boolean) => (log.push(`raw ${raw}`), stream) as never,
    on: (event: string, listener: Parameters<EventEmitter["on"]>[1]) => (events.on(event, listener), stream) as never,
    removeListener: (event: string, listener: Parameters<EventEmitter["on"]>[1]) => (events.removeListener(event, listener), stream) as never,
    resume: () => (log.push("resume"), stream) as never,
    pause: () => (log.push("pause"), stream) as never
  }
  const input: HiddenInput = { stream, write: (text) => log.push(`write ${JSON.stringify(text)}`), newline: "\r\n", ...(maxBytes === undefined ? {} : { maxBytes }) }
  const type = (text: string) => {
    const chunk = Buffer.from(text, "latin1")
    events.emit("data", chunk)
    return chunk
  }
  return { input, log, type, listeners: () => events.listenerCount("data") }
}

describe("askHidden: a line typed without echo (derive's and age's prompts)", () => {
  it("asks, reads in raw mode to Enter with Backspace and DEL taking back a byte, then restores the terminal; typed chunks are wiped", async () => {
    const t = fakeTerminal()
    const answer = askHidden(t.input, "Password: ")
    const first = t.type("hunx\x7fter")
    const second = t.type("2\x083\r")
    expect(new TextDecoder().decode(await answer)).toBe("hunter3")
    expect(t.log).toEqual(['write "Password: "', "raw true", "resume", "raw false", "pause", 'write "\\r\\n"'])
    expect([...first, ...second].every((b) => b === 0)).toBe(true)
    expect(t.listeners()).toBe(0)
  })

  it("ends the line at LF or Ctrl-D too, and keeps at most one byte past maxBytes", async () => {
    const lf = fakeTerminal()
    const a = askHidden(lf.input, "? ")
    lf.type("one\ntwo")
    expect(new TextDecoder().decode(await a)).toBe("one")
    const eot = fakeTerminal(4)
    const b = askHidden(eot.input, "? ")
    eot.type("abcdefgh\x04")
    expect(new TextDecoder().decode(await b)).toBe("abcde")
  })

  it("Ctrl-C restores the terminal and exits 130", async () => {
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never)
    try {
      const t = fakeTerminal()
      void askHidden(t.input, "? ")
      t.type("se\x03cret")
      expect(exit).toHaveBeenCalledWith(ExitCode.interrupted)
      expect(t.log.slice(-3)).toEqual(["raw false", "pause", 'write "\\r\\n"'])
    } finally {
      exit.mockRestore()
    }
  })
})

describe("withoutNewline: a piped or file secret without echo's line end", () => {
  it("drops one LF or CRLF, wipes the original, and leaves other bytes alone", () => {
    const piped = new Uint8Array([0x61, 0x62, 0x0d, 0x0a])
    expect(Array.from(withoutNewline(piped))).toEqual([0x61, 0x62])
    expect(Array.from(piped)).toEqual([0, 0, 0, 0])
    expect(Array.from(withoutNewline(new Uint8Array([0x61, 0x0a, 0x0a])))).toEqual([0x61, 0x0a])
    const bare = new Uint8Array([0x61, 0x20])
    expect(withoutNewline(bare)).toBe(bare)
  })
})
