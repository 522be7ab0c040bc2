/**
 * First visits of the web app as a visitor's browser makes them: Debian's Chromium started
 * on a fresh profile and told over its DevTools protocol, with the Page domain only, to
 * add a probe script to every new document and to navigate. The probe observes long
 * tasks from the navigation, waits until the app is ready and settled, and posts its
 * figures to the bench's preview server (`answerLoadReport`, served by browser.ts).
 *
 * Not playwright-core, as the other web scenarios: it enables the Runtime domain on every
 * page, and with the inspector's Runtime domain on, V8 collects source positions for the
 * code it runs (reparsing whole modules on the page's main thread). Measured on this
 * machine (2026-12-06), evaluating the app's React stage took 2.3-5.6 ms in a Chromium
 * with no domain or the Page domain on, 11-31 ms with Runtime on; 4 of 36 first visits
 * had a long task driven by playwright-core, 1 of 72 driven here, alternated.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readlinkSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, dirname, join } from "node:path"
import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.js"

/** A tool's address and what shows once it is there (the Hash tool is the page itself). */
export interface ToolAddress {
  readonly tool: "hash" | "keys" | "derive"
  readonly fragment: string
  /** The tool's own heading (h2): for the Hash tool, its drop zone's. */
  readonly heading: string
}

export const TOOL_ADDRESSES: ReadonlyArray<ToolAddress> = [
  { tool: "hash", fragment: "", heading: "Drop files or folders here" },
  { tool: "keys", fragment: "#/keys", heading: "Generate keys" },
  { tool: "derive", fragment: "#/derive", heading: "Derive a key" }
]

/** Kept quiet this long after the app is ready, so that what it starts then (the pool's workers, the tool's chunk) is observed too. */
export const SETTLE_MS = 1000

/**
 * How long a just-launched Chromium is left alone before a "running" load navigates: its own
 * start-up (the profile's files, its GPU, network and storage processes) holds this
 * machine's two cores for most of a second, and a task of the page's stretched by it
 * measures the browser's launch, not the app. Measured side by side, 15 loads each:
 * 14 and 15 without a long task after this wait, 9 and 10 right after the launch.
 */
export const BROWSER_SETTLE_MS = 1000

/** A first visit in a browser already running (`BROWSER_SETTLE_MS` after its launch), or right after the launch. */
export type LoadKind = "running" | "launch"
export const LOAD_KINDS: ReadonlyArray<LoadKind> = ["running", "launch"]

export interface PageLoad {
  readonly tool: ToolAddress["tool"]
  readonly kind: LoadKind
  /** Every long task (>= 50 ms) from the navigation to the end of the settle time (ms since the navigation started). */
  readonly longTasks: ReadonlyArray<{ readonly start: number; readonly duration: number }>
  readonly domContentLoadedMs: number
  readonly firstContentfulPaintMs?: number
  /** The navigation → the app is ready: its heading, the tool's heading, and the footer saying where hashing runs (the pool is up). */
  readonly readyMs: number
  /** Page errors, unhandled rejections and console errors during the load. */
  readonly problems: ReadonlyArray<string>
  /** The app's marks at the end of each stage of its load (`sluice:load-<stage>`, packages/web/src/main.tsx), in order (ms). */
  readonly stages: ReadonlyArray<{ readonly name: string; readonly at: number }>
}

/** The prefix of the performance marks the web app leaves at the end of each stage of its load. */
export const STAGE_MARK = "sluice:load-"

/** Where the probe posts its figures, followed by the load's token. */
export const LOAD_REPORT_PATH = "/__sluice-bench/load-report/"

type ProbeReport = Omit<PageLoad, "tool" | "kind">

const waiting = new Map<string, (report: ProbeReport) => void>()

interface ReportRequest {
  readonly url?: string
  readonly method?: string
  on(event: "data", listener: (chunk: Buffer) => void): unknown
  on(event: "end", listener: () => void): unknown
}

