import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  AgeError,
  BadHeaderMac,
  BadIdentity,
  BadPassphrase,
  BadRecipient,
  EmptyLastChunk,
  IncompatibleRecipients,
  MalformedArmor,
  MalformedHeader,
  NoIdentityMatch,
  Tampered,
  TrailingData,
  Truncated,
  UndecryptableFileKey,
  UnsupportedVersion,
  WorkFactorTooLarge
} from "./AgeError.js"

const reasons = [
  new NoIdentityMatch({}),
  new BadHeaderMac({}),
  new MalformedHeader({ detail: "a stanza line without arguments" }),
  new UndecryptableFileKey({ stanza: "ssh-ed25519" }),
  new UnsupportedVersion({}),
  new MalformedArmor({ detail: "a line longer than 64 columns" }),
  new Tampered({ chunk: 17 }),
  new Truncated({ chunk: 2 }),
  new TrailingData({ chunk: 0 }),
  new EmptyLastChunk({}),
  new BadPassphrase({}),
  new WorkFactorTooLarge({ logN: 23, max: 22 }),
  new IncompatibleRecipients({ detail: "post-quantum and classical recipients" }),
  new BadRecipient({ index: 1, problem: "bad Bech32" }),
  new BadIdentity({ file: "keys.txt", line: 3, problem: "not upper case" })
]

describe("AgeError", () => {
  it.each(reasons.map((reason) => [reason._tag, reason] as const))("%s survives the JSON codec the worker protocol uses", (_tag, reason) => {
    const codec = Schema.toCodecJson(AgeError)
    const error = new AgeError({ reason })
    const decoded = Schema.decodeUnknownSync(codec)(JSON.parse(JSON.stringify(Schema.encodeSync(codec)(error))))
    expect(decoded.reason).toEqual(reason)
    expect(decoded.message).toBe(reason.message)
  })

  it("names the chunk a payload failure happened at, counting from 0", () => {
    expect(new AgeError({ reason: new Tampered({ chunk: 17 }) }).message).toContain("chunk 17")
    expect(new WorkFactorTooLarge({ logN: 23, max: 22 }).message).toContain("2^23")
  })
})
