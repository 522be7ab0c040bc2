/// <reference lib="dom" />
/**
 * The web app in headless Chromium: `packages/web/dist` served by Vite's `preview()` on
 * 127.0.0.1, Debian's Chromium driven by playwright-core with the e2e tests' flags and a
 * fresh profile. Measures, in the page: the longest main-thread task while hashing
 * (PerformanceObserver `longtask`), click-to-Cancelled latency, SHA-256 and BLAKE3
 * throughput (setInputFiles to the row saying Done), the Web Workers alive during a
 * BLAKE3 job, memory (the page's JS heap via CDP, the renderer processes' RSS via /proc),
 * and the Performance view's own cost while a job runs (long tasks, chart update rate).
 * The app's result cache is off in these sessions, so every job reads and hashes its file.
 *
 * vite and playwright-core are the web package's dev dependencies: they are resolved from
 * packages/web (not bundled), so the bench needs no new dependency.
 */
import { ALGORITHMS } from "@sluice/core"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.js"
import { answerLoadReport } from "./pageLoad.js"

export { CHROMIUM } from "./chromium.js"

export const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url))
export const WEB_DIST = join(WEB_DIR, "dist")
const CORE_DIR = fileURLToPath(new URL("../../core/", import.meta.url))
/** Where the bench's preview server serves the hash-wasm peer worker (the app never asks for it). */
export const PEER_WORKER_PATH = "/__sluice-bench/hash-wasm-peer.js"
/** Where it serves typage (npm age-encryption, the web package's dev dependency) as one ES module, for the age scenario. */
export const TYPAGE_PATH = "/__sluice-bench/typage.js"
/** Where the app keeps its "Use the cache" switch (packages/web/src/cache/cachePreference.ts). */
export const CACHE_SWITCH_KEY = "sluice.useCache"

// Minimal shapes of the playwright-core API used here (its types do not resolve from this package).
interface Locator {
  click(options?: { timeout?: number }): Promise<void>
  waitFor(options?: { state?: string; timeout?: number }): Promise<void>
  innerText(options?: { timeout?: number }): Promise<string>
  textContent(options?: { timeout?: number }): Promise<string | null>
  count(): Promise<number>
  isDisabled(): Promise<boolean>
  isChecked(): Promise<boolean>
  getAttribute(name: string, options?: { timeout?: number }): Promise<string | null>
  check(): Promise<void>
  uncheck(): Promise<void>
  fill(value: string): Promise<void>
  selectOption(value: string): Promise<unknown>
  all(): Promise<Array<Locator>>
  locator(selector: string): Locator
  filter(options: { has: Locator }): Locator
  getByText(text: string | RegExp, options?: { exact?: boolean }): Locator
  getByRole(role: string, options?: { name?: string | RegExp; exact?: boolean; level?: number }): Locator
  getByTestId(id: string): Locator & { setInputFiles(files: Array<string>): Promise<void> }
  getByLabel(text: string | RegExp, options?: { exact?: boolean }): Locator
  setInputFiles(files: Array<string>): Promise<void>
}
interface Worker {
  url(): string
  on(event: "close", f: () => void): void
}
interface CDPSession {
  send(method: string, params?: Record<string, unknown>): Promise<any>
  detach(): Promise<void>
}
export interface Page extends Locator {
  goto(url: string, options?: { waitUntil?: string }): Promise<unknown>
  evaluate<R, A = undefined>(f: (arg: A) => R | Promise<R>, arg?: A): Promise<R>
  evaluate(expression: string): Promise<unknown>
  waitForFunction<A = undefined>(f: (arg: A) => unknown, arg?: A, options?: { timeout?: number; polling?: number }): Promise<unknown>
  waitForTimeout(ms: number): Promise<void>
  waitForEvent(event: "download", options?: { timeout?: number }): Promise<{ path(): Promise<string | null> }>
  workers(): Array<Worker>
  on(event: "worker", f: (worker: Worker) => void): void
  on(event: "pageerror", f: (error: Error) => void): void
  on(event: "console", f: (message: { type(): string; text(): string }) => void): void
}
interface BrowserContext {
  addInitScript(script: string): Promise<void>
  pages(): Array<Page>
  newPage(): Promise<Page>
  newCDPSession(page: Page): Promise<CDPSession>
  close(): Promise<void>
}
interface PlaywrightCore {
  chromium: {
    launchPersistentContext(dir: string, options: Record<string, unknown>): Promise<BrowserContext>
  }
}
interface PeerResponse {
  statusCode: number
  setHeader(name: string, value: string): void
  end(body: string): void
}
interface PreviewServer {
  middlewares: { use(handler: (req: Parameters<typeof answerLoadReport>[0], res: PeerResponse, next: () => void) => void): void }
  httpServer: { address(): { port: number } | string | null; closeAllConnections?: () => void }
  close(): Promise<void>
}

const webRequire = createRequire(join(WEB_DIR, "package.json"))
const load = async <A>(name: string): Promise<A> => {
  const mod = await import(pathToFileURL(webRequire.resolve(name)).href) as A & { default?: A }
  // playwright-core is CommonJS: its exports may only be on `default`.
  return mod.default !== undefined && typeof mod.default === "object" ? { ...mod.default, ...mod } : mod
}

export interface WebSession {
  readonly page: Page
  readonly context: BrowserContext
  readonly origin: string
  /** Page errors and console errors seen so far. */
  readonly problems: Array<string>
  /** Dedicated workers the page created since `goto` (closed ones included). */
  readonly workersCreated: () => number
  readonly chromiumVersion?: string
  readonly profile: string
  readonly close: () => Promise<void>
}

/** Why the browser scenarios cannot run here, or undefined. */
export const browserMissing = (): string | undefined => {
  if (!existsSync(join(WEB_DIST, "index.html"))) return `no web build in ${WEB_DIST}: run \`pnpm --filter @sluice/web build\``
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found: install the Debian package \`chromium\``
  try {
    webRequire.resolve("playwright-core")
    webRequire.resolve("vite")
  } catch (error) {
    return `playwright-core or vite does not resolve from ${WEB_DIR}: run pnpm install (${(error as Error).message.split("\n")[0]})`
  }
  return undefined
}

/** Debian's Chromium with the e2e tests' flags, on the profile folder `profile`. */
const launchChromium = (chromium: PlaywrightCore["chromium"], profile: string): Promise<BrowserContext> =>
  chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1280, height: 900 },
    serviceWorkers: "allow"
  })

/** The longest `openWebApp` waits for the app's offline copy once the app is ready. */
const OFFLINE_COPY_TIMEOUT_MS = 30_000

