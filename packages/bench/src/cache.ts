/**
 * The result-cache scenarios (`cache-*`): what issue 5's cache saves, measured through the
 * CLI (`recheck`, `repeat`) and the library (`mixed`, src/cacheWorkload.ts). Each probe runs
 * every command of its scenario itself, because the commands depend on each other (a cache
 * filled by one run, files changed between two); their figures are commands like any other,
 * judged by budgets.json with the same verdict logic.
 *
 * Every run gets its own cache directory through `SLUICE_CACHE_DIR`, emptied or restored
 * from a snapshot before the run (untimed), so each timed run starts from the same cache.
 */
import { createHash } from "node:crypto"
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import type { CommandFigures } from "./budgets.js"
import { runMixedWorkload } from "./cacheWorkload.js"
import type { CommandResult, ExecuteContext, RunSampleRecord, ScenarioResult } from "./execute.js"
import {
  changeFiles,
  describeInput,
  describeTree,
  generateTree,
  inputKey,
  totalBytes,
  type TreeSpec,
  treeBytes,
  warmFiles
} from "./inputs.js"
import { median, runOnce, type Sample } from "./measure.js"
import type { CommandSpec, ScenarioSpec, ToolInfo } from "./scenarios.js"

/**
 * Node's content identity trusts a file's metadata once its ctime is this far in the past
 * (core's RACY_WINDOW_NS, 2 s, plus a margin); a younger file is cached with a fingerprint of
 * sampled blocks, read again at every lookup. A tree just generated is waited for, so the
 * cache sees what it sees of a user's tree: files written well before.
 */
const SETTLED_MS = 2_100

/** Waits until every file's ctime is SETTLED_MS old; returns how long it waited. */
export const settle = async (paths: ReadonlyArray<string>): Promise<number> => {
  let newest = 0
  for (const path of paths) newest = Math.max(newest, statSync(path).ctimeMs)
  const wait = Math.max(0, newest + SETTLED_MS - Date.now())
  if (wait > 0) await sleep(wait)
  return wait
}

/** `name: OK` / `name: FAILED` / `name: FAILED open or read` lines of `check` (and of `sha256sum -c`). */
export const parseCheckLines = (stdout: string): Map<string, "OK" | "FAILED"> => {
  const verdicts = new Map<string, "OK" | "FAILED">()
  for (const line of stdout.split("\n")) {
    const m = /^(.*): (OK|FAILED|FAILED open or read)$/.exec(line)
    if (m !== null) verdicts.set(m[1]!, m[2] === "OK" ? "OK" : "FAILED")
  }
  return verdicts
}

/**
 * Files whose verdict is not the expected one: FAILED for the changed files, OK for the
 * others, and every file reported exactly once; lines for files that are not in the tree count too.
 */
export const wronglyReported = (
  verdicts: ReadonlyMap<string, "OK" | "FAILED">,
  files: ReadonlyArray<string>,
  changed: ReadonlySet<string>
): Array<string> => {
  const inTree = new Set(files)
  return [
    ...files.filter((f) => verdicts.get(f) !== (changed.has(f) ? "FAILED" : "OK")),
    ...[...verdicts.keys()].filter((f) => !inTree.has(f))
  ]
}

/**
 * One command's figures from its runs, as execute.ts reports them. MB/s only for a command
 * that reads all of its input (`reads`): a run answered from the cache reads almost nothing.
 */
const figures = (
  c: CommandSpec,
  input: string,
  bytes: number,
  command: string,
  samples: ReadonlyArray<RunSampleRecord>,
  extra: Partial<CommandFigures> & { note?: string } = {},
  reads = false
): CommandResult => {
  const seconds = samples.map((s) => s.seconds)
  const rss = samples.flatMap((s) => s.rssMiB === undefined ? [] : [s.rssMiB])
  return {
    id: c.id,
    tool: c.tool,
    label: c.label,
    input,
    bytes,
    command,
    samples,
    hangs: 0,
    ...(seconds.length === 0
      ? {}
      : {
        seconds: median(seconds),
        minSeconds: Math.min(...seconds),
        maxSeconds: Math.max(...seconds),
        ...(reads && bytes > 0 && extra.error === undefined ? { mbPerSec: bytes / median(seconds) / 1e6 } : {})
      }),
    ...(rss.length === 0 ? {} : { rssMiB: median(rss) }),
    ...extra
  }
}

