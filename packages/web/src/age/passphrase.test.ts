import { wordlist } from "@scure/bip39/wordlists/english.js"
import { describe, expect, it } from "vitest"
import { generatePassphrase, wordsOf } from "./passphrase.js"

describe("generated passphrases", () => {
  it("are ten BIP-39 words joined by dashes", async () => {
    const words = (await generatePassphrase()).split("-")
    expect(words).toHaveLength(10)
    for (const word of words) expect(wordlist).toContain(word)
  })

  it("differ each time", async () => {
    expect(await generatePassphrase()).not.toBe(await generatePassphrase())
  })

  it("refuse a list that is not BIP-39's 2,048 words", () => {
    expect(() => wordsOf(["a", "b"])).toThrow(/2,048/)
  })
})
