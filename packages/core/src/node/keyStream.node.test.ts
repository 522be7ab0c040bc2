/** `generateKeysIterable`: the Promise side of `generateKeyStream`, for programs without Effect. */
import { describe, expect, it } from "vitest"
import { KeygenError } from "../keys/KeyError.js"
import { generateKeysIterable } from "./node.js"

describe("generateKeysIterable", () => {
  it("gives the keys in order, on this thread with workers: 0", async () => {
    const indices: Array<number> = []
    for await (const key of generateKeysIterable({ type: "ed25519", count: 300, formats: ["openssh-public"] }, { workers: 0 })) {
      expect(new TextDecoder().decode(key.outputs[0]!.bytes)).toMatch(/^ssh-ed25519 /)
      indices.push(key.index)
    }
    expect(indices).toEqual(Array.from({ length: 300 }, (_, i) => i))
  })

  it("stops the job when the loop breaks, and throws a KeygenError for a bad request", async () => {
    let seen = 0
    for await (const _ of generateKeysIterable({ type: "ed25519", count: 5_000_000, formats: ["spki-der"] }, { workers: 0 })) {
      if (++seen === 10) break
    }
    expect(seen).toBe(10)
    await expect((async () => {
      for await (const _ of generateKeysIterable({ type: "ed25519", count: 2, formats: ["openssh-private-encrypted"] }, { workers: 0 })) void _
    })()).rejects.toBeInstanceOf(KeygenError)
  })
})