/** Serves the web build and opens it in a fresh Chromium; waits until the worker pool is up and the offline copy made. */
export const openWebApp = async (): Promise<WebSession> => {
  const { preview } = await load<{ preview: (config: Record<string, unknown>) => Promise<PreviewServer> }>("vite")
  const { chromium } = await load<PlaywrightCore>("playwright-core")
  const server = await preview({
    root: WEB_DIR,
    configFile: false,
    logLevel: "silent",
    build: { outDir: WEB_DIST },
    plugins: [{
      name: "sluice-bench-peer",
      configurePreviewServer: (server: PreviewServer) => {
        const source = peerWorkerSource()
        let typage: Promise<string> | undefined
        server.middlewares.use((req, res, next) => {
          if (answerLoadReport(req, res)) return
          if (req.url === TYPAGE_PATH) {
            typage ??= typageSource()
            typage.then((code) => {
              res.setHeader("Content-Type", "text/javascript")
              res.setHeader("Cache-Control", "no-store")
              res.end(code)
            }, (error: unknown) => {
              res.statusCode = 500
              res.end(String(error))
            })
            return
          }
          if (req.url !== PEER_WORKER_PATH) return next()
          res.setHeader("Content-Type", "text/javascript")
          res.setHeader("Cache-Control", "no-store")
          res.end(source)
        })
      }
    }],
    preview: { host: "127.0.0.1", port: 0, strictPort: false, open: false }
  })
  const address = server.httpServer.address()
  const origin = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
  const profile = mkdtempSync(join(tmpdir(), "sluice-bench-profile-"))
  const stopServer = async () => {
    server.httpServer.closeAllConnections?.()
    await server.close()
  }
  let context: BrowserContext
  try {
    context = await launchChromium(chromium, profile)
  } catch (error) {
    await stopServer()
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
  // The "Use the cache" switch (packages/web/src/cache/cachePreference.ts) off before the app
  // reads it: every run of a file is then hashed, not answered from IndexedDB.
  await context.addInitScript(`localStorage.setItem(${JSON.stringify(CACHE_SWITCH_KEY)}, "off")`)
  const page = context.pages()[0] ?? await context.newPage()
  const problems: Array<string> = []
  let created = 0
  page.on("worker", () => created++)
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`)
  })
  await page.goto(origin, { waitUntil: "load" })
  await page.getByRole("heading", { name: "Sluice", level: 1 }).waitFor({ timeout: 20_000 })
  await page.getByText(/kernels\)\.$/).waitFor({ timeout: 20_000 })
  if (await page.getByRole("checkbox", { name: "Use the cache", exact: true }).isChecked()) {
    await context.close().catch(() => undefined)
    await stopServer().catch(() => undefined)
    rmSync(profile, { recursive: true, force: true })
    throw new Error(`the app's "Use the cache" switch is still on after setting localStorage ${CACHE_SWITCH_KEY}=off`)
  }
  // The app makes its offline copy (the service worker's first install: its assets fetched
  // again, ~0.5 s of Chromium's CPU) once no file has hashed for 0.5 s (web/src/start.tsx):
  // every job and every peer is measured on a settled page, the copy made, so that none of
  // them shares the cores with it. A page where it never comes is a problem of the run.
  const offline = await page.evaluate((ms) =>
    Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]), OFFLINE_COPY_TIMEOUT_MS)
  if (!offline) problems.push(`the app's service worker was not active ${OFFLINE_COPY_TIMEOUT_MS / 1000} s after the app was ready`)
  const version = await page.evaluate(() => navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1])
  return {
    page,
    context,
    origin,
    problems,
    workersCreated: () => created,
    ...(version === undefined ? {} : { chromiumVersion: version }),
    profile,
    close: async () => {
      await context.close().catch(() => undefined)
      await stopServer().catch(() => undefined)
      rmSync(profile, { recursive: true, force: true })
    }
  }
}

// --- The page ----------------------------------------------------------------------------

const rowOf = (page: Page, name: string): Locator =>
  page.getByRole("list", { name: "Files", exact: true }).getByRole("listitem", { name, exact: true })

const statusOf = (page: Page, name: string): Locator => rowOf(page, name).locator(".row-head .status")

const waitForStatus = (page: Page, name: string, status: string, timeout: number): Promise<void> =>
  statusOf(page, name).getByText(status, { exact: true }).waitFor({ timeout })

const digestShown = async (page: Page, name: string, label: string): Promise<string> =>
  (await rowOf(page, name).locator(".digest").filter({ has: page.locator("dt").getByText(label, { exact: true }) })
    .locator("code.hex").textContent())?.trim() ?? ""

/** Ticks exactly these algorithms (by label). */
export const chooseAlgorithms = async (page: Page, labels: ReadonlyArray<string>): Promise<void> => {
  const boxes = page.getByRole("group", { name: "Algorithms" }).getByRole("checkbox")
  for (const label of labels) await page.getByRole("checkbox", { name: label, exact: true }).check()
  for (const box of await boxes.all()) {
    const label = (await box.locator("xpath=..").innerText()).replace(/\s*legacy$/, "").trim()
    if (!labels.includes(label)) await box.uncheck()
  }
}

/** Shows the app's Files view (where files are listed), or its Performance view. */
export const showView = async (page: Page, name: "Files" | "Performance"): Promise<void> => {
  const tab = page.getByRole("tab", { name, exact: true })
  if (await tab.count() === 0 || await tab.getAttribute("aria-selected") === "true") return
  await tab.click()
  await page.getByRole("tabpanel", { name }).waitFor({ timeout: 5_000 })
}

/** Empties the list (every row is finished or cancelled between jobs). */
export const clearFinished = async (page: Page): Promise<void> => {
  await showView(page, "Files")
  const button = page.getByRole("button", { name: "Clear finished" })
  if (await button.count() === 0 || await button.isDisabled()) return
  await button.click()
  await page.getByRole("list", { name: "Files", exact: true }).waitFor({ state: "detached", timeout: 10_000 })
}

const RATE = /Hashed at ([\d.]+) (B|kB|MB|GB)\/s\./

/** "Hashed at 120 MB/s." as MB/s. */
export const shownRate = (text: string): number | undefined => {
  const match = RATE.exec(text)
  if (match === null) return undefined
  return Number(match[1]) * { B: 1e-6, kB: 1e-3, MB: 1, GB: 1e3 }[match[2] as "B" | "kB" | "MB" | "GB"]
}

// --- Memory ------------------------------------------------------------------------------

