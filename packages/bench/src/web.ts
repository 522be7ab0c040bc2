/**
 * The browser scenarios (`web-*`): the web app's figures in headless Chromium, as commands
 * of tool `chromium` beside the scenario's CLI commands (run as usual by execute.ts), so
 * that budgets.json judges them with the same verdict logic. One browser serves every
 * browser scenario of a run (src/browser.ts).
 */
import { ALGORITHMS } from "@sluice/core"
import { spawnSync } from "node:child_process"
import type { CommandFigures } from "./budgets.js"
import {
  browserMissing,
  cancelInApp,
  generateKeysInApp,
  type HashJob,
  hardwareConcurrency,
  hashInApp,
  hashManyInApp,
  hashWasmInPage,
  hashWithPerfPageOpen,
  readFileInPage,
  type PerfPageJob,
  type WebSession
} from "./browser.js"
import { loadAppFresh, LOAD_KINDS, type PageLoad, SETTLE_MS, TOOL_ADDRESSES } from "./pageLoad.js"
import type { CommandResult, ExecuteContext, ScenarioResult } from "./execute.js"
import { describeInput, inputKey, totalBytes, warmFiles } from "./inputs.js"
import { median, runFigures } from "./measure.js"
import type { CommandSpec, ScenarioSpec } from "./scenarios.js"
import { ageScenario } from "./webAge.js"

/** Opens the app once per run, on first use. */
export interface WebSessions {
  readonly get: () => Promise<WebSession>
  readonly close: () => Promise<void>
}

export const webSessions = (openApp: () => Promise<WebSession>): WebSessions => {
  let session: Promise<WebSession> | undefined
  return {
    get: () => (session ??= openApp()),
    close: async () => {
      if (session === undefined) return
      const s = await session.catch(() => undefined)
      await s?.close()
    }
  }
}

const expectedDigest = (tool: "sha256sum" | "b3sum", path: string): string | undefined => {
  const result = spawnSync(tool, [path], { encoding: "utf8", timeout: 120_000 })
  const hex = result.status === 0 ? result.stdout.trim().split(/\s+/)[0] : undefined
  return hex !== undefined && /^[0-9a-f]{64}$/.test(hex) ? hex : undefined
}

/** Why the app's checksum files differ from sha256sum's digests of `paths`, or undefined. */
const wrongSums = (paths: ReadonlyArray<string>, sums: ReadonlyArray<string>): string | undefined => {
  const result = spawnSync("sha256sum", [...paths], { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 })
  if (result.status !== 0) return `sha256sum failed: ${result.stderr}`
  const byName = (text: string) =>
    new Map(text.split("\n").filter((l) => l !== "").map((l) => {
      const [hex, name] = [l.slice(0, 64), l.slice(66)]
      return [name.slice(name.lastIndexOf("/") + 1), hex] as const
    }))
  const expected = byName(result.stdout)
  for (const [i, text] of sums.entries()) {
    const shown = byName(text)
    if (shown.size !== expected.size) return `run ${i + 1}: the app's SHA256SUMS has ${shown.size} lines, sha256sum printed ${expected.size}`
    for (const [name, hex] of expected) {
      if (shown.get(name) !== hex) return `run ${i + 1}: the app says ${shown.get(name) ?? "nothing"} for ${name}, sha256sum ${hex}`
    }
  }
  return undefined
}

const r1 = (n: number): number => Math.round(n * 10) / 10

/**
 * The CPU time all of Chromium's processes spent per run (median and range): what a run
 * costs the machine's cores, which other work on a shared machine changes far less than
 * the wall time (on 2 cores, a run can take no less than half of it).
 */
export const cpuNote = (runs: ReadonlyArray<{ readonly cpuMs: number }>): string => {
  const ms = runs.map((r) => r.cpuMs)
  const s2 = (n: number) => (n / 1000).toFixed(2)
  return `Chromium's CPU per run ${s2(median(ms))} s (${s2(Math.min(...ms))}-${s2(Math.max(...ms))} s, all its processes)`
}

