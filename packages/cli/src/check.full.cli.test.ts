/**
 * check.cli.test.ts again, on the full program (`SLUICE_LEAN=0`): each of its checks runs on
 * an empty result cache, which the lean check (checkMain.ts) answers itself where it can
 * (it hashes what the cache does not hold), so the full program's own check is held to the
 * same lines, warnings and exit codes here.
 */
process.env["SLUICE_LEAN"] = "0"
await import("./check.cli.test.js")