const cmdlineOf = (pid: string): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ")
  } catch {
    return ""
  }
}

const parentOf = (pid: string): string | undefined => {
  try {
    // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]
  } catch {
    return undefined
  }
}

const rssKiBOf = (pid: string): number => {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match === null ? 0 : Number(match[1])
  } catch {
    return 0
  }
}

/** The browser process of the Chromium whose profile is `profile` and every process below it (renderers, GPU, utilities). */
export const chromiumPids = (profile: string): Array<string> => {
  const pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p))
  const root = pids.find((p) => {
    const cmd = cmdlineOf(p)
    return cmd.includes(`--user-data-dir=${profile}`) && !cmd.includes("--type=")
  })
  if (root === undefined) return []
  const parents = new Map(pids.map((p) => [p, parentOf(p)]))
  const isBelow = (pid: string): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && hops < 10; p = parents.get(p), hops++) {
      if (p === root) return true
    }
    return false
  }
  return [root, ...pids.filter(isBelow)]
}

/** Renderer processes of the Chromium whose profile is `profile`: its descendants with --type=renderer. */
export const rendererPids = (profile: string): Array<string> =>
  chromiumPids(profile).slice(1).filter((p) => cmdlineOf(p).includes("--type=renderer"))

/** Clock ticks a second in /proc/PID/stat (Linux's USER_HZ, 100 on every architecture it ships on). */
const USER_HZ = 100

/** utime + stime of a /proc/PID/stat line in ms: its 14th and 15th fields (the command name may hold spaces and parentheses). */
export const cpuMsOfStat = (stat: string): number => {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return (Number(fields[11]) + Number(fields[12])) * 1000 / USER_HZ
}

/**
 * CPU time (ms) the Chromium whose profile is `profile` has used so far: every one of its
 * processes, the threads that already ended included. The difference over a job is its
 * cost in CPU, which other work on a shared machine changes far less than its wall time.
 */
export const chromiumCpuMs = (profile: string): number => {
  let total = 0
  for (const pid of chromiumPids(profile)) {
    try {
      total += cpuMsOfStat(readFileSync(`/proc/${pid}/stat`, "utf8"))
    } catch {
      // gone in between
    }
  }
  return total
}

export interface ProcessMemory {
  /** Resident set (MiB), shared pages (libraries, shared memory with the browser) included. */
  readonly rssMiB: number
  /** Pages only this process maps (MiB): Private_Clean + Private_Dirty of smaps_rollup. */
  readonly privateMiB: number
}

/** RSS and private memory of one process from /proc (zeros once it is gone). */
export const memoryOf = (pid: string): ProcessMemory => {
  const kib = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0)
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8")
    return {
      rssMiB: kib(rollup, "Rss") / 1024,
      privateMiB: (kib(rollup, "Private_Clean") + kib(rollup, "Private_Dirty")) / 1024
    }
  } catch {
    return { rssMiB: rssKiBOf(pid) / 1024, privateMiB: 0 }
  }
}

// --- Jobs ----------------------------------------------------------------------------------

export interface HashJob {
  /** Just before setInputFiles → the row says Done, in seconds (the page's clock). */
  readonly seconds: number
  /** The app's own "Hashed at N MB/s". */
  readonly shownMBps?: number
  readonly digest: string
  /** Long tasks that started after the file was picked (ms). */
  readonly longTasks: ReadonlyArray<number>
  /** Longest interval between animation frames while hashing (ms). */
  readonly longestFrameMs: number
  /** Most pool workers alive at once while the job ran (page.workers() but the reader threads). */
  readonly workersAlive: number
  /** Workers created during the job. */
  readonly workersCreated: number
  /**
   * Sampled every ~100 ms: the peak RSS and private memory of the renderer that grew most
   * (the page's: its dedicated workers are threads of the same process), the peak of all
   * renderers' private memory together, and the page's JS heap (CDP JSHeapUsedSize).
   */
  readonly peakRendererRssMiB?: number
  readonly peakRendererPrivateMiB?: number
  readonly baseRendererRssMiB?: number
  readonly peakAllRenderersPrivateMiB?: number
  readonly renderers?: number
  readonly peakPageHeapMiB?: number
  readonly basePageHeapMiB?: number
  readonly memorySamples: number
  /** CPU time of all Chromium's processes from just before the pick to Done (ms). */
  readonly cpuMs: number
  /** Of it, the page's main thread (ms; the renderer whose main thread used most), if /proc has it. */
  readonly mainThreadCpuMs?: number
}

export type LongState = {
  since: number
  until: number
  tasks: Array<{ start: number; duration: number }>
  longestFrame: number
  changeStart?: number
  changeEnd?: number
}

/**
 * Runs in the page (`page.evaluate(watchLongTasks, ...)`): from now on, the main thread's
 * long tasks and the longest gap between frames, kept in `globalThis[name]` until the
 * caller sets its `until`. Self-contained: the page gets this function's text only.
 */
export const watchLongTasks = ({ buffered, frames = true, name }: { readonly name: string; readonly buffered: boolean; readonly frames?: boolean }): void => {
  const state: LongState = { since: performance.now(), until: Infinity, tasks: [], longestFrame: 0 }
  ;(globalThis as unknown as Record<string, LongState>)[name] = state
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) state.tasks.push({ start: entry.startTime, duration: entry.duration })
  }).observe({ type: "longtask", buffered })
  let last = state.since
  const frame = (at: number) => {
    if (at > state.until) return
    state.longestFrame = Math.max(state.longestFrame, at - last)
    last = at
    requestAnimationFrame(frame)
  }
  if (frames) requestAnimationFrame(frame)
}

/** The page's pool workers alive: its dedicated workers but their reader threads (core's blob-reader-worker). */
const poolWorkers = (page: Page): number => page.workers().filter((w) => !w.url().includes("blob-reader-worker")).length

type DoneState = { start: number; done?: number }

/**
 * Runs in the page (`page.evaluate(watchDone, name)`): now, and the moment the row of `name`
 * first says Done (a MutationObserver, so before that frame is painted), in
 * `globalThis.__sluiceBenchDone`. Self-contained: the page gets this function's text only.
 */
const watchDone = (name: string): void => {
  const state: DoneState = { start: performance.now() }
  ;(globalThis as unknown as { __sluiceBenchDone: DoneState }).__sluiceBenchDone = state
  const observer = new MutationObserver(() => {
    for (const row of Array.from(document.querySelectorAll("li.row"))) {
      if (row.getAttribute("aria-label") === name && row.querySelector(".row-head .status")?.textContent === "Done") {
        state.done = performance.now()
        observer.disconnect()
        return
      }
    }
  })
  observer.observe(document.body, { subtree: true, childList: true, characterData: true })
}

