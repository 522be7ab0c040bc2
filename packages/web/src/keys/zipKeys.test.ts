import type { GeneratedKey } from "@sluice/core/browser"
import { describe, expect, it } from "vitest"
import { zipWriter } from "./zipKeys.js"

const key = (index: number): GeneratedKey => ({
  _tag: "GeneratedKey",
  index,
  outputs: [
    { format: "pkcs8-pem", bytes: new TextEncoder().encode(`private ${index}\n`) },
    { format: "openssh-public", bytes: new TextEncoder().encode(`public ${index}\n`) }
  ]
})

/** The names and contents of a store-only ZIP's local file headers (APPNOTE 4.3.7). */
const entries = (zip: Uint8Array) => {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength)
  const found: Array<{ name: string; text: string }> = []
  for (let at = 0; view.getUint32(at, true) === 0x04034b50;) {
    const nameLength = view.getUint16(at + 26, true)
    const extraLength = view.getUint16(at + 28, true)
    const name = new TextDecoder().decode(zip.subarray(at + 30, at + 30 + nameLength))
    const start = at + 30 + nameLength + extraLength
    // client-zip writes sizes in a data descriptor after the data: find it by the next header.
    let end = start
    while (end < zip.length && view.getUint32(end, true) !== 0x08074b50) end++
    found.push({ name, text: new TextDecoder().decode(zip.subarray(start, end)) })
    const descriptor = view.getUint32(end + 4 + 4, true) === 0xffffffff ? 24 : 16
    at = end + descriptor
  }
  return found
}

describe("zipWriter", () => {
  it("streams one file per key per form, named as sluice keygen names them, ending in a central directory", async () => {
    const chunks: Array<Uint8Array> = []
    const zip = await zipWriter({ write: async (chunk) => void chunks.push(chunk.slice()) }, 2)
    const first = key(0)
    await zip.add(first)
    await zip.add(key(1))
    await zip.finish()
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
    let offset = 0
    for (const chunk of chunks) {
      bytes.set(chunk, offset)
      offset += chunk.length
    }
    expect(entries(bytes)).toEqual([
      { name: "key-000001.pem", text: "private 0\n" },
      { name: "key-000001.pub", text: "public 0\n" },
      { name: "key-000002.pem", text: "private 1\n" },
      { name: "key-000002.pub", text: "public 1\n" }
    ])
    // End of central directory record (APPNOTE 4.3.16) at the end.
    const tail = new DataView(bytes.buffer, bytes.length - 22)
    expect(tail.getUint32(0, true)).toBe(0x06054b50)
    expect(tail.getUint16(10, true)).toBe(4)
  })
})
