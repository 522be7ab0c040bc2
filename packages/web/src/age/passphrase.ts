/**
 * A passphrase as age (and `sluice encrypt -p`) makes one: ten words of the BIP-39 English
 * list (@scure/bip39's copy, MIT), each chosen uniformly with the browser's CSPRNG (2,048
 * words: 11 bits of a 16-bit random number each, no bias), joined by "-": 110 bits. The
 * list loads only when a passphrase is asked for.
 */
export const GENERATED_WORDS = 10

export const wordsOf = (wordlist: ReadonlyArray<string>, count = GENERATED_WORDS): string => {
  if (wordlist.length !== 2048) throw new RangeError("the BIP-39 list has 2,048 words")
  const random = crypto.getRandomValues(new Uint16Array(count))
  const words = Array.from(random, (r) => wordlist[r & 2047]!)
  random.fill(0)
  return words.join("-")
}

export const generatePassphrase = async (): Promise<string> =>
  wordsOf((await import("@scure/bip39/wordlists/english.js")).wordlist)