/** Takes a probe's POST to `LOAD_REPORT_PATH` (true), or leaves the request to the next handler (false). */
export const answerLoadReport = (req: ReportRequest, res: { end(body: string): void }): boolean => {
  if (req.method !== "POST" || req.url?.startsWith(LOAD_REPORT_PATH) !== true) return false
  const token = req.url.slice(LOAD_REPORT_PATH.length)
  const chunks: Array<Buffer> = []
  req.on("data", (chunk) => chunks.push(chunk))
  req.on("end", () => {
    res.end("ok")
    waiting.get(token)?.(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ProbeReport)
  })
  return true
}

/**
 * The probe, run before any of the page's scripts: every long task since the navigation
 * (the buffered ones included), the page's errors; once the app is ready (its heading, the
 * tool's, the footer saying where hashing runs: plain DOM reads on each mutation), it waits
 * `settleMs` and posts what it saw. Plain DOM calls only, so nothing of the bench's runs
 * in the window measured but a MutationObserver's callbacks.
 */
export const probeScript = (token: string, heading: string, settleMs: number): string => `(() => {
  const tasks = []
  const problems = []
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) tasks.push({ start: entry.startTime, duration: entry.duration })
  }).observe({ type: "longtask", buffered: true })
  addEventListener("error", (event) => problems.push("page error: " + event.message))
  addEventListener("unhandledrejection", (event) => problems.push("page error: " + String(event.reason?.message ?? event.reason)))
  const consoleError = console.error
  console.error = (...args) => {
    problems.push("console error: " + args.map(String).join(" "))
    consoleError.apply(console, args)
  }
  const text = (selector) => Array.from(document.querySelectorAll(selector)).map((e) => (e.textContent ?? "").trim())
  const ready = () => text("h1").includes("Sluice") && text("h2").includes(${JSON.stringify(heading)}) && text("footer p").some((t) => t.endsWith("kernels)."))
  let done = false
  const finish = () => {
    if (done || !ready()) return
    done = true
    observer.disconnect()
    const readyMs = performance.now()
    setTimeout(() => {
      const nav = performance.getEntriesByType("navigation")[0]
      const fcp = performance.getEntriesByName("first-contentful-paint")[0]
      const stages = performance.getEntriesByType("mark").filter((m) => m.name.startsWith(${JSON.stringify(STAGE_MARK)}))
        .map((m) => ({ name: m.name.slice(${STAGE_MARK.length}), at: m.startTime }))
      const report = { longTasks: tasks, domContentLoadedMs: nav?.domContentLoadedEventEnd ?? 0, readyMs, problems, stages }
      if (fcp !== undefined) report.firstContentfulPaintMs = fcp.startTime
      fetch(${JSON.stringify(`${LOAD_REPORT_PATH}${token}`)}, { method: "POST", body: JSON.stringify(report) })
    }, ${settleMs})
  }
  const observer = new MutationObserver(finish)
  observer.observe(document, { subtree: true, childList: true, characterData: true })
})()`

/** The DevTools address a Chromium started with `--remote-debugging-port=0` prints on its stderr. */
export const devToolsAddress = (stderr: string): string | undefined => /DevTools listening on (ws:\/\/\S+)/.exec(stderr)?.[1]

/** A Chromium of its own on `profile`, and the WebSocket address of its first page. */
const launch = async (profile: string, timeoutMs: number): Promise<{ readonly browser: ChildProcess; readonly pageSocket: string }> => {
  // A process group of its own, so that stopping it stops every process it started
  // (`stop`): none is left writing into the profile as it is deleted.
  const browser = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true
  })
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let stderr = ""
      const timer = setTimeout(() => reject(new Error(`Chromium printed no DevTools address within ${timeoutMs / 1000} s`)), timeoutMs)
      browser.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString()
        const found = devToolsAddress(stderr)
        if (found === undefined) return
        clearTimeout(timer)
        resolve(found)
      })
      browser.once("error", reject)
      browser.once("exit", (code) => reject(new Error(`Chromium exited (${code}) before it was ready: ${stderr.slice(-300)}`)))
    })
    browser.stderr?.resume()
    const targets = await (await fetch(`http://${new URL(address).host}/json/list`)).json() as Array<{ type: string; webSocketDebuggerUrl: string }>
    const page = targets.find((t) => t.type === "page")
    if (page === undefined) throw new Error("Chromium opened no page")
    return { browser, pageSocket: page.webSocketDebuggerUrl }
  } catch (error) {
    // Gone before the profile is deleted (the caller's), as after a load.
    const exited = exitOf(browser)
    stop(browser)
    await exited
    throw error
  }
}