const rotate = <A>(items: ReadonlyArray<A>, by: number): Array<A> => items.map((_, i) => items[(i + by) % items.length]!)

class ProbeFailed extends Error {}

interface Runner {
  /** Runs argv once; a non-zero exit that `allow` does not list, or a hang, throws ProbeFailed. */
  readonly run: (label: string, argv: ReadonlyArray<string>, options: { cacheDir?: string; allow?: ReadonlyArray<number>; bytes: number }) => Promise<Sample>
  readonly record: (sample: Sample) => RunSampleRecord
}

const runner = (ctx: ExecuteContext, scenario: string): Runner => ({
  run: async (label, argv, options) => {
    // As execute.ts: 5 s plus 50 MB/s of input is far beyond any healthy run.
    const timeoutMs = Math.min(ctx.maxTimeoutMs, 5_000 + options.bytes / 50_000)
    const sample = await runOnce(argv, {
      rssFile: join(ctx.scratchDir, `rss-${scenario}.txt`),
      timeoutMs,
      ...(ctx.gnuTime === undefined ? {} : { gnuTime: ctx.gnuTime }),
      ...(options.cacheDir === undefined ? {} : { env: { ...process.env, SLUICE_CACHE_DIR: options.cacheDir } })
    })
    if (sample.timedOut) throw new ProbeFailed(`${label} hung (killed after ${(timeoutMs / 1000).toFixed(0)} s)`)
    if (sample.exitCode !== 0 && !(options.allow ?? []).includes(sample.exitCode ?? -1)) {
      const detail = sample.stderr.trim().split("\n").slice(0, 3).join(" | ")
      throw new ProbeFailed(`${label} exited with ${sample.exitCode ?? sample.signal}${detail === "" ? "" : `: ${detail}`}`)
    }
    return sample
  },
  record: (sample) => ({ seconds: sample.seconds, ...(sample.rssKiB === undefined ? {} : { rssMiB: sample.rssKiB / 1024 }) })
})

/** A cache directory as it was in `snapshot` (or empty), for the next run. */
const restoreCache = (dir: string, snapshot?: string): string => {
  rmSync(dir, { recursive: true, force: true })
  if (snapshot !== undefined) cpSync(snapshot, dir, { recursive: true })
  return dir
}

const toolArgv = (ctx: ExecuteContext, c: CommandSpec): ReadonlyArray<string> => {
  const tool = ctx.tools.get(c.tool)
  if (tool === undefined || "missing" in tool) throw new ProbeFailed(tool?.missing ?? `${c.tool} is not available`)
  return (tool as ToolInfo).argv
}

const r1 = (n: number): string => n.toFixed(1)

/**
 * cache-recheck: `sluice hash -r TREE > SUMS`; the first check (`sluice check SUMS` on an empty
 * cache), whose cache is kept; 1 % of the files changed (first 4 KiB rewritten, 4 KiB appended,
 * cut to half, in turn); then rounds of the re-check (on a copy of that cache), the first check
 * (on an empty cache), `check --no-cache`, `sha256sum -c SUMS` and `sluice --version`. Then
 * `hash -r --json` on another copy of the cache counts what it answers: the re-check's hit rate.
 */