/**
 * Hashes `path` in the app with the algorithm `label`: long tasks observed from the pick,
 * workers and memory sampled every ~100 ms until the row says Done.
 */
export const hashInApp = async (
  session: WebSession,
  path: string,
  label: string,
  options: {
    readonly memory?: boolean
    readonly timeoutMs: number
    /**
     * Follow frame intervals with a requestAnimationFrame loop (default true). The loop makes
     * Chromium draw a frame every vsync while the job runs: work on the page's main thread,
     * its compositor and the GPU process's that the app itself would not do, on the same cores.
     */
    readonly frames?: boolean
    /**
     * How the node side learns that the row says Done: "locator" (default), Playwright's
     * waitFor, which runs its query in the page again and again while the job runs, or
     * "page", one small evaluate every 100 ms of the page-clock watcher's state.
     */
    readonly doneBy?: "locator" | "page"
  }
): Promise<HashJob> => {
  const { page } = session
  await clearFinished(page)
  await chooseAlgorithms(page, [label])
  const name = basename(path)
  const cdp = options.memory === true ? await session.context.newCDPSession(page) : undefined
  const heapMiB = async (): Promise<number | undefined> => {
    if (cdp === undefined) return undefined
    const { metrics } = await cdp.send("Performance.getMetrics") as { metrics: Array<{ name: string; value: number }> }
    const used = metrics.find((m) => m.name === "JSHeapUsedSize")?.value
    return used === undefined ? undefined : used / 2 ** 20
  }
  if (cdp !== undefined) {
    await cdp.send("Performance.enable")
    await cdp.send("HeapProfiler.collectGarbage").catch(() => undefined)
  }
  const renderers = options.memory === true ? rendererPids(session.profile) : []
  const base = new Map(renderers.map((pid) => [pid, memoryOf(pid)]))
  const peaks = new Map(renderers.map((pid) => [pid, { ...memoryOf(pid) }]))
  let peakAllPrivate = 0
  const baseHeap = await heapMiB()

  await page.evaluate(watchLongTasks, { name: "__sluiceBenchLong", buffered: true, frames: options.frames ?? true })

  const createdBefore = session.workersCreated()
  let workersAlive = poolWorkers(page)
  let peakHeap = baseHeap
  let samples = 0
  // The page's own clock, from just before the pick to the mutation that makes the row say
  // Done: the node side only learns of it at Playwright's next poll (measured: 0.1-0.45 s
  // later), which the peer, timed in its page, never pays.
  await page.evaluate(watchDone, name)
  const cpuBefore = chromiumCpuMs(session.profile)
  const mainBefore = rendererMainCpuMs(session.profile)
  const started = performance.now()
  await page.getByTestId("pick-files").setInputFiles([path])
  const done = options.doneBy === "page"
    ? page.waitForFunction(
      () => (globalThis as unknown as { __sluiceBenchDone?: DoneState }).__sluiceBenchDone?.done !== undefined,
      undefined,
      { timeout: options.timeoutMs, polling: 100 }
    ).then(() => undefined)
    : waitForStatus(page, name, "Done", options.timeoutMs)
  let finished = false
  let failure: unknown
  void done.then(() => (finished = true), (error: unknown) => {
    failure = error
    finished = true
  })
  while (!finished) {
    workersAlive = Math.max(workersAlive, poolWorkers(page))
    if (options.memory === true) {
      let allPrivate = 0
      for (const pid of renderers) {
        const now = memoryOf(pid)
        const peak = peaks.get(pid)!
        peak.rssMiB = Math.max(peak.rssMiB, now.rssMiB)
        peak.privateMiB = Math.max(peak.privateMiB, now.privateMiB)
        allPrivate += now.privateMiB
      }
      peakAllPrivate = Math.max(peakAllPrivate, allPrivate)
      const heap = await heapMiB().catch(() => undefined)
      if (heap !== undefined) peakHeap = Math.max(peakHeap ?? 0, heap)
      samples++
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const cpuMs = chromiumCpuMs(session.profile) - cpuBefore
  const mainUsed = [...rendererMainCpuMs(session.profile)].map(([pid, ms]) => ms - (mainBefore.get(pid) ?? ms))
  const nodeSeconds = (performance.now() - started) / 1000
  const pageSpan = await page.evaluate(() => {
    const state = (globalThis as unknown as { __sluiceBenchDone?: DoneState }).__sluiceBenchDone
    return state?.done === undefined ? undefined : state.done - state.start
  })
  const seconds = pageSpan === undefined ? nodeSeconds : pageSpan / 1000
  if (failure !== undefined) {
    const status = await statusOf(page, name).innerText({ timeout: 1_000 }).catch(() => "?")
    throw new Error(`the row for ${name} did not say Done within ${options.timeoutMs / 1000} s (it says ${status})`)
  }
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))))
  const seen = await page.evaluate(() => {
    const state = (globalThis as unknown as { __sluiceBenchLong: LongState }).__sluiceBenchLong
    state.until = performance.now()
    return state
  })
  if (await rowOf(page, name).getByText("from cache", { exact: true }).count() > 0) {
    throw new Error(`the row for ${name} was answered from the app's result cache, not hashed`)
  }
  const hint = await rowOf(page, name).locator("p.hint").innerText({ timeout: 2_000 }).catch(() => "")
  const digest = await digestShown(page, name, label)
  await cdp?.detach().catch(() => undefined)
  const shownMBps = shownRate(hint)
  // The page's renderer: the one whose RSS grew most while hashing.
  const grown = renderers.map((pid) => ({ pid, growth: peaks.get(pid)!.rssMiB - base.get(pid)!.rssMiB }))
    .sort((a, b) => b.growth - a.growth)[0]
  return {
    seconds,
    ...(shownMBps === undefined ? {} : { shownMBps }),
    digest,
    longTasks: seen.tasks.filter((t) => t.start >= seen.since).map((t) => t.duration),
    longestFrameMs: seen.longestFrame,
    workersAlive,
    workersCreated: session.workersCreated() - createdBefore,
    ...(grown === undefined
      ? {}
      : {
        peakRendererRssMiB: peaks.get(grown.pid)!.rssMiB,
        peakRendererPrivateMiB: peaks.get(grown.pid)!.privateMiB,
        baseRendererRssMiB: base.get(grown.pid)!.rssMiB,
        peakAllRenderersPrivateMiB: peakAllPrivate,
        renderers: renderers.length
      }),
    ...(peakHeap === undefined ? {} : { peakPageHeapMiB: peakHeap }),
    ...(baseHeap === undefined ? {} : { basePageHeapMiB: baseHeap }),
    memorySamples: samples,
    cpuMs,
    ...(mainUsed.length === 0 ? {} : { mainThreadCpuMs: Math.max(...mainUsed) })
  }
}