/** The page's main thread's share of a job's CPU (median and range), where /proc gave it. */
export const mainNote = (jobs: ReadonlyArray<{ readonly mainThreadCpuMs?: number }>): string => {
  const ms = jobs.flatMap((j) => j.mainThreadCpuMs === undefined ? [] : [j.mainThreadCpuMs])
  return ms.length === 0 ? "" : `; of it the page's main thread ${Math.round(median(ms))} ms (${Math.min(...ms)}-${Math.max(...ms)} ms)`
}

/**
 * Runs the browser probe of `spec` and returns the scenario with its `chromium` commands'
 * figures added to `cli` (the CLI commands' result).
 */
export const runWebScenario = async (
  spec: ScenarioSpec,
  ctx: ExecuteContext,
  sessions: WebSessions,
  cli: ScenarioResult
): Promise<ScenarioResult> => {
  const web = spec.commands.filter((c) => c.tool === "chromium")
  const input = web[0]!.input(ctx.size)
  const bytes = totalBytes(input)
  const path = ctx.inputs.get(inputKey(input))?.[0]
  const result = (c: CommandSpec, figures: Partial<CommandFigures> & { note?: string; samples?: Array<{ seconds: number }> }): CommandResult => ({
    id: c.id,
    tool: "chromium",
    label: c.label,
    input: describeInput(c.input(ctx.size)),
    bytes,
    command: `headless Chromium, web app (${c.label})`,
    samples: figures.samples ?? [],
    hangs: 0,
    ...figures
  })
  const failAll = (error: string): ScenarioResult => ({
    ...cli,
    commands: { ...cli.commands, ...Object.fromEntries(web.map((c) => [c.id, result(c, { error })])) }
  })
  const missing = browserMissing()
  if (missing !== undefined) return failAll(missing)
  if (spec.web === "keygen") return keygenScenario(web, ctx, sessions, cli, result, failAll)
  if (spec.web === "pageload") return pageLoadScenario(web, ctx, sessions, cli, result, failAll)
  if (spec.web === "age") return ageScenario(web, ctx, sessions, cli, result, failAll)
  if (path === undefined) return failAll("input file not generated")

  const timeoutMs = Math.min(ctx.maxTimeoutMs, 10_000 + bytes / 20_000 + (spec.web === "files" ? 50_000 : 0))
  const byId = (id: string) => web.find((c) => c.id === id)!
  try {
    const session = await sessions.get()
    warmFiles([path])
    const jobs: Array<HashJob> = []
    // The node side learns of Done from the page's own watcher, not by Playwright's locator
    // queries run in the page over and over while the job runs (the peer, timed inside one
    // evaluate, pays for neither); frame intervals are followed only where a figure uses them.
    const runJobs = async (label: string, runs: number, memory: boolean, frames = true) => {
      for (let i = 0; i < runs; i++) {
        const job = await hashInApp(session, path, label, { timeoutMs, memory, frames, doneBy: "page" })
        jobs.push(job)
        ctx.log(
          `  run ${i + 1}/${runs} web ${label.padEnd(8)} ${job.seconds.toFixed(3)} s (app says ${job.shownMBps ?? "?"} MB/s), ` +
            `long tasks ${job.longTasks.length}, workers ${job.workersAlive}, Chromium CPU ${r1(job.cpuMs)} ms` +
            (job.mainThreadCpuMs === undefined ? "" : ` (the page's main thread ${r1(job.mainThreadCpuMs)} ms)`) +
            (memory ? `, renderer RSS ${job.peakRendererRssMiB?.toFixed(0) ?? "?"} MiB, page heap ${job.peakPageHeapMiB?.toFixed(1) ?? "?"} MiB` : "")
        )
      }
    }
    const checkDigest = (tool: "sha256sum" | "b3sum"): string | undefined => {
      const expected = expectedDigest(tool, path)
      const wrong = jobs.find((j) => expected !== undefined && j.digest !== expected)
      return wrong === undefined ? undefined : `the web app showed ${wrong.digest}, ${tool} prints ${expected}`
    }
    const timed = () => {
      const seconds = median(jobs.map((j) => j.seconds))
      return {
        samples: jobs.map((j) => ({ seconds: j.seconds })),
        seconds,
        minSeconds: Math.min(...jobs.map((j) => j.seconds)),
        maxSeconds: Math.max(...jobs.map((j) => j.seconds)),
        mbPerSec: bytes / seconds / 1e6
      }
    }
    /** hash-wasm hashing as many bytes in memory, in `workers` Web Workers of the same page at once. */
    const peer = async (id: string, algorithm: "sha256" | "blake3", workers: number) => {
      const runs = []
      for (let i = 0; i < ctx.runs; i++) {
        const run = await hashWasmInPage(session, algorithm, bytes, workers)
        runs.push(run)
        ctx.log(
          `  run ${i + 1}/${ctx.runs} hash-wasm ${algorithm} in memory, ${workers} worker(s): ${run.seconds.toFixed(3)} s ` +
            `(${r1(bytes / run.seconds / 1e6)} MB/s; each worker ${run.workerMs.map((ms) => `${r1(ms)} ms`).join(", ")}; Chromium CPU ${r1(run.cpuMs)} ms)`
        )
      }
      const figures = runFigures(runs, bytes)
      const { seconds } = figures
      return result(byId(id), {
        ...figures,
        count: workers,
        note: `hash-wasm's own ${algorithm} (createSHA256/createBLAKE3, its UMD bundle) over a 16 MiB buffer in memory, ` +
          `the file's size in all, split over ${workers} dedicated Web Worker(s) of the app's page running at once; page clock from the go to the last digest` +
          (workers > 1 ? `: ${r1(bytes / seconds / 1e6 / workers)} MB/s per worker` : "") +
          `; ${cpuNote(runs)}`
      })
    }
    const commands: Record<string, CommandResult> = {}
    switch (spec.web) {
      case "sha256": {
        await runJobs(ALGORITHMS.sha256.label, ctx.runs, false)
        const wrong = checkDigest("sha256sum")
        if (wrong !== undefined) return { ...failAll(wrong), error: wrong }
        commands["web"] = result(byId("web"), {
          ...timed(),
          note: `just before setInputFiles → the row says Done (page clock: a MutationObserver sees the status change); ${cpuNote(jobs)}`
        })
        const shown = jobs.flatMap((j) => j.shownMBps === undefined ? [] : [j.shownMBps])
        commands["web_shown"] = result(
          byId("web_shown"),
          shown.length === 0
            ? { error: "the app showed no \"Hashed at\" rate" }
            : { mbPerSec: median(shown), seconds: bytes / median(shown) / 1e6, note: "the app's own \"Hashed at N MB/s\"" }
        )
        commands["hashwasm"] = await peer("hashwasm", "sha256", 1)
        const tasks = jobs.flatMap((j) => j.longTasks)
        commands["web_longtask"] = result(byId("web_longtask"), {
          ms: Math.max(0, ...tasks),
          note: `${tasks.length} long task(s) (>= 50 ms) in ${jobs.length} job(s), observed from the pick (after load); 0 ms = none; ` +
            `longest frame interval ${r1(Math.max(...jobs.map((j) => j.longestFrameMs)))} ms`
        })
        break
      }
      case "cancel": {
        const times = []
        for (let i = 0; i < ctx.runs; i++) {
          const t = await cancelInApp(session, path, ALGORITHMS.sha256.label, timeoutMs)
          if (t.statusAtClick !== "Hashing") throw new Error(`the row said ${t.statusAtClick} at the click, not Hashing`)
          times.push(t)
          ctx.log(`  run ${i + 1}/${ctx.runs} web cancel: click → Cancelled ${t.toCancelledMs.toFixed(1)} ms, → next frame ${t.toFrameMs.toFixed(1)} ms`)
        }
        commands["web_cancel"] = result(byId("web_cancel"), {
          ms: Math.max(...times.map((t) => t.toCancelledMs)),
          note: `worst of ${times.length} (click event time stamp → the row's status says Cancelled, page clock); ` +
            `median ${r1(median(times.map((t) => t.toCancelledMs)))} ms, worst to the next frame ${r1(Math.max(...times.map((t) => t.toFrameMs)))} ms`
        })
        break
      }
      case "blake3": {
        await runJobs(ALGORITHMS.blake3.label, ctx.runs, false, false)
        const wrong = checkDigest("b3sum")
        if (wrong !== undefined) return { ...failAll(wrong), error: wrong }
        const cores = await hardwareConcurrency(session)
        const figures = timed()
        // Both sides hash the file's bytes over `cores` workers at once, so the ratio of their
        // MB/s is the ratio per worker with every worker busy (issue 13's wording).
        commands["web_b3"] = result(byId("web_b3"), {
          ...figures,
          count: Math.min(...jobs.map((j) => j.workersAlive)),
          note: `count = fewest of the pool's dedicated Web Workers alive during a job (page.workers() but the reader threads, sampled every 100 ms; ` +
            `created during the jobs: ${jobs.map((j) => j.workersCreated).join(", ")}); MB/s = just before setInputFiles → the row says Done (page clock), ` +
            `the whole file over the pool: ${r1(figures.mbPerSec / cores)} MB/s per worker of ${cores}; ${cpuNote(jobs)}` +
            mainNote(jobs)
        })
        commands["cores"] = result(byId("cores"), { count: cores })
        commands["hashwasm_b3"] = await peer("hashwasm_b3", "blake3", cores)
        // The ceiling: the same File read in the same page with no app around it, as the
        // app reads it (16 MiB ranges, each through one stream with a BYOB reader in 4 MiB
        // slices), bare on one worker and on every worker, and feeding hash-wasm's BLAKE3.
        const ceiling = async (id: string, workers: number, hash: boolean, what: string) => {
          const runs = []
          for (let i = 0; i < ctx.runs; i++) {
            const run = await readFileInPage(session, path, { workers, hash, how: "byob", slice: 4 * 1024 * 1024, range: 16 * 1024 * 1024 })
            if (run.bytes !== bytes) throw new Error(`${what}: read ${run.bytes} bytes of ${bytes}`)
            runs.push(run)
            ctx.log(
              `  run ${i + 1}/${ctx.runs} ${what}, ${workers} worker(s): ${run.seconds.toFixed(3)} s (${r1(bytes / run.seconds / 1e6)} MB/s; ` +
                `each worker ${run.workerMs.map((ms) => `${r1(ms)} ms`).join(", ")}; Chromium CPU ${r1(run.cpuMs)} ms)`
            )
          }
          return result(byId(id), {
            ...runFigures(runs, bytes),
            count: workers,
            note: `${what}: the same File picked into an input of the page and read in ${workers} dedicated Web Worker(s) of the bench at once ` +
              `(worker i the 16 MiB ranges i, i + ${workers}, ...; one stream a range, a BYOB reader in 4 MiB slices, as the app reads); ` +
              `page clock from the go to the last worker's reply; ${cpuNote(runs)}`
          })
        }
        commands["read_1"] = await ceiling("read_1", 1, false, "bare read, no hashing")
        commands["read_all"] = await ceiling("read_all", cores, false, "bare read, no hashing")
        commands["hashwasm_b3_file"] = await ceiling("hashwasm_b3_file", cores, true, "hash-wasm BLAKE3 fed by the read")
        break
      }
      case "memory": {
        await runJobs(ALGORITHMS.sha256.label, 1, true)
        const wrong = checkDigest("sha256sum")
        if (wrong !== undefined) return { ...failAll(wrong), error: wrong }
        const job = jobs[0]!
        const how = `peak of ${job.memorySamples} samples (every ~100 ms) while hashing; of ${job.renderers ?? 0} renderer processes, the one that grew most`
        commands["web_renderer"] = result(
          byId("web_renderer"),
          job.peakRendererRssMiB === undefined
            ? { error: "no Chromium renderer process found in /proc" }
            : { ...timed(), rssMiB: job.peakRendererRssMiB, note: `/proc/PID/smaps_rollup Rss, ${how} (${r1(job.baseRendererRssMiB ?? 0)} MiB before the pick); shared libraries and shared memory included` }
        )
        commands["web_renderer_private"] = result(
          byId("web_renderer_private"),
          job.peakRendererPrivateMiB === undefined
            ? { error: "no Chromium renderer process found in /proc" }
            : { ...timed(), rssMiB: job.peakRendererPrivateMiB, note: `Private_Clean + Private_Dirty, ${how}; all renderers together peaked at ${r1(job.peakAllRenderersPrivateMiB ?? 0)} MiB` }
        )
        commands["web_heap"] = result(
          byId("web_heap"),
          job.peakPageHeapMiB === undefined
            ? { error: "CDP Performance.getMetrics gave no JSHeapUsedSize" }
            : { ...timed(), rssMiB: job.peakPageHeapMiB, note: `CDP Performance.getMetrics JSHeapUsedSize of the page (its workers' heaps are not in it), ${r1(job.basePageHeapMiB ?? 0)} MiB before the pick` }
        )
        break
      }
      case "files": {
        const paths = ctx.inputs.get(inputKey(input)) ?? []
        const runs = []
        for (let i = 0; i < ctx.runs; i++) {
          const job = await hashManyInApp(session, paths, ALGORITHMS.sha256.label, timeoutMs)
          runs.push(job)
          ctx.log(
            `  run ${i + 1}/${ctx.runs} web ${paths.length} files: ${job.seconds.toFixed(3)} s; Chromium's pick task ${r1(job.pickTaskMs)} ms ` +
              `(the app's change handling in it ${r1(job.changeHandlingMs)} ms); other long tasks ${job.otherLongTasks.length}` +
              (job.otherLongTasks.length > 0 ? ` (${job.otherLongTasks.map((ms) => `${r1(ms)} ms`).join(", ")})` : "") +
              `, longest frame interval ${r1(job.longestFrameMs)} ms`
          )
        }
        const wrong = wrongSums(paths, runs.map((r) => r.sums))
        if (wrong !== undefined) return { ...failAll(wrong), error: wrong }
        const seconds = median(runs.map((j) => j.seconds))
        const times = {
          samples: runs.map((j) => ({ seconds: j.seconds })),
          seconds,
          minSeconds: Math.min(...runs.map((j) => j.seconds)),
          maxSeconds: Math.max(...runs.map((j) => j.seconds)),
          mbPerSec: bytes / seconds / 1e6
        }
        commands["web_files"] = result(byId("web_files"), {
          ...times,
          ms: seconds * 1000,
          note: `setInputFiles of ${paths.length} files → the summary says all are done (node clock, median); every digest checked against sha256sum`
        })
        const others = runs.flatMap((j) => j.otherLongTasks)
        const handling = runs.map((j) => j.changeHandlingMs)
        const appLongest = Math.max(0, ...others, ...handling.filter((ms) => ms >= 50))
        commands["web_files_longtask"] = result(byId("web_files_longtask"), {
          ...times,
          ms: appLongest,
          note: `the app's longest main-thread task in ${runs.length} job(s) of ${paths.length} files, from just before the pick to all done: ` +
            `every long task (>= 50 ms) but the one in which Chromium builds the input's FileList (${runs.map((j) => `${r1(j.pickTaskMs)} ms`).join(", ")}, ` +
            `the browser's own work before the change event), of which the app's change handling counts (${handling.map((ms) => `${r1(ms)} ms`).join(", ")}); ` +
            `${others.length} other long task(s); 0 ms = none; longest frame interval ${r1(Math.max(...runs.map((j) => j.longestFrameMs)))} ms`
        })
        commands["web_files_pick"] = result(byId("web_files_pick"), {
          ...times,
          ms: Math.max(...runs.map((j) => j.pickTaskMs)),
          note: `the task in which Chromium turns ${paths.length} picked paths into the input's FileList and fires change (worst of ${runs.length}); 0 ms = under 50 ms`
        })
        break
      }
      case "perfpage": {
        const runs: Array<PerfPageJob> = []
        for (let i = 0; i < ctx.runs; i++) {
          const job = await hashWithPerfPageOpen(session, path, timeoutMs)
          runs.push(job)
          ctx.log(
            `  run ${i + 1}/${ctx.runs} web Performance view open: ${job.seconds.toFixed(3)} s, ${job.updates} chart updates ` +
              `(${r1((job.updates * 1000) / job.pageMs)} Hz, longest gap ${r1(job.longestGapMs)} ms), long tasks ${job.longTasks.length}` +
              (job.longTasks.length > 0 ? ` (longest ${r1(Math.max(...job.longTasks))} ms)` : "")
          )
        }
        const seconds = median(runs.map((j) => j.seconds))
        const times = {
          samples: runs.map((j) => ({ seconds: j.seconds })),
          seconds,
          minSeconds: Math.min(...runs.map((j) => j.seconds)),
          maxSeconds: Math.max(...runs.map((j) => j.seconds)),
          mbPerSec: bytes / seconds / 1e6
        }
        const tasks = runs.flatMap((j) => j.longTasks)
        commands["web_perf_longtask"] = result(byId("web_perf_longtask"), {
          ...times,
          ms: Math.max(0, ...tasks),
          note: `${tasks.length} long task(s) (>= 50 ms) in ${runs.length} SHA-256 job(s) with the Performance view open, from the pick; ` +
            `0 ms = none; MB/s = setInputFiles → the view counts the file as hashed`
        })
        const intervals = runs.map((j) => (j.updates === 0 ? Infinity : j.pageMs / j.updates))
        const worst = Math.max(...intervals)
        commands["web_perf_update"] = result(byId("web_perf_update"), {
          ...times,
          ms: worst,
          note: `mean time between chart redraws during a job, worst of ${runs.length} (${Number.isFinite(worst) ? r1(1000 / worst) : 0} Hz; ` +
            `500 ms = 2 Hz); redraws per job ${runs.map((j) => j.updates).join(", ")}, longest gap ${r1(Math.max(...runs.map((j) => j.longestGapMs)))} ms`
        })
        break
      }
      default:
        return failAll(`unknown browser probe ${String(spec.web)}`)
    }
    if (session.problems.length > 0) ctx.log(`  page problems: ${session.problems.join(" | ")}`)
    return { ...cli, commands: { ...cli.commands, ...commands } }
  } catch (error) {
    const message = (error as Error).message.split("\n")[0] ?? String(error)
    ctx.log(`  web: ${message}`)
    return failAll(`the browser probe failed: ${message}`)
  }
}