const recheck = async (spec: ScenarioSpec, ctx: ExecuteContext, tree: TreeSpec, root: string): Promise<Record<string, CommandResult>> => {
  const byId = (id: string) => spec.commands.find((c) => c.id === id)!
  const { record, run } = runner(ctx, spec.id)
  const input = describeTree(tree)
  const bytes = treeBytes(tree)
  const treeDir = join(root, "tree")
  const sums = join(root, "SUMS")
  const caches = {
    sums: join(root, "cache-sums"),
    first: join(root, "cache-first"),
    snapshot: join(root, "cache-snapshot"),
    re: join(root, "cache-re"),
    unused: join(root, "cache-unused")
  }
  const sluice = toolArgv(ctx, byId("first_check"))

  ctx.log(`  generating a ${input} in ${treeDir}`)
  const files = generateTree(treeDir, tree)
  const waited = await settle(files)
  if (waited > 0) ctx.log(`  waited ${(waited / 1000).toFixed(1)} s until every file is ${SETTLED_MS / 1000} s old (settled for the cache)`)
  warmFiles(files)

  // SUMS, and the untimed first runs: sha256sum -c agreeing with every line checks SUMS itself.
  const made = await run("sluice hash -r", [...sluice, "hash", "-r", treeDir], { cacheDir: restoreCache(caches.sums), bytes })
  writeFileSync(sums, made.stdout)
  const lines = made.stdout.split("\n").filter((l) => l !== "").length
  if (lines !== files.length) throw new ProbeFailed(`sluice hash -r printed ${lines} lines for ${files.length} files`)
  await run("sha256sum -c SUMS (untimed)", [...toolArgv(ctx, byId("sha256sum_c")), ...byId("sha256sum_c").args([sums])], { bytes })

  // The first check of the tree as it was, on an empty cache: the cache it leaves is where every re-check starts.
  const first = await run("sluice check SUMS (first, untimed)", [...sluice, ...byId("first_check").args([sums])], { cacheDir: restoreCache(caches.first), bytes })
  const notOk = wronglyReported(parseCheckLines(first.stdout), files, new Set())
  if (notOk.length > 0) throw new ProbeFailed(`the first check did not say OK for ${notOk.length} unchanged file(s), e.g. ${notOk[0]}`)
  restoreCache(caches.snapshot, caches.first)
  const stats = await run("sluice cache stats --json", [...sluice, "cache", "stats", "--json"], { cacheDir: caches.snapshot, bytes: 0 })
  const cacheStats = JSON.parse(stats.stdout) as { entries?: number; bytes?: number }

  const changes = changeFiles(files, 100, 50)
  const changed = new Set(changes.map((c) => c.path))
  ctx.log(`  changed ${changes.length} of ${files.length} files (${changes.map((c) => c.how).filter((h, i, a) => a.indexOf(h) === i).join(", ")}, in turn)`)

  // Every command in each round, in turn: the first check (an empty cache each run: the same
  // work as before the change, every file read and its digest stored) beside the re-check (a
  // copy of the cache the first check left), so load on the machine hits both alike.
  const rounds = Math.max(5, ctx.runs)
  const ids = ["first_check", "recheck", "nocache_check", "sha256sum_c", "version"] as const
  const samples: Record<string, Array<RunSampleRecord>> = Object.fromEntries(ids.map((id) => [id, []]))
  let worst: Array<string> = []
  for (let round = 0; round < rounds; round++) {
    for (const id of rotate(ids, round)) {
      const c = byId(id)
      if (id === "version") {
        samples[id]!.push(record(await run(c.label, [...sluice, ...c.args([])], { bytes: 0 })))
        continue
      }
      // `check` exits 1 when a checksum does not match, as `sha256sum -c` does. --no-cache
      // touches no cache; it is pointed at an empty one all the same, never at the user's.
      const cacheDir = id === "recheck"
        ? restoreCache(caches.re, caches.snapshot)
        : c.tool === "sluice"
        ? restoreCache(id === "first_check" ? caches.first : caches.unused)
        : undefined
      const sample = await run(c.label, [...toolArgv(ctx, c), ...c.args([sums])], { allow: [1], bytes, ...(cacheDir === undefined ? {} : { cacheDir }) })
      const wrong = wronglyReported(parseCheckLines(sample.stdout), files, changed)
      if (id === "recheck") {
        if (wrong.length > worst.length) worst = wrong
      } else if (wrong.length > 0) {
        throw new ProbeFailed(`${c.label} reported ${wrong.length} file(s) wrongly (FAILED is expected for exactly the changed files), e.g. ${wrong[0]}`)
      }
      samples[id]!.push(record(sample))
      ctx.log(`  run ${round + 1}/${rounds} ${id.padEnd(14)} ${sample.seconds.toFixed(3)} s${wrong.length === 0 ? "" : `  ${wrong.length} file(s) reported wrongly`}`)
    }
  }

  // What the re-check's cache answers: the same lookups, made visible by --json.
  const hitsCommand = byId("recheck_hits")
  const hashed = await run(hitsCommand.label, [...sluice, ...hitsCommand.args([treeDir])], { cacheDir: restoreCache(caches.re, caches.snapshot), bytes })
  const answers = hashed.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { file: string; sha256?: string; cached?: boolean })
  const expected = new Map(readFileSync(sums, "utf8").split("\n").filter((l) => l !== "").map((l) => [l.slice(66), l.slice(0, 64)] as const))
  const cachedCount = answers.filter((a) => a.cached === true).length
  const cachedChanged = answers.filter((a) => a.cached === true && changed.has(a.file)).map((a) => a.file)
  const wrongDigest = answers.filter((a) =>
    changed.has(a.file)
      ? a.sha256 !== createHash("sha256").update(readFileSync(a.file)).digest("hex")
      : a.sha256 !== expected.get(a.file)
  ).map((a) => a.file)

  const cmd = (c: CommandSpec, args: ReadonlyArray<string>) => [...toolArgv(ctx, c), ...args].join(" ")
  const reads = ["first_check", "nocache_check", "sha256sum_c"]
  const result = (id: string, args: ReadonlyArray<string>, extra: Partial<CommandFigures> & { note?: string } = {}) =>
    figures(byId(id), input, id === "version" ? 0 : bytes, cmd(byId(id), args), samples[id] ?? [], extra, reads.includes(id))
  const hitProblem = cachedChanged.length > 0
    ? `answered ${cachedChanged.length} changed file(s) from the cache, e.g. ${cachedChanged[0]}`
    : wrongDigest.length > 0
    ? `printed a wrong digest for ${wrongDigest.length} file(s), e.g. ${wrongDigest[0]}`
    : answers.length !== files.length
    ? `printed ${answers.length} results for ${files.length} files`
    : undefined
  return {
    first_check: result("first_check", ["check", sums], {
      note: `each run on an empty cache, in the re-check's rounds; the first check before the change left ` +
        `${cacheStats.entries ?? "?"} entries, ${r1((cacheStats.bytes ?? 0) / 2 ** 20)} MiB (sluice cache stats)`
    }),
    nocache_check: result("nocache_check", ["check", "--no-cache", sums]),
    sha256sum_c: result("sha256sum_c", ["-c", sums]),
    recheck: result("recheck", ["check", sums], {
      note: `each run on a copy of the first check's cache; ${changes.length} of ${files.length} files changed`
    }),
    version: result("version", ["--version"]),
    recheck_hits: figures(hitsCommand, input, bytes, cmd(hitsCommand, ["hash", "-r", "--json", treeDir]), [record(hashed)], {
      ...(hitProblem === undefined
        ? { percent: (100 * cachedCount) / answers.length }
        : { error: `the cache ${hitProblem}` }),
      note: `${cachedCount} of ${answers.length} files answered from the cache ("cached":true); ${files.length - changes.length} unchanged`
    }),
    recheck_wrong: figures(byId("recheck_wrong"), input, bytes, cmd(byId("recheck_wrong"), ["check", sums]), [], {
      count: worst.length,
      note: worst.length === 0
        ? `every run said FAILED for exactly the ${changes.length} changed files and OK for the rest`
        : `worst run: ${worst.length} file(s) reported wrongly, e.g. ${worst.slice(0, 3).join(", ")}`
    })
  }
}

