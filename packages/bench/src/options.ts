/** Command-line options of the budget runner. Pure: argv in, options or a usage error out. */
import { parseArgs } from "node:util"
import { BENCH_SIZES, type BenchSize } from "./budgets.js"

export interface BenchOptions {
  readonly size: BenchSize
  readonly runs: number
  readonly json?: string
  readonly only?: string
  readonly tmpdir?: string
  readonly cli?: string
  /** Another budgets file than the package's budgets.json (the runner's own tests). */
  readonly budgets?: string
  /** Save the run's JSON result in the history folder. */
  readonly record: boolean
  /** The history folder (default: packages/bench/history). */
  readonly history?: string
  /** The longest one command may run before it counts as hung. */
  readonly timeoutSeconds: number
  readonly help: boolean
}

export const DEFAULT_RUNS: Readonly<Record<BenchSize, number>> = { small: 3, full: 5 }
export const DEFAULT_TIMEOUT_SECONDS: Readonly<Record<BenchSize, number>> = { small: 120, full: 900 }

export const USAGE = `Usage: node dist/run.js [options]

Measures Sluice against native tools (openssl, sha256sum, b3sum) in one run on this
machine and checks every budget of budgets.json. Exits 1 when a budget breaks.

Options:
  --size small|full   input sizes: small = CI-sized (256 MiB files), full = the issue's
                      (1 GiB and 4 GiB files)                      (default: small)
  --runs N            timed runs per command; figures are medians  (default: 3 small, 5 full)
  --json FILE         write every figure, ratio and verdict as JSON
  --record            also save that JSON in the history folder as <date>-<git>-<size>.json
                      (commit it: the table's "vs last" column compares every later run of
                      the same size with the newest recorded one)
  --history DIR       the history folder                           (default: packages/bench/history)
  --only NAME         run one scenario (a scenario id, or a budget name for its scenario);
                      a comma list; web = every browser scenario, cache = every cache one
  --tmpdir DIR        where to generate the input files            (default: the OS temp dir)
  --cli PATH          the Sluice CLI to measure                    (default: packages/cli/dist/bin.js)
  --budgets FILE      judge another budgets file                   (default: packages/bench/budgets.json)
  --timeout SECONDS   longest any one command may run; a run is also
                      killed as hung after 10x its slowest run (at least 5 s)
                      and run again, and the hang fails its budgets (default: 120 small, 900 full)
  -h, --help          this text
`

export const parseOptions = (argv: ReadonlyArray<string>): BenchOptions | { error: string } => {
  let values
  try {
    values = parseArgs({
      // `pnpm run bench -- --size small` may hand the script a literal leading "--".
      args: argv[0] === "--" ? argv.slice(1) : [...argv],
      options: {
        size: { type: "string", default: "small" },
        runs: { type: "string" },
        json: { type: "string" },
        only: { type: "string" },
        tmpdir: { type: "string" },
        cli: { type: "string" },
        budgets: { type: "string" },
        record: { type: "boolean", default: false },
        history: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h", default: false }
      },
      allowPositionals: false,
      strict: true
    }).values
  } catch (error) {
    return { error: (error as Error).message }
  }
  const size = values.size as BenchSize
  if (!BENCH_SIZES.includes(size)) return { error: `--size must be small or full, got '${values.size}'` }
  let runs = DEFAULT_RUNS[size]
  if (values.runs !== undefined) {
    runs = Number(values.runs)
    if (!Number.isInteger(runs) || runs < 1 || runs > 100) return { error: `--runs must be an integer from 1 to 100, got '${values.runs}'` }
  }
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS[size]
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout)
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 1) return { error: `--timeout must be a number of seconds >= 1, got '${values.timeout}'` }
  }
  return {
    size,
    runs,
    timeoutSeconds,
    help: values.help === true,
    record: values.record === true,
    ...(values.json === undefined ? {} : { json: values.json }),
    ...(values.only === undefined ? {} : { only: values.only }),
    ...(values.tmpdir === undefined ? {} : { tmpdir: values.tmpdir }),
    ...(values.cli === undefined ? {} : { cli: values.cli }),
    ...(values.budgets === undefined ? {} : { budgets: values.budgets }),
    ...(values.history === undefined ? {} : { history: values.history })
  }
}