/** Resolves once `browser` has exited: at once if it has already. */
const exitOf = (browser: ChildProcess): Promise<unknown> =>
  browser.exitCode !== null || browser.signalCode !== null ? Promise.resolve() : new Promise((resolve) => browser.once("exit", resolve))

/** Kills the Chromium's process group: the browser and the processes it started (its profile is thrown away). */
const stop = (browser: ChildProcess): void => {
  try {
    if (browser.pid !== undefined) process.kill(-browser.pid, "SIGKILL")
  } catch {
    browser.kill("SIGKILL")
  }
}

/**
 * Chromium keeps its profile's lock socket in a folder of its own in the temporary
 * directory, linked from the profile as `SingletonSocket`. A Chromium killed (`stop`)
 * cannot delete that folder, so this does, before the profile goes.
 */
export const removeSingletonFolder = (profile: string): void => {
  let socket: string
  try {
    socket = readlinkSync(join(profile, "SingletonSocket"))
  } catch {
    return
  }
  const folder = dirname(socket)
  if (basename(folder).startsWith("org.chromium.Chromium.")) rmSync(folder, { recursive: true, force: true })
}

/** A DevTools protocol session over `socket`: `send` resolves with a command's result, or rejects with its error. */
const connect = async (socket: string) => {
  const ws = new WebSocket(socket)
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true })
    ws.addEventListener("error", () => reject(new Error(`could not connect to Chromium's page at ${socket}`)), { once: true })
  })
  let next = 0
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>()
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } }
    const call = message.id === undefined ? undefined : pending.get(message.id)
    if (call === undefined) return
    pending.delete(message.id!)
    if (message.error !== undefined) call.reject(new Error(message.error.message))
    else call.resolve(message.result)
  })
  // A Chromium that dies mid-load closes the socket: its unanswered commands fail, not hang.
  ws.addEventListener("close", () => {
    for (const call of pending.values()) call.reject(new Error("Chromium closed its DevTools connection"))
    pending.clear()
  })
  return {
    send: (method: string, params: Record<string, unknown> = {}): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const id = ++next
        pending.set(id, { resolve, reject })
        ws.send(JSON.stringify({ id, method, params }))
      }),
    close: () => ws.close()
  }
}

/**
 * Loads the app at `address` in a Chromium of its own on a fresh profile (nothing cached,
 * no service worker yet: a first visit), `BROWSER_SETTLE_MS` after the launch or right
 * after it (`kind`), observing long tasks from the navigation until `SETTLE_MS` after the
 * app is ready; then stops that Chromium and deletes its profile.
 */
export const loadAppFresh = async (origin: string, address: ToolAddress, timeoutMs: number, kind: LoadKind): Promise<PageLoad> => {
  const profile = mkdtempSync(join(tmpdir(), "sluice-bench-load-"))
  const token = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`
  try {
    const { browser, pageSocket } = await launch(profile, timeoutMs)
    const exited = exitOf(browser)
    try {
      const session = await connect(pageSocket)
      try {
        if (kind === "running") await new Promise((resolve) => setTimeout(resolve, BROWSER_SETTLE_MS))
        let timer: ReturnType<typeof setTimeout> | undefined
        const reported = new Promise<ProbeReport>((resolve, reject) => {
          waiting.set(token, resolve)
          timer = setTimeout(() => reject(new Error(`the app was not ready within ${timeoutMs / 1000} s (the heading "${address.heading}" and the footer saying where hashing runs)`)), timeoutMs + SETTLE_MS)
        })
        reported.catch(() => undefined)
        try {
          await session.send("Page.enable")
          await session.send("Page.addScriptToEvaluateOnNewDocument", { source: probeScript(token, address.heading, SETTLE_MS) })
          await session.send("Page.navigate", { url: `${origin}/${address.fragment}` })
          return { tool: address.tool, kind, ...await reported }
        } finally {
          clearTimeout(timer)
        }
      } finally {
        session.close()
      }
    } finally {
      stop(browser)
      await exited
    }
  } finally {
    waiting.delete(token)
    removeSingletonFolder(profile)
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  }
}
