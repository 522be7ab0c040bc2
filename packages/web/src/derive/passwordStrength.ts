/**
 * A password's strength as an entropy estimate, not a guess count from dictionaries: each
 * character counts log2 of the alphabet its classes span (lower case 26, upper case 26,
 * digits 10, ASCII symbols 33, anything else 100), except a character that repeats the one
 * before or continues a run by one (`aaa`, `abc`, `321`), which counts 1 bit. It is an
 * upper bound for a password that was chosen at random from that alphabet; a word or a
 * known password scores higher here than it deserves, which the meter says. Computed in
 * the page, from the field only: the password is never kept, logged or sent.
 */
export type StrengthLabel = "empty" | "very weak" | "weak" | "fair" | "strong" | "very strong"

export interface Strength {
  readonly bits: number
  readonly label: StrengthLabel
}

const classSizes = (chars: ReadonlyArray<string>): number => {
  let lower = false, upper = false, digit = false, symbol = false, other = false
  for (const c of chars) {
    if (c >= "a" && c <= "z") lower = true
    else if (c >= "A" && c <= "Z") upper = true
    else if (c >= "0" && c <= "9") digit = true
    else if (c >= " " && c <= "~") symbol = true
    else other = true
  }
  return (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (symbol ? 33 : 0) + (other ? 100 : 0)
}

/** Thresholds in bits: NIST SP 800-63B's 8-character floor of random lower case is ~38 bits; 80 bits is beyond offline attack. */
const LABELS: ReadonlyArray<readonly [number, StrengthLabel]> = [[28, "very weak"], [40, "weak"], [60, "fair"], [80, "strong"]]

export const estimateStrength = (password: string): Strength => {
  const chars = Array.from(password)
  if (chars.length === 0) return { bits: 0, label: "empty" }
  const perChar = Math.log2(classSizes(chars))
  let bits = 0
  for (let i = 0; i < chars.length; i++) {
    const previous = i > 0 ? chars[i - 1]!.codePointAt(0)! : undefined
    const here = chars[i]!.codePointAt(0)!
    bits += previous !== undefined && Math.abs(here - previous) <= 1 ? 1 : perChar
  }
  const label = LABELS.find(([max]) => bits < max)?.[1] ?? "very strong"
  return { bits: Math.round(bits), label }
}