/** The Keys tool's scenario: RSA-4096 keys on the app's worker pool, the main thread's longest task meanwhile. */
const KEYGEN = { type: "rsa-4096", label: "RSA 4096", count: 20 } as const

const keygenScenario = async (
  web: ReadonlyArray<CommandSpec>,
  ctx: ExecuteContext,
  sessions: WebSessions,
  cli: ScenarioResult,
  result: (c: CommandSpec, figures: Partial<CommandFigures> & { note?: string; samples?: Array<{ seconds: number }> }) => CommandResult,
  failAll: (error: string) => ScenarioResult
): Promise<ScenarioResult> => {
  try {
    const session = await sessions.get()
    // RSA-4096 takes 0.5-2 s a key on a worker (WebCrypto's prime search is random): 20 keys on 2 workers, 5-20 s.
    const timeoutMs = Math.min(ctx.maxTimeoutMs, 120_000)
    const jobs = []
    for (let i = 0; i < ctx.runs; i++) {
      const job = await generateKeysInApp(session, { ...KEYGEN, timeoutMs })
      jobs.push(job)
      ctx.log(
        `  run ${i + 1}/${ctx.runs} web keys: ${KEYGEN.count} ${KEYGEN.label} in ${job.seconds.toFixed(2)} s, long tasks ${job.longTasks.length}` +
          (job.longTasks.length > 0 ? ` (longest ${r1(Math.max(...job.longTasks))} ms)` : "") + `, longest frame interval ${r1(job.longestFrameMs)} ms` +
          (job.mainThreadCpuMs === undefined ? "" : `, page main thread CPU ${job.mainThreadCpuMs} ms`)
      )
    }
    const tasks = jobs.flatMap((j) => j.longTasks)
    const seconds = median(jobs.map((j) => j.seconds))
    const c = web.find((w) => w.id === "web_keygen_longtask")!
    if (session.problems.length > 0) ctx.log(`  page problems: ${session.problems.join(" | ")}`)
    return {
      ...cli,
      commands: {
        ...cli.commands,
        [c.id]: result(c, {
          samples: jobs.map((j) => ({ seconds: j.seconds })),
          seconds,
          ms: Math.max(0, ...tasks),
          note: `${tasks.length} long task(s) (>= 50 ms) in ${jobs.length} job(s) of ${KEYGEN.count} ${KEYGEN.label} keys (Keys tool, JSON Lines download), ` +
            `observed from the click on Generate; 0 ms = none; ${r1((KEYGEN.count * jobs.length) / jobs.reduce((a, j) => a + j.seconds, 0))} keys/s; ` +
            `longest frame interval ${r1(Math.max(...jobs.map((j) => j.longestFrameMs)))} ms; ` +
            `page main thread CPU per job ${jobs.map((j) => j.mainThreadCpuMs === undefined ? "?" : `${j.mainThreadCpuMs} ms`).join(", ")} (/proc, the renderer main thread that used most)`
        })
      }
    }
  } catch (error) {
    const message = (error as Error).message.split("\n")[0] ?? String(error)
    ctx.log(`  web: ${message}`)
    return failAll(`the browser probe failed: ${message}`)
  }
}