export interface CancelTiming {
  /** Click event time stamp → the row's status says Cancelled (ms, page clock). */
  readonly toCancelledMs: number
  /** Click → the next animation frame after that (ms). */
  readonly toFrameMs: number
  readonly statusAtClick: string
}

/** Starts hashing `path`, waits until a rate shows, clicks Cancel and times it in the page. */
export const cancelInApp = async (session: WebSession, path: string, label: string, timeoutMs: number): Promise<CancelTiming> => {
  const { page } = session
  await clearFinished(page)
  await chooseAlgorithms(page, [label])
  const name = basename(path)
  await page.getByTestId("pick-files").setInputFiles([path])
  await waitForStatus(page, name, "Hashing", timeoutMs)
  const live = rowOf(page, name).locator(".row-rate")
  for (const until = performance.now() + timeoutMs; ;) {
    const text = await live.innerText({ timeout: 250 }).catch(() => "")
    if (/ left$/.test(text)) break
    if (performance.now() > until) throw new Error(`no live rate on ${name} within ${timeoutMs / 1000} s`)
    await page.waitForTimeout(50)
  }
  await page.evaluate((rowName: string) => {
    type Marks = { click?: number; cancelled?: number; frame?: number; statusAtClick?: string }
    const marks: Marks = {}
    ;(globalThis as { __sluiceBenchCancel?: Marks }).__sluiceBenchCancel = marks
    const row = document.querySelector(`li[aria-label="${rowName}"]`)!
    const status = () => row.querySelector(".status")?.textContent ?? ""
    addEventListener("click", (event) => {
      marks.click ??= event.timeStamp
      marks.statusAtClick ??= status()
    }, { capture: true, once: true })
    const observer = new MutationObserver(() => {
      if (marks.click === undefined || status() !== "Cancelled") return
      marks.cancelled = performance.now()
      observer.disconnect()
      requestAnimationFrame(() => {
        marks.frame = performance.now()
      })
    })
    observer.observe(row, { subtree: true, childList: true, characterData: true })
  }, name)
  await rowOf(page, name).getByRole("button", { name: `Cancel ${name}` }).click({ timeout: 5_000 })
  await waitForStatus(page, name, "Cancelled", 5_000)
  for (let i = 0; i < 50; i++) {
    const marks = await page.evaluate(() =>
      (globalThis as { __sluiceBenchCancel?: { click?: number; cancelled?: number; frame?: number; statusAtClick?: string } }).__sluiceBenchCancel
    )
    if (marks?.frame !== undefined && marks.click !== undefined && marks.cancelled !== undefined) {
      return { toCancelledMs: marks.cancelled - marks.click, toFrameMs: marks.frame - marks.click, statusAtClick: marks.statusAtClick ?? "" }
    }
    await page.waitForTimeout(20)
  }
  throw new Error("the page recorded no click → Cancelled times")
}

// --- The Keys tool ---------------------------------------------------------------------------

/** CPU time (ms) of each renderer's main thread (the task whose id is the process's), from /proc: utime + stime at 100 ticks a second. */
export const rendererMainCpuMs = (profile: string): Map<string, number> => {
  const cpu = new Map<string, number>()
  for (const pid of rendererPids(profile)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) * 10)
    } catch {
      // The process went away.
    }
  }
  return cpu
}

export interface KeygenJob {
  /** The click on "Generate and save" → the tool says the keys were downloaded (s, node clock). */
  readonly seconds: number
  /** Long tasks that started after the click (ms). */
  readonly longTasks: ReadonlyArray<number>
  /** Longest interval between animation frames from the click to the end (ms). */
  readonly longestFrameMs: number
  /** CPU time of the page's main thread over the job (ms; the renderer whose main thread used most), if /proc has it. */
  readonly mainThreadCpuMs?: number
}

/**
 * Generates `count` keys of `type` in the app's Keys tool (`#/keys`), as a JSON Lines
 * download (the Blob route: the File System Access picker would wait for a person), with
 * the main thread's long tasks and frame intervals observed from the click until the tool
 * says the file was downloaded; then shows the Hash tool again.
 */
export const generateKeysInApp = async (
  session: WebSession,
  options: { readonly type: string; readonly label: string; readonly count: number; readonly timeoutMs: number }
): Promise<KeygenJob> => {
  const { page } = session
  await page.evaluate(() => {
    location.hash = "#/keys"
    delete (globalThis as { showSaveFilePicker?: unknown }).showSaveFilePicker
  })
  try {
    await page.getByRole("heading", { name: "Generate keys" }).waitFor({ timeout: 20_000 })
    await page.getByRole("combobox", { name: "Type" }).selectOption(options.type)
    await page.getByRole("spinbutton", { name: "Count" }).fill(String(options.count))
    await page.evaluate(watchLongTasks, { name: "__sluiceBenchKeys", buffered: false })
    const cpuBefore = rendererMainCpuMs(session.profile)
    const started = performance.now()
    await page.getByRole("button", { name: "Generate and save" }).click({ timeout: 5_000 })
    const done = `${options.count} ${options.label} keys downloaded as sluice-${options.type}-${options.count}-keys.jsonl.`
    await page.locator("p.status-line").getByText(done, { exact: true }).waitFor({ timeout: options.timeoutMs })
    const seconds = (performance.now() - started) / 1000
    const cpuAfter = rendererMainCpuMs(session.profile)
    const used = [...cpuAfter].map(([pid, ms]) => ms - (cpuBefore.get(pid) ?? ms))
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))))
    const seen = await page.evaluate(() => {
      const state = (globalThis as unknown as { __sluiceBenchKeys: LongState }).__sluiceBenchKeys
      state.until = performance.now()
      return state
    })
    return {
      seconds,
      longTasks: seen.tasks.filter((t) => t.start >= seen.since).map((t) => t.duration),
      longestFrameMs: seen.longestFrame,
      ...(used.length === 0 ? {} : { mainThreadCpuMs: Math.max(...used) })
    }
  } finally {
    await page.evaluate(() => {
      location.hash = "#/hash"
    }).catch(() => undefined)
  }
}

export const hardwareConcurrency = (session: WebSession): Promise<number> =>
  session.page.evaluate(() => navigator.hardwareConcurrency)