/**
 * cache-repeat: the large input hashed once to fill an empty cache, then `sluice hash FILE`
 * (answered from the cache) and `sluice --version` in turn, at least 11 runs each; every
 * output line must be sha256sum's.
 */
const repeat = async (spec: ScenarioSpec, ctx: ExecuteContext, root: string): Promise<Record<string, CommandResult>> => {
  const byId = (id: string) => spec.commands.find((c) => c.id === id)!
  const { record, run } = runner(ctx, spec.id)
  const inputSpec = byId("cached_hash").input(ctx.size)
  const file = ctx.inputs.get(inputKey(inputSpec))?.[0]
  if (file === undefined) throw new ProbeFailed("input file not generated")
  const input = describeInput(inputSpec)
  const bytes = totalBytes(inputSpec)
  const cacheDir = join(root, "cache")
  const sluice = toolArgv(ctx, byId("cached_hash"))
  const waited = await settle([file])
  if (waited > 0) ctx.log(`  waited ${(waited / 1000).toFixed(1)} s until the file is ${SETTLED_MS / 1000} s old (settled for the cache)`)
  warmFiles([file])

  const reference = await run("sha256sum", [...toolArgv(ctx, byId("sha256sum")), file], { bytes })
  const first = await run("sluice hash (first)", [...sluice, "hash", file], { cacheDir: restoreCache(cacheDir), bytes })
  if (first.stdout !== reference.stdout) throw new ProbeFailed(`sluice hash printed ${JSON.stringify(first.stdout)}, sha256sum ${JSON.stringify(reference.stdout)}`)
  await run("sluice --version (untimed)", [...sluice, "--version"], { bytes: 0 })
  await run("sluice hash (untimed)", [...sluice, "hash", file], { cacheDir, bytes })

  const rounds = Math.max(11, ctx.runs)
  const samples: Record<string, Array<RunSampleRecord>> = { cached_hash: [], version: [] }
  for (let round = 0; round < rounds; round++) {
    for (const id of rotate(["cached_hash", "version"], round)) {
      const sample = id === "version"
        ? await run("sluice --version", [...sluice, "--version"], { bytes: 0 })
        : await run("sluice hash", [...sluice, "hash", file], { cacheDir, bytes })
      if (id === "cached_hash" && sample.stdout !== reference.stdout) {
        throw new ProbeFailed(`sluice hash printed ${JSON.stringify(sample.stdout)} in run ${round + 1}, sha256sum ${JSON.stringify(reference.stdout)}`)
      }
      samples[id]!.push(record(sample))
    }
    ctx.log(`  run ${round + 1}/${rounds} cached_hash ${samples["cached_hash"]!.at(-1)!.seconds.toFixed(3)} s, version ${samples["version"]!.at(-1)!.seconds.toFixed(3)} s`)
  }
  const json = await run("sluice hash --json", [...sluice, "hash", "--json", file], { cacheDir, bytes })
  const cached = (JSON.parse(json.stdout) as { cached?: boolean }).cached === true
  const pairs = samples["cached_hash"]!.map((s, i) => (s.seconds - samples["version"]![i]!.seconds) * 1000)
  return {
    cached_hash: figures(byId("cached_hash"), input, 0, [...sluice, "hash", file].join(" "), samples["cached_hash"]!, {
      ...(cached ? {} : { error: "sluice hash --json did not say \"cached\":true: the file was not answered from the cache" }),
      note: `output = sha256sum's in every run; median of the paired differences to --version ${r1(median(pairs))} ms`
    }),
    version: figures(byId("version"), input, 0, [...sluice, "--version"].join(" "), samples["version"]!),
    first_hash: figures(byId("first_hash"), input, bytes, [...sluice, "hash", file].join(" "), [record(first)], { note: "one run, on an empty cache" }, true),
    sha256sum: figures(byId("sha256sum"), input, bytes, [...toolArgv(ctx, byId("sha256sum")), file].join(" "), [record(reference)], { note: "one run, the reference line" }, true)
  }
}