type ResultOf = (c: CommandSpec, figures: Partial<CommandFigures> & { note?: string; samples?: Array<{ seconds: number }> }) => CommandResult

/** A load's longest task (ms; 0 when none reached 50 ms). */
export const longestOf = (load: PageLoad): number => Math.max(0, ...load.longTasks.map((t) => t.duration))

/**
 * Which part of the app's load a task was: the stage whose end mark falls in it (its
 * modules' evaluation), or before the first stage's end, or after the last one (the first
 * render, the pool, a tool's chunk); nothing for an app that leaves no marks.
 */
export const stageOf = (task: { readonly start: number; readonly duration: number }, stages: PageLoad["stages"]): string | undefined => {
  if (stages.length === 0) return undefined
  const inside = stages.find((s) => s.at >= task.start && s.at <= task.start + task.duration)
  if (inside !== undefined) return `stage ${inside.name}`
  const next = stages.find((s) => s.at > task.start + task.duration)
  if (next === undefined) return "after the stages"
  const previous = [...stages].reverse().find((s) => s.at < task.start)
  return previous === undefined ? `before stage ${next.name} ended` : `between stages ${previous.name} and ${next.name}`
}

/** "75 ms at 227-302 ms (stage react; DOMContentLoaded 298 ms)": where a load's longest task fell. */
export const describeLongest = (load: PageLoad): string => {
  const task = [...load.longTasks].sort((a, b) => b.duration - a.duration)[0]
  if (task === undefined) return "none"
  const stage = stageOf(task, load.stages)
  return `${r1(task.duration)} ms at ${Math.round(task.start)}-${Math.round(task.start + task.duration)} ms ` +
    `(${stage === undefined ? "" : `${stage}; `}DOMContentLoaded ${Math.round(load.domContentLoadedMs)} ms)`
}