// --- The Performance view ------------------------------------------------------------------

/** PerformanceCharts' performance mark, one per redraw of the charts (packages/web/src/performance). */
export const CHART_UPDATE_MARK = "sluice:performance-update"

export interface PerfPageJob {
  /** setInputFiles → the view counts the file as hashed (s, node clock). */
  readonly seconds: number
  /** The same span in the page (ms): what the update rate is over. */
  readonly pageMs: number
  /** Long tasks that started after the pick (ms). */
  readonly longTasks: ReadonlyArray<number>
  /** Chart redraws after the pick. */
  readonly updates: number
  /** Longest time between two redraws, or from the pick to the first (ms). */
  readonly longestGapMs: number
}

type PerfState = { since: number; until: number; tasks: Array<{ start: number; duration: number }>; updates: Array<number> }

const filesHashedShown = async (page: Page): Promise<number> =>
  Number(await page.locator('[data-figure="files-hashed"]').getAttribute("data-value", { timeout: 1_000 }).catch(() => "NaN"))

/**
 * Hashes `path` with SHA-256 while the app shows its Performance view: long tasks and chart
 * redraws (the view's performance marks) from the pick until the view counts the file as
 * hashed. The view's speeds are measured on a worker once per visit, before the first job.
 */
export const hashWithPerfPageOpen = async (session: WebSession, path: string, timeoutMs: number): Promise<PerfPageJob> => {
  const { page } = session
  await clearFinished(page)
  await chooseAlgorithms(page, [ALGORITHMS.sha256.label])
  await showView(page, "Performance")
  try {
    await page.locator('[data-calibrated="true"]').waitFor({ timeout: 20_000 }).catch(() => undefined)
    const before = await filesHashedShown(page)
    if (!Number.isFinite(before)) throw new Error("the Performance view shows no files-hashed figure")
    await page.evaluate((mark: string) => {
      const state: PerfState = { since: performance.now(), until: Infinity, tasks: [], updates: [] }
      ;(globalThis as { __sluiceBenchPerf?: PerfState }).__sluiceBenchPerf = state
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) state.tasks.push({ start: entry.startTime, duration: entry.duration })
      }).observe({ type: "longtask" })
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (entry.name === mark) state.updates.push(entry.startTime)
      }).observe({ type: "mark" })
    }, CHART_UPDATE_MARK)
    const started = performance.now()
    await page.getByTestId("pick-files").setInputFiles([path])
    for (;;) {
      if (await filesHashedShown(page) > before) break
      if (performance.now() - started > timeoutMs) throw new Error(`the Performance view did not count ${basename(path)} as hashed within ${timeoutMs / 1000} s`)
      await page.waitForTimeout(50)
    }
    const seconds = (performance.now() - started) / 1000
    const seen = await page.evaluate(() => {
      const state = (globalThis as unknown as { __sluiceBenchPerf: PerfState }).__sluiceBenchPerf
      state.until = performance.now()
      return state
    })
    const updates = seen.updates.filter((at) => at >= seen.since)
    const edges = [seen.since, ...updates, seen.until]
    return {
      seconds,
      pageMs: seen.until - seen.since,
      longTasks: seen.tasks.filter((t) => t.start >= seen.since).map((t) => t.duration),
      updates: updates.length,
      longestGapMs: Math.max(...edges.slice(1).map((at, i) => at - edges[i]!))
    }
  } finally {
    await showView(page, "Files").catch(() => undefined)
  }
}

// --- The peer: hash-wasm in memory ---------------------------------------------------------

/**
 * A classic worker script: hash-wasm's own UMD bundle (the version core pins), then a loop
 * that hashes a 16 MiB buffer already in memory, again and again, to `bytes`. The first
 * message prepares (buffer, WebAssembly instance, a warm-up); `go` times the hash.
 */
const PEER_LOOP = `
;(() => {
  const CHUNK = 16 * 1024 * 1024
  let buffer, hasher
  // A File's ranges read in this worker as the app reads them (a BYOB reader on one stream a
  // range, slices of \`slice\` bytes filled before they are handed on) or by
  // Blob.slice().arrayBuffer() of \`slice\` bytes; with \`hash\`, each slice also goes to
  // hash-wasm's BLAKE3 (one hasher over all the worker's ranges, in order).
  const readFile = async ({ file, ranges, hash, how, slice }) => {
    try {
      if (hash) hasher ??= await hashwasm.createBLAKE3()
      const started = performance.now()
      if (hash) hasher.init()
      let bytes = 0
      let view = new Uint8Array(slice)
      for (const [start, end] of ranges) {
        if (how === "arraybuffer") {
          for (let at = start; at < end; at += slice) {
            const got = new Uint8Array(await file.slice(at, Math.min(end, at + slice)).arrayBuffer())
            bytes += got.length
            if (hash) hasher.update(got)
          }
          continue
        }
        const reader = file.slice(start, end).stream().getReader({ mode: "byob" })
        let filled = 0
        for (;;) {
          const { done, value } = await reader.read(new Uint8Array(view.buffer, filled, view.buffer.byteLength - filled))
          if (value !== undefined) {
            view = new Uint8Array(value.buffer)
            filled += value.length
          }
          if (filled > 0 && (done || filled === view.length)) {
            bytes += filled
            if (hash) hasher.update(view.subarray(0, filled))
            filled = 0
          }
          if (done) break
        }
      }
      const hex = hash ? hasher.digest("hex") : undefined
      postMessage({ ms: performance.now() - started, bytes, hex })
    } catch (error) {
      postMessage({ error: String(error) })
    }
  }
  self.onmessage = async (event) => {
    const { algorithm, bytes, go } = event.data
    if (event.data.file !== undefined) return readFile(event.data)
    try {
      if (go !== true) {
        buffer = new Uint8Array(Math.max(1, Math.min(CHUNK, bytes)))
        for (let i = 0; i < buffer.length; i++) buffer[i] = (Math.imul(i, 2654435761) >>> 24) & 255
        hasher = await (algorithm === "sha256" ? hashwasm.createSHA256() : hashwasm.createBLAKE3())
        hasher.init()
        hasher.update(buffer.subarray(0, Math.min(buffer.length, 1 << 20)))
        hasher.digest("hex")
        postMessage({ ready: true })
        return
      }
      const started = performance.now()
      hasher.init()
      for (let left = bytes; left > 0; left -= buffer.length) hasher.update(left >= buffer.length ? buffer : buffer.subarray(0, left))
      const hex = hasher.digest("hex")
      postMessage({ ms: performance.now() - started, hex })
    } catch (error) {
      postMessage({ error: String(error) })
    }
  }
})()
`