/**
 * many-files: a tree of small files, settled, committed to git. SUMS from an untimed
 * `sluice hash -r`, whose cache every `check` then answers from. Rounds of, in turn: `sluice
 * hash -r` (an empty cache each run, as a first hash is), sha256sum on the same files, the
 * same two with BLAKE3 (`sluice hash -a blake3 -r`, b3sum),
 * `sluice check SUMS` (that cache and the check index an untimed first check wrote: a
 * re-check), the first check (a copy of the cache as the hash left it, each run),
 * `sha256sum -c SUMS`, the first `sluice check` of sha256sum's and b3sum's own lists (an
 * empty cache each run: every file read) and `b3sum -c`, `git status` in the tree, and
 * `sluice --version`. Every digest must be sha256sum's and every verdict OK.
 */
const many = async (spec: ScenarioSpec, ctx: ExecuteContext, tree: TreeSpec, root: string): Promise<Record<string, CommandResult>> => {
  const byId = (id: string) => spec.commands.find((c) => c.id === id)!
  const { record, run } = runner(ctx, spec.id)
  const input = describeTree(tree)
  const bytes = treeBytes(tree)
  // Timeouts grow with the files, not only the bytes: 2 ms a file is far beyond a healthy run.
  const budgetBytes = Math.max(bytes, tree.count * 100_000)
  const treeDir = join(root, "tree")
  const sums = join(root, "SUMS")
  const caches = {
    sums: join(root, "cache-sums"),
    hash: join(root, "cache-hash"),
    hashB3: join(root, "cache-hash-b3"),
    hashed: join(root, "cache-hashed"),
    first: join(root, "cache-first"),
    foreign: join(root, "cache-foreign")
  }
  const sluice = toolArgv(ctx, byId("hash"))
  const sha256sum = toolArgv(ctx, byId("sha256sum"))
  const b3sum = toolArgv(ctx, byId("b3sum"))
  const gitArgv = toolArgv(ctx, byId("git_status"))

  ctx.log(`  generating a ${input} in ${treeDir}`)
  const files = generateTree(treeDir, tree)
  const dirs = [...new Set(files.map((f) => dirname(f)))]
  const waited = await settle(files)
  if (waited > 0) ctx.log(`  waited ${(waited / 1000).toFixed(1)} s until every file is ${SETTLED_MS / 1000} s old (settled for the cache)`)
  // A repository with every file committed, its index refreshed: what git status is fast on.
  const gitIn = (args: ReadonlyArray<string>) => run(`git ${args[0]}`, [...gitArgv, "-C", treeDir, "-c", "user.name=bench", "-c", "user.email=bench@localhost", ...args], { bytes: budgetBytes })
  await gitIn(["init", "-q"])
  await gitIn(["add", "-A"])
  await gitIn(["commit", "-q", "-m", "tree"])
  await sleep(1_100)
  await gitIn(["status", "--porcelain"])
  warmFiles(files)

  // The names of the peer: sha256sum's arguments through printf (a shell builtin: no length
  // limit) and xargs, in the order of `hash -r`, from the tree, as a user would type them.
  const peerOf = (argv: ReadonlyArray<string>) => ["sh", "-c", `cd "$1" && printf '%s\\0' d*/* | xargs -0 ${argv.join(" ")}`, "sh", treeDir]
  const peerHash = peerOf(sha256sum)
  const peerB3 = peerOf(b3sum)
  const digestsOf = (stdout: string) => stdout.split("\n").filter((l) => l !== "").map((l) => l.slice(0, 64))
  const peerLines = (await run("sha256sum (untimed)", peerHash, { bytes: budgetBytes })).stdout
  const expected = digestsOf(peerLines)
  if (expected.length !== files.length) throw new ProbeFailed(`sha256sum printed ${expected.length} lines for ${files.length} files`)
  const peerB3Lines = (await run("b3sum (untimed)", peerB3, { bytes: budgetBytes })).stdout
  const expectedB3 = digestsOf(peerB3Lines)
  if (expectedB3.length !== files.length) throw new ProbeFailed(`b3sum printed ${expectedB3.length} lines for ${files.length} files`)
  // The peers' own lists, their names made absolute (they ran in the tree): what a user checks with a list another tool wrote.
  const absolute = (lines: string) => lines.replace(/^([0-9a-f]{64}) {2}/gm, `$1  ${treeDir}/`)
  const foreign = { sha256: join(root, "SHA256SUMS"), blake3: join(root, "B3SUMS") }
  writeFileSync(foreign.sha256, absolute(peerLines))
  writeFileSync(foreign.blake3, absolute(peerB3Lines))
  const made = await run("sluice hash -r (untimed)", [...sluice, "hash", "-r", ...dirs], { cacheDir: restoreCache(caches.sums), bytes: budgetBytes })
  writeFileSync(sums, made.stdout)
  // The cache as the hash left it (no check index yet): each first check starts from a copy.
  cpSync(caches.sums, caches.hashed, { recursive: true })
  // The first check, untimed, writes the check index: every timed `check_cached` is a re-check answered by it.
  await run("sluice check (untimed: writes the check index)", [...sluice, "check", sums], { cacheDir: caches.sums, bytes: budgetBytes })
  const sameDigests = (stdout: string, reference = expected) => {
    const digests = digestsOf(stdout)
    return digests.length === reference.length && digests.every((d, i) => d === reference[i])
  }
  if (!sameDigests(made.stdout)) throw new ProbeFailed("sluice hash -r printed other digests than sha256sum, or another number of them")

  const rounds = Math.max(5, ctx.runs)
  const ids = ["hash", "sha256sum", "hash_blake3", "b3sum", "check_cached", "check_first", "sha256sum_c", "check_foreign", "check_foreign_b3", "b3sum_c", "git_status", "version"] as const
  const argvOf: Record<(typeof ids)[number], () => { argv: ReadonlyArray<string>; cacheDir?: string }> = {
    hash: () => ({ argv: [...sluice, "hash", "-r", ...dirs], cacheDir: restoreCache(caches.hash) }),
    sha256sum: () => ({ argv: peerHash }),
    hash_blake3: () => ({ argv: [...sluice, "hash", "-a", "blake3", "-r", ...dirs], cacheDir: restoreCache(caches.hashB3) }),
    b3sum: () => ({ argv: peerB3 }),
    check_cached: () => ({ argv: [...sluice, "check", sums], cacheDir: caches.sums }),
    check_first: () => ({ argv: [...sluice, "check", sums], cacheDir: restoreCache(caches.first, caches.hashed) }),
    sha256sum_c: () => ({ argv: [...sha256sum, "-c", sums] }),
    check_foreign: () => ({ argv: [...sluice, "check", foreign.sha256], cacheDir: restoreCache(caches.foreign) }),
    check_foreign_b3: () => ({ argv: [...sluice, "check", "-a", "blake3", foreign.blake3], cacheDir: restoreCache(caches.foreign) }),
    b3sum_c: () => ({ argv: [...b3sum, "-c", foreign.blake3] }),
    git_status: () => ({ argv: [...gitArgv, "-C", treeDir, "status"] }),
    version: () => ({ argv: [...sluice, "--version"] })
  }
  const samples: Record<string, Array<RunSampleRecord>> = Object.fromEntries(ids.map((id) => [id, []]))
  for (let round = 0; round < rounds; round++) {
    for (const id of rotate(ids, round)) {
      const { argv, cacheDir } = argvOf[id]()
      const sample = await run(byId(id).label, argv, { bytes: budgetBytes, ...(cacheDir === undefined ? {} : { cacheDir }) })
      if ((id === "hash" || id === "sha256sum") && !sameDigests(sample.stdout)) throw new ProbeFailed(`${byId(id).label} printed other digests in run ${round + 1}`)
      if ((id === "hash_blake3" || id === "b3sum") && !sameDigests(sample.stdout, expectedB3)) throw new ProbeFailed(`${byId(id).label} printed other digests than b3sum in run ${round + 1}`)
      if (["check_cached", "check_first", "sha256sum_c", "check_foreign", "check_foreign_b3", "b3sum_c"].includes(id)) {
        const verdicts = parseCheckLines(sample.stdout)
        const ok = [...verdicts.values()].filter((v) => v === "OK").length
        if (ok !== files.length) throw new ProbeFailed(`${byId(id).label} said OK for ${ok} of ${files.length} files in run ${round + 1}`)
      }
      samples[id]!.push(record(sample))
      ctx.log(`  run ${round + 1}/${rounds} ${id.padEnd(13)} ${sample.seconds.toFixed(3)} s`)
    }
  }
  // What the cache answered: the check's own --stats line.
  const stats = await run("sluice check --stats (untimed)", [...sluice, "check", "--stats", sums], { cacheDir: caches.sums, bytes: budgetBytes })
  const fromCache = /(\d+) from the cache/.exec(stats.stderr)?.[1]
  const commandOf = (id: (typeof ids)[number]) => {
    const { argv } = argvOf[id]()
    return argv.length > 12 ? [...argv.slice(0, 6), `... (${argv.length - 6} more)`].join(" ") : argv.join(" ")
  }
  const result = (id: (typeof ids)[number], extra: Partial<CommandFigures> & { note?: string } = {}) =>
    figures(byId(id), input, id === "version" || id === "git_status" ? 0 : bytes, commandOf(id), samples[id]!, extra, ["hash", "sha256sum", "hash_blake3", "b3sum", "sha256sum_c", "check_foreign", "check_foreign_b3", "b3sum_c"].includes(id))
  return {
    hash: result("hash", { note: "each run on an empty cache (it also fills it); output = sha256sum's digests in every run" }),
    sha256sum: result("sha256sum"),
    hash_blake3: result("hash_blake3", { note: "each run on an empty cache (it also fills it); output = b3sum's digests in every run" }),
    b3sum: result("b3sum"),
    check_cached: result("check_cached", {
      ...(fromCache === String(files.length) ? {} : { error: `check --stats said ${fromCache ?? "?"} of ${files.length} files came from the cache` }),
      note: `every run a re-check, on the cache of the untimed hash and the check index of an untimed first check; ${fromCache ?? "?"} of ${files.length} files from the cache (check --stats)`
    }),
    check_first: result("check_first", { note: "each run on a copy of the cache as the untimed hash left it: the first check after `sluice hash` (no check index yet), which writes the index" }),
    sha256sum_c: result("sha256sum_c"),
    check_foreign: result("check_foreign", { note: "each run on an empty cache: the first check of the list sha256sum wrote (names made absolute), every file read, its digest cached and the check index written" }),
    check_foreign_b3: result("check_foreign_b3", { note: "each run on an empty cache: the first check of the list b3sum wrote (names made absolute), every file read" }),
    b3sum_c: result("b3sum_c"),
    git_status: result("git_status", { note: "the tree committed and its index refreshed before the rounds" }),
    version: result("version")
  }
}

