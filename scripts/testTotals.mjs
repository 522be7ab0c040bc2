// Totals over every vitest run of `npm test`, read from the runs' own summary lines as turbo
// passes them through, e.g. `@sluice/core:test:       Tests  2 failed | 687 passed | 1 skipped (690)`.

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g
const SUMMARY = /^(?:\S+:\s*)?\s*Tests\s+(\d+ \w+(?: \| \d+ \w+)*) \(\d+\)\s*$/

/** @typedef {{ passed: number, failed: number, skipped: number, runs: number }} Totals */

/** @returns {Totals} */
export const emptyTotals = () => ({ passed: 0, failed: 0, skipped: 0, runs: 0 })

/**
 * Adds one line of output to the totals (unchanged when it is not a vitest summary line).
 * Todo tests count as skipped: neither ran.
 * @param {Totals} totals
 * @param {string} line
 * @returns {Totals}
 */
export const addTotals = (totals, line) => {
  const match = SUMMARY.exec(line.replace(ANSI, "").replace(/\r$/, ""))
  if (match === null) return totals
  const next = { ...totals, runs: totals.runs + 1 }
  for (const part of match[1].split(" | ")) {
    const [count, kind] = part.split(" ")
    const n = Number(count)
    if (kind === "passed") next.passed += n
    else if (kind === "failed") next.failed += n
    else if (kind === "skipped" || kind === "todo") next.skipped += n
  }
  return next
}

/** @param {Totals} totals */
export const closingLine = (totals) => `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`