const peerWorkerSource = (): string => {
  const umd = createRequire(join(CORE_DIR, "package.json")).resolve("hash-wasm/dist/index.umd.min.js")
  return `${readFileSync(umd, "utf8")}\n${PEER_LOOP}`
}

/** typage bundled (with its @noble dependencies) into one ES module by the web package's vite, on first request. */
const typageSource = async (): Promise<string> => {
  const { build } = await load<{ build: (config: Record<string, unknown>) => Promise<unknown> }>("vite")
  const out = await build({
    root: WEB_DIR,
    configFile: false,
    logLevel: "silent",
    build: { write: false, minify: false, lib: { entry: webRequire.resolve("age-encryption"), formats: ["es"], fileName: "typage" } }
  })
  const outputs = (Array.isArray(out) ? out : [out]) as Array<{ output: Array<{ type: string; code?: string }> }>
  const code = outputs[0]?.output.find((o) => o.type === "chunk")?.code
  if (code === undefined) throw new Error("typage (age-encryption) did not bundle")
  return code
}

export interface PeerRun {
  /** The page's clock from the go to the last worker's digest (s). */
  readonly seconds: number
  /** Each worker's own time (ms). */
  readonly workerMs: ReadonlyArray<number>
  /** CPU time of all Chromium's processes from the go to the last digest (ms): the set-up is left out. */
  readonly cpuMs: number
}

type PeerReply = { ready?: boolean; ms?: number; error?: string }
interface PeerPool {
  readonly ask: (message: unknown) => Promise<ReadonlyArray<PeerReply>>
  readonly close: () => void
}

/**
 * hash-wasm's in-memory speed in this page: `workers` dedicated Web Workers of the same
 * page, each hashing `bytes / workers` from a buffer in memory, all at once (a pool with
 * every worker busy); the time is from the go to the last digest. The workers are made
 * and warmed up in one call, timed in the next.
 */
export const hashWasmInPage = async (
  session: WebSession,
  algorithm: "sha256" | "blake3",
  bytes: number,
  workers: number
): Promise<PeerRun> => {
  const each = Math.ceil(bytes / workers)
  await session.page.evaluate(async ({ algorithm, each, url, workers }) => {
    interface PeerWorker {
      onmessage: ((event: { data: PeerReply }) => void) | null
      onerror: ((event: { message: string }) => void) | null
      postMessage(message: unknown): void
      terminate(): void
    }
    const PeerWorker = (globalThis as unknown as { Worker: new(url: string) => PeerWorker }).Worker
    const workersOf = Array.from({ length: workers }, () => new PeerWorker(url))
    const askOne = (worker: PeerWorker, message: unknown) =>
      new Promise<PeerReply>((resolve, reject) => {
        worker.onmessage = (event) => event.data.error === undefined ? resolve(event.data) : reject(new Error(event.data.error))
        worker.onerror = (event) => reject(new Error(`the peer worker failed: ${event.message}`))
        worker.postMessage(message)
      })
    const pool: PeerPool = {
      ask: (message) => Promise.all(workersOf.map((worker) => askOne(worker, message))),
      close: () => {
        for (const worker of workersOf) worker.terminate()
      }
    }
    ;(globalThis as unknown as { __sluiceBenchPeer?: PeerPool }).__sluiceBenchPeer = pool
    try {
      await pool.ask({ algorithm, bytes: each })
    } catch (error) {
      pool.close()
      throw error
    }
  }, { algorithm, each, url: PEER_WORKER_PATH, workers })
  const cpuBefore = chromiumCpuMs(session.profile)
  const run = await session.page.evaluate(async ({ algorithm, each }) => {
    const state = globalThis as unknown as { __sluiceBenchPeer?: PeerPool }
    const pool = state.__sluiceBenchPeer!
    try {
      const started = performance.now()
      const replies = await pool.ask({ algorithm, bytes: each, go: true })
      return { seconds: (performance.now() - started) / 1000, workerMs: replies.map((r) => r.ms ?? 0) }
    } finally {
      pool.close()
      delete state.__sluiceBenchPeer
    }
  }, { algorithm, each })
  return { ...run, cpuMs: chromiumCpuMs(session.profile) - cpuBefore }
}

export interface FileReadRun extends PeerRun {
  /** Bytes read in all (the file's size when every range came back whole). */
  readonly bytes: number
  /** hash-wasm's BLAKE3 of each worker's ranges in order (with `hash`; the file's digest with one worker). */
  readonly hex: ReadonlyArray<string | undefined>
}

export interface FileReadOptions {
  /** Dedicated Web Workers reading at once; worker i reads ranges i, i + workers, ... */
  readonly workers: number
  /** Also hash every slice with hash-wasm's BLAKE3 (a streaming peer), or only read. */
  readonly hash: boolean
  /** A BYOB reader on one stream per range (as the app), or Blob.slice().arrayBuffer() slices. */
  readonly how: "byob" | "arraybuffer"
  /** Bytes per read slice. */
  readonly slice: number
  /** Bytes per range (the app's BLAKE3 subtrees are 16 MiB). */
  readonly range: number
}

const CEILING_INPUT = "__sluiceBenchCeilingFile"

/**
 * Each worker's ranges of a file of `size` bytes in ranges of `range` bytes (the last
 * shorter), dealt round-robin: worker i reads ranges i, i + workers, ..., each in order.
 */
export const rangesPerWorker = (size: number, workers: number, range: number): Array<Array<[number, number]>> => {
  const ranges = Array.from({ length: workers }, () => [] as Array<[number, number]>)
  for (let at = 0, i = 0; at < size; at += range, i++) ranges[i % workers]!.push([at, Math.min(size, at + range)])
  return ranges
}

/**
 * The ceiling of reading the picked `path` in this page: the same File, read in Web Workers
 * of the bench (not the app's) as `options` says, with no app around it. Page clock from the
 * go to the last worker's reply; Chromium's CPU over the same span.
 */