/** Runs the cache probe of `spec`; a probe that cannot finish fails every command with the reason. */
export const runCacheScenario = async (spec: ScenarioSpec, ctx: ExecuteContext): Promise<ScenarioResult> => {
  const root = join(ctx.scratchDir, spec.id)
  mkdirSync(root, { recursive: true })
  const failAll = (error: string): ScenarioResult => ({
    id: spec.id,
    title: spec.title,
    commands: Object.fromEntries(spec.commands.map((c) => [
      c.id,
      figures(c, spec.tree === undefined ? describeInput(c.input(ctx.size)) : describeTree(spec.tree(ctx.size)), 0, c.label, [], { error })
    ]))
  })
  try {
    const tree = spec.tree?.(ctx.size)
    const commands = spec.cache === "recheck" && tree !== undefined
      ? await recheck(spec, ctx, tree, root)
      : spec.cache === "repeat"
      ? await repeat(spec, ctx, root)
      : spec.cache === "mixed" && tree !== undefined
      ? await runMixedWorkload(spec, ctx, tree, root)
      : spec.cache === "many" && tree !== undefined
      ? await many(spec, ctx, tree, root)
      : undefined
    if (commands === undefined) return failAll(`no cache probe ${String(spec.cache)} (with a tree where it needs one)`)
    return { id: spec.id, title: spec.title, commands }
  } catch (error) {
    const message = error instanceof ProbeFailed ? error.message : (error as Error).stack ?? String(error)
    ctx.log(`  ${spec.id}: ${message}`)
    return failAll(message.split("\n")[0] ?? message)
  } finally {
    // Trees, SUMS and cache directories go as soon as the scenario is done.
    rmSync(root, { recursive: true, force: true })
  }
}