/**
 * Each tool's address loaded `ctx.runs` times, the addresses alternating, each load in a
 * Chromium of its own on a fresh profile (a first visit: nothing cached, no service worker);
 * long tasks from the navigation until the app is ready (its heading, the tool's, the
 * footer saying where hashing runs) and `SETTLE_MS` after.
 */
const pageLoadScenario = async (
  web: ReadonlyArray<CommandSpec>,
  ctx: ExecuteContext,
  sessions: WebSessions,
  cli: ScenarioResult,
  result: ResultOf,
  failAll: (error: string) => ScenarioResult
): Promise<ScenarioResult> => {
  try {
    // The session's preview server serves the build; each load gets a Chromium of its own.
    const { origin } = await sessions.get()
    const timeoutMs = Math.min(ctx.maxTimeoutMs, 30_000)
    const every: Array<PageLoad> = []
    for (let i = 0; i < ctx.runs; i++) {
      for (const address of TOOL_ADDRESSES) for (const kind of LOAD_KINDS) {
        const load = await loadAppFresh(origin, address, timeoutMs, kind)
        every.push(load)
        ctx.log(
          `  run ${i + 1}/${ctx.runs} web load /${address.fragment} (${kind === "running" ? "browser running" : "right after its launch"}): ready at ${Math.round(load.readyMs)} ms, ` +
            `first contentful paint ${load.firstContentfulPaintMs === undefined ? "?" : `${Math.round(load.firstContentfulPaintMs)} ms`}, ` +
            `long tasks ${load.longTasks.length === 0 ? "none" : load.longTasks.map((t) => `${r1(t.duration)} ms at ${Math.round(t.start)}${stageOf(t, load.stages) === undefined ? "" : ` (${stageOf(t, load.stages)})`}`).join(", ")} ` +
            `(DOMContentLoaded ${Math.round(load.domContentLoadedMs)} ms)` +
            (load.problems.length > 0 ? `; page problems: ${load.problems.join(" | ")}` : "")
        )
      }
    }
    const problems = every.flatMap((l) => l.problems)
    if (problems.length > 0) {
      const error = `the page reported errors while loading: ${problems.slice(0, 3).join(" | ")}`
      return { ...failAll(error), error }
    }
    const figures = (of: ReadonlyArray<PageLoad>) => {
      const seconds = of.map((l) => l.readyMs / 1000)
      return {
        samples: seconds.map((s) => ({ seconds: s })),
        seconds: median(seconds),
        minSeconds: Math.min(...seconds),
        maxSeconds: Math.max(...seconds),
        ms: Math.max(...of.map(longestOf))
      }
    }
    const how = `from the navigation (an observer registered before the app's scripts, buffered) until ${SETTLE_MS} ms after the app is ready; ` +
      `seconds = navigation → ready (its heading and the tool's shown, the footer saying where hashing runs: the pool is up); 0 ms = no long task`
    const loads = every.filter((l) => l.kind === "running")
    const commands: Record<string, CommandResult> = {}
    const all = web.find((c) => c.id === "web_load_longtask")!
    commands[all.id] = result(all, {
      ...figures(loads),
      note: `the longest main-thread task (PerformanceObserver longtask) over ${loads.length} first visits on fresh profiles ` +
        `(${ctx.runs} of each of ${TOOL_ADDRESSES.map((a) => `/${a.fragment}`).join(", ")}), ${how}; worst: ` +
        describeLongest([...loads].sort((a, b) => longestOf(b) - longestOf(a))[0]!) +
        `; the loads' longest: ${loads.map((l) => `${r1(longestOf(l))}`).join(", ")} ms`
    })
    const typical = web.find((c) => c.id === "web_load_median")!
    const longest = loads.map(longestOf)
    commands[typical.id] = result(typical, {
      ...figures(loads),
      ms: median(longest),
      note: `the median over ${loads.length} first visits of each one's longest main-thread task (0 ms = none reached 50 ms): ` +
        `${longest.filter((ms) => ms === 0).length} of ${loads.length} loads had no long task; a rare task stretched by other work on the machine moves the worst figure, not this one`
    })
    const launch = web.find((c) => c.id === "web_load_launch")!
    const launched = every.filter((l) => l.kind === "launch")
    const launchedLongest = launched.map(longestOf)
    commands[launch.id] = result(launch, {
      ...figures(launched),
      ms: median(launchedLongest),
      note: `the median over ${launched.length} first visits each navigated right after its Chromium's launch, the browser's own start-up competing for the cores: ` +
        `${launchedLongest.filter((ms) => ms === 0).length} of ${launched.length} loads had no long task; the loads' longest: ${launchedLongest.map(r1).join(", ")} ms`
    })
    for (const address of TOOL_ADDRESSES) {
      const c = web.find((w) => w.id === `web_load_${address.tool}`)!
      const of = loads.filter((l) => l.tool === address.tool)
      commands[c.id] = result(c, {
        ...figures(of),
        note: `worst of ${of.length} first visits of /${address.fragment}: ${of.map((l) => describeLongest(l)).join("; ")}; ` +
          `first contentful paint ${of.map((l) => l.firstContentfulPaintMs === undefined ? "?" : `${Math.round(l.firstContentfulPaintMs)}`).join(", ")} ms`
      })
    }
    return { ...cli, commands: { ...cli.commands, ...commands } }
  } catch (error) {
    const message = (error as Error).message.split("\n")[0] ?? String(error)
    ctx.log(`  web: ${message}`)
    return failAll(`the browser probe failed: ${message}`)
  }
}