export const readFileInPage = async (session: WebSession, path: string, options: FileReadOptions): Promise<FileReadRun> => {
  const { page } = session
  await page.evaluate((id) => {
    if (document.getElementById(id) !== null) return
    const input = document.createElement("input")
    input.type = "file"
    input.id = id
    input.hidden = true
    document.body.append(input)
  }, CEILING_INPUT)
  await page.locator(`#${CEILING_INPUT}`).setInputFiles([path])
  const setUp = { ...options, id: CEILING_INPUT, url: PEER_WORKER_PATH }
  await page.evaluate(async ({ id, url, workers, hash }) => {
    interface ReadWorker {
      onmessage: ((event: { data: FileReply }) => void) | null
      onerror: ((event: { message: string }) => void) | null
      postMessage(message: unknown): void
      terminate(): void
    }
    type FileReply = { ready?: boolean; ms?: number; bytes?: number; hex?: string; error?: string }
    const ReadWorker = (globalThis as unknown as { Worker: new(url: string) => ReadWorker }).Worker
    const file = (document.getElementById(id) as HTMLInputElement).files![0]!
    const workersOf = Array.from({ length: workers }, () => new ReadWorker(url))
    const askOne = (worker: ReadWorker, message: unknown) =>
      new Promise<FileReply>((resolve, reject) => {
        worker.onmessage = (event) => event.data.error === undefined ? resolve(event.data) : reject(new Error(event.data.error))
        worker.onerror = (event) => reject(new Error(`the reading worker failed: ${event.message}`))
        worker.postMessage(message)
      })
    const state = { file, workersOf, askOne }
    ;(globalThis as unknown as { __sluiceBenchReaders?: typeof state }).__sluiceBenchReaders = state
    // hash-wasm's module compiled and its BLAKE3 warmed before the clock starts.
    if (hash) await Promise.all(workersOf.map((w) => askOne(w, { algorithm: "blake3", bytes: 1 << 20 })))
  }, setUp)
  const rangesOf = rangesPerWorker(statSync(path).size, options.workers, options.range)
  const cpuBefore = chromiumCpuMs(session.profile)
  const run = await page.evaluate(async ({ hash, how, rangesOf, slice }) => {
    type FileReply = { ms?: number; bytes?: number; hex?: string }
    const state = (globalThis as unknown as {
      __sluiceBenchReaders?: {
        file: File
        workersOf: Array<{ terminate(): void }>
        askOne: (worker: unknown, message: unknown) => Promise<FileReply>
      }
    }).__sluiceBenchReaders!
    try {
      const started = performance.now()
      const replies = await Promise.all(state.workersOf.map((worker, i) =>
        state.askOne(worker, { file: state.file, ranges: rangesOf[i], hash, how, slice })))
      return {
        seconds: (performance.now() - started) / 1000,
        workerMs: replies.map((r) => r.ms ?? 0),
        bytes: replies.reduce((sum, r) => sum + (r.bytes ?? 0), 0),
        hex: replies.map((r) => r.hex)
      }
    } finally {
      for (const worker of state.workersOf) worker.terminate()
      delete (globalThis as { __sluiceBenchReaders?: unknown }).__sluiceBenchReaders
    }
  }, { hash: options.hash, how: options.how, rangesOf, slice: options.slice })
  return { ...run, cpuMs: chromiumCpuMs(session.profile) - cpuBefore }
}

// --- Many files ------------------------------------------------------------------------------

export interface ManyFilesJob {
  /** setInputFiles → the summary says every file is done (s, node clock). */
  readonly seconds: number
  /** Long tasks that started from just before the pick to the end (ms), the pick's own included. */
  readonly longTasks: ReadonlyArray<number>
  /**
   * The task in which Chromium turns the picked paths into the input's FileList and fires
   * its `change` event (ms; 0 if under 50 ms): the browser's own work, which the page
   * cannot split, with the app's change handling inside it.
   */
  readonly pickTaskMs: number
  /** The app's share of that task: the `change` event's dispatch, first capture listener to the last bubble one (ms). */
  readonly changeHandlingMs: number
  /** Every other long task (ms): the app's own. */
  readonly otherLongTasks: ReadonlyArray<number>
  readonly longestFrameMs: number
  /** The Export panel's checksum file (coreutils format), downloaded once every file is done. */
  readonly sums: string
}

/**
 * Picks `paths` at once in the Hash tool with the algorithm `label`: long tasks and frame
 * intervals from just before the pick until the summary says all of them are done, then
 * the Export panel's checksum file (every digest, to compare with coreutils).
 */
export const hashManyInApp = async (
  session: WebSession,
  paths: ReadonlyArray<string>,
  label: string,
  timeoutMs: number
): Promise<ManyFilesJob> => {
  const { page } = session
  await clearFinished(page)
  await chooseAlgorithms(page, [label])
  await page.evaluate(watchLongTasks, { name: "__sluiceBenchMany", buffered: false })
  await page.evaluate(() => {
    const state = (globalThis as { __sluiceBenchMany?: LongState }).__sluiceBenchMany!
    // The change event bubbles: the document's capture listener runs first, the window's bubble listener after React's root.
    document.addEventListener("change", () => void (state.changeStart ??= performance.now()), { capture: true, once: true })
    addEventListener("change", () => void (state.changeEnd ??= performance.now()), { once: true })
  })
  const done = `${paths.length} files · ${paths.length} done`
  const started = performance.now()
  await page.getByTestId("pick-files").setInputFiles([...paths])
  for (;;) {
    const said = await page.evaluate(() => document.querySelector("section.summary .summary-text p")?.textContent ?? "")
    if (said === done) break
    if (performance.now() - started > timeoutMs) throw new Error(`the summary did not say "${done}" within ${timeoutMs / 1000} s (it says "${said}")`)
    await page.waitForTimeout(20)
  }
  const seconds = (performance.now() - started) / 1000
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))))
  const seen = await page.evaluate(() => {
    const state = (globalThis as unknown as { __sluiceBenchMany: LongState }).__sluiceBenchMany
    state.until = performance.now()
    return state
  })
  // The Export panel's file, downloaded (its preview shows only the first lines).
  const download = page.waitForEvent("download", { timeout: 10_000 })
  await page.getByRole("link", { name: "Download SHA256SUMS" }).click({ timeout: 5_000 })
  const saved = await (await download).path()
  const sums = saved === null ? "" : readFileSync(saved, "utf8")
  const tasks = seen.tasks.filter((t) => t.start >= seen.since)
  const change = seen.changeStart ?? -1
  const pick = tasks.find((t) => t.start <= change && change <= t.start + t.duration)
  return {
    seconds,
    longTasks: tasks.map((t) => t.duration),
    pickTaskMs: pick?.duration ?? 0,
    changeHandlingMs: seen.changeEnd !== undefined && seen.changeStart !== undefined ? seen.changeEnd - seen.changeStart : 0,
    otherLongTasks: tasks.filter((t) => t !== pick).map((t) => t.duration),
    longestFrameMs: seen.longestFrame,
    sums
  }
}
