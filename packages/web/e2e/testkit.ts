/**
 * Shared helpers of the end-to-end tests: the production build (`dist`) served by Vite's
 * `preview()` on 127.0.0.1, Debian's Chromium driven by playwright-core with a fresh
 * profile, a log of every request and of every error or policy violation, test files
 * written to a temporary folder, and the native tools (`sha256sum`, `b3sum`) that give
 * the expected digests.
 */
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { type BrowserContext, chromium, type ConsoleMessage, type JSHandle, type Locator, type Page } from "playwright-core"
import { preview } from "vite"
import { afterAll, beforeAll, expect } from "vitest"

const run = promisify(execFile)

export const WEB_DIR = fileURLToPath(new URL("..", import.meta.url))
/** The build under test: `dist`, or another folder named by `SLUICE_E2E_DIST` (a candidate build). */
export const DIST_DIR = process.env.SLUICE_E2E_DIST !== undefined && process.env.SLUICE_E2E_DIST !== ""
  ? resolve(process.env.SLUICE_E2E_DIST)
  : join(WEB_DIR, "dist")
export const SCREENSHOTS_DIR = fileURLToPath(new URL("./screenshots/", import.meta.url))
export const CHROMIUM = "/usr/bin/chromium"

export const MiB = 1024 * 1024

/** Prints a measured figure so that it shows in the test run's output. */
export const report = (label: string, value: string): void => {
  console.log(`[e2e] ${label}: ${value}`)
}

// --- The app, served -----------------------------------------------------------------------

export interface Served {
  /** `http://127.0.0.1:PORT`, the app's only origin. */
  readonly origin: string
  /** Stops the server and drops its open connections, as a network that went away would. */
  readonly close: () => Promise<void>
}

/** `dist` as `vite preview` serves it, on a free port of the loopback address. */
export const serveDist = async (): Promise<Served> => {
  if (!existsSync(join(DIST_DIR, "index.html")) || !existsSync(join(DIST_DIR, "sw.js"))) {
    throw new Error(`No production build in ${DIST_DIR}: run the build first (turbo runs it before the tests).`)
  }
  const server = await preview({
    root: WEB_DIR,
    logLevel: "silent",
    build: { outDir: DIST_DIR },
    preview: { host: "127.0.0.1", port: 0, strictPort: false, open: false }
  })
  const address = server.httpServer.address() as AddressInfo
  let closed = false
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: async () => {
      if (closed) return
      closed = true
      const http = server.httpServer as { closeAllConnections?: () => void }
      http.closeAllConnections?.()
      await server.close()
    }
  }
}

// --- The browser -------------------------------------------------------------------------

export interface RequestRecord {
  readonly url: string
  /** Who asked: the service worker, or the page (its dedicated workers' requests count as the page's). */
  readonly by: "page" | "service worker"
  readonly resourceType: string
}

export interface AppSession {
  readonly context: BrowserContext
  readonly page: Page
  readonly origin: string
  /** Every request the browser made for this context, in order. */
  readonly requests: Array<RequestRecord>
  /** Requests that got no response (refused, offline, aborted), as `URL: reason`. */
  readonly failedRequests: Array<string>
  /** Page errors, console errors (the page's and its workers'), CSP violations. */
  readonly problems: Array<string>
  /** Requests whose origin is not the app's. */
  readonly foreignRequests: () => Array<RequestRecord>
  /** Problems this session provokes on purpose (WebAssembly refused), left out by `expectClean`. */
  readonly expectedProblems: ReadonlyArray<RegExp>
  readonly close: () => Promise<void>
}

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

/** Reports every violation of the page's Content-Security-Policy to the test. */
const CSP_LISTENER = `
addEventListener("securitypolicyviolation", (event) => {
  globalThis.__sluiceE2eViolation?.(
    event.violatedDirective + " blocked " + (event.blockedURI || "(inline)") + " at " + event.sourceFile + ":" + event.lineNumber
  )
})
`

const isOwnedBy = (url: string, origin: string): boolean => {
  try {
    return new URL(url).origin === origin
  } catch {
    return false
  }
}

export interface LaunchOptions {
  /**
   * false: the app's page is served with its Content-Security-Policy less
   * `'wasm-unsafe-eval'`, as on a site whose policy forbids WebAssembly; the page then
   * hashes with the pure-JavaScript kernels, and the refusal it provokes is expected.
   */
  readonly webAssembly?: boolean
}

/** The policy refusing WebAssembly, as the CSP listener reports it. */
const WASM_REFUSED = /^CSP violation: script-src blocked wasm-eval /

/**
 * Chromium with a fresh profile (a new temporary user-data-dir, removed on close), its one
 * page at the app. Nothing is loaded yet: call `page.goto(origin)`.
 */
export const launchApp = async (origin: string, options: LaunchOptions = {}): Promise<AppSession> => {
  const profile = await mkdtemp(join(tmpdir(), "sluice-e2e-profile-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    serviceWorkers: "allow"
  })
  const requests: Array<RequestRecord> = []
  const failedRequests: Array<string> = []
  const problems: Array<string> = []

  context.on("requestfailed", (request) => {
    const error = request.failure()?.errorText
    // A request of the app's own that the page itself cancelled (a reload or a new address
    // while a lazily loaded chunk was on its way) did not fail: anything else did, and any
    // request beyond the origin is caught by the request log whatever its outcome.
    if (error === "net::ERR_ABORTED" && request.url().startsWith(`${origin}/`)) return
    failedRequests.push(`${request.url()}: ${error}`)
  })
  context.on("request", (request) => {
    const by = request.serviceWorker() !== null ? "service worker" : "page"
    requests.push({ url: request.url(), by, resourceType: request.resourceType() })
  })
  await context.exposeBinding("__sluiceE2eViolation", (_source, text: string) => {
    problems.push(`CSP violation: ${text}`)
  })
  await context.addInitScript(CSP_LISTENER)
  if (options.webAssembly === false) {
    await context.route(`${origin}/`, async (route) => {
      const response = await route.fetch()
      const html = (await response.text()).replace(" 'wasm-unsafe-eval'", "")
      if (html.includes("wasm-unsafe-eval")) throw new Error("the page's policy still allows WebAssembly")
      await route.fulfill({ response, body: html })
    })
  }

  const watchPage = (page: Page) => {
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`))
    const onConsole = (where: string) => (message: ConsoleMessage) => {
      if (message.type() === "error") problems.push(`console error in the ${where}: ${message.text()}`)
    }
    page.on("console", onConsole("page"))
    page.on("worker", (worker) => worker.on("console", onConsole(`worker ${worker.url()}`)))
  }
  context.on("page", watchPage)
  for (const page of context.pages()) watchPage(page)
  context.on("serviceworker", (worker) => worker.on("console", onServiceWorkerConsole(problems)))

  const page = context.pages()[0] ?? await context.newPage()
  return {
    context,
    page,
    origin,
    requests,
    failedRequests,
    problems,
    foreignRequests: () => requests.filter((request) => !isOwnedBy(request.url, origin)),
    expectedProblems: options.webAssembly === false ? [WASM_REFUSED] : [],
    close: async () => {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    }
  }
}

const onServiceWorkerConsole = (problems: Array<string>) => (message: ConsoleMessage) => {
  if (message.type() === "error") problems.push(`console error in the service worker: ${message.text()}`)
}

/**
 * Loads the app and waits until it says where hashing runs (the worker pool is up) and, unless
 * `settled` is false, until its offline copy is made (the service worker active). The app
 * makes that copy once no file has hashed for 0.5 s (src/start.tsx), ~0.5 s of Chromium's CPU
 * beside whatever runs then: the tests run on a settled page, as a user's is after its first
 * seconds, and a test of that wait itself asks for none.
 */
export const loadApp = async (session: AppSession, { settled = true }: { readonly settled?: boolean } = {}): Promise<void> => {
  await session.page.goto(session.origin, { waitUntil: "load" })
  await session.page.getByRole("heading", { name: "Sluice", level: 1 }).waitFor()
  await session.page.getByText(/kernels\)\.$/).waitFor({ timeout: 20_000 })
  if (!settled) return
  const active = await session.page.evaluate((ms) =>
    Promise.race([navigator.serviceWorker.ready.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]), 20_000)
  if (!active) throw new Error("the app's service worker was not active 20 s after the app was ready")
}

// --- The page ----------------------------------------------------------------------------

/** A file's row in the list (its accessible name is the file's path). */
export const rowOf = (page: Page, name: string): Locator =>
  page.getByRole("list", { name: "Files", exact: true }).getByRole("listitem", { name, exact: true })

/** The words an element holds, as written (not as CSS transforms them), spaces collapsed. */
export const wordsOf = async (locator: Locator): Promise<string> =>
  ((await locator.textContent()) ?? "").replace(/\s+/g, " ").trim()

/** The row's status word: Waiting, Hashing, Done, Failed, Cancelled, Verified or Mismatch. */
export const statusOf = (page: Page, name: string): Locator => rowOf(page, name).locator(".row-head .status")

/** The hex digest a finished row shows for an algorithm, by its label ("SHA-256", "BLAKE3"). */
export const digestShown = async (page: Page, name: string, label: string): Promise<string> =>
  (await rowOf(page, name).locator(".digest").filter({ has: page.locator("dt").getByText(label, { exact: true }) })
    .locator("code.hex").textContent())?.trim() ?? ""

/** Waits until the row says `status` (or fails with what it says instead). */
export const waitForStatus = async (page: Page, name: string, status: string, timeout = 60_000): Promise<void> => {
  await statusOf(page, name).getByText(status, { exact: true }).waitFor({ timeout })
}

/** Ticks exactly these algorithms (by label), unticking the others. */
export const chooseAlgorithms = async (page: Page, labels: ReadonlyArray<string>): Promise<void> => {
  const boxes = page.getByRole("group", { name: "Algorithms" }).getByRole("checkbox")
  // Tick first, so that the picker never refuses to untick the last one.
  for (const label of labels) await page.getByRole("checkbox", { name: label, exact: true }).check()
  for (const box of await boxes.all()) {
    const label = (await box.locator("xpath=..").innerText()).replace(/\s*legacy$/, "").trim()
    if (!labels.includes(label)) await box.uncheck()
  }
}

/** Picks files through the drop zone's file input, as "Choose files" does. */
export const pickFiles = async (page: Page, paths: ReadonlyArray<string>): Promise<void> => {
  await page.getByTestId("pick-files").setInputFiles([...paths])
}

/** Empties the list of every finished, failed or cancelled row ("Clear finished"), if there is one. */
export const clearFinished = async (page: Page): Promise<void> => {
  const button = page.getByRole("button", { name: "Clear finished" })
  if (await button.count() === 0 || await button.isDisabled()) return
  await button.click()
  await page.getByRole("list", { name: "Files", exact: true }).waitFor({ state: "detached" })
}

/**
 * A `DataTransfer` in the page holding these files, as a drag from the desktop carries them:
 * pass it to `locator.dispatchEvent("drop", { dataTransfer })`.
 */
export const dataTransferOf = (
  page: Page,
  files: ReadonlyArray<{ readonly name: string; readonly bytes: Uint8Array }>
): Promise<JSHandle<DataTransfer>> =>
  page.evaluateHandle((list) => {
    const transfer = new DataTransfer()
    for (const { base64, name } of list) {
      const binary = atob(base64)
      const bytes = new Uint8Array(binary.length)
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
      transfer.items.add(new File([bytes], name, { type: "application/octet-stream" }))
    }
    return transfer
  }, files.map(({ bytes, name }) => ({ name, base64: Buffer.from(bytes).toString("base64") })))

/**
 * Drops files or folders from disk on the drop zone as the desktop would (a CDP drag with
 * real paths): folders arrive as directory entries, walked by the page.
 */
export const dropPaths = async (session: AppSession, paths: ReadonlyArray<string>): Promise<void> => {
  const { page } = session
  const box = await page.locator("section.dropzone").boundingBox()
  if (box === null) throw new Error("the drop zone is not on screen")
  const cdp = await session.context.newCDPSession(page)
  try {
    const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 }
    const data = { items: [], files: [...paths], dragOperationsMask: 1 }
    for (const type of ["dragEnter", "dragOver", "drop"] as const) {
      await cdp.send("Input.dispatchDragEvent", { type, ...at, data })
    }
  } finally {
    await cdp.detach()
  }
}

export const screenshot = async (page: Page, name: string): Promise<string> => {
  await mkdir(SCREENSHOTS_DIR, { recursive: true })
  const path = join(SCREENSHOTS_DIR, name)
  await page.screenshot({ path, fullPage: true })
  return path
}

// --- Files and native tools --------------------------------------------------------------

export const makeTempDir = (): Promise<string> => mkdtemp(join(tmpdir(), "sluice-e2e-files-"))

/** A test file's browser, on a build served for it alone, and a folder for its files. */
export interface E2eSession {
  readonly app: AppSession
  readonly served: Served
  readonly files: string
}

/**
 * Serves the build, launches Chromium on it (and opens the app, unless `load` is false)
 * before the file's tests; closes and removes everything after them.
 */
export const useAppSession = (options: { readonly load?: boolean } & LaunchOptions = {}): E2eSession => {
  let app: AppSession | undefined
  let served: Served | undefined
  let files: string | undefined
  beforeAll(async () => {
    files = await makeTempDir()
    served = await serveDist()
    app = await launchApp(served.origin, options)
    if (options.load !== false) await loadApp(app)
  })
  afterAll(async () => {
    await app?.close()
    await served?.close()
    if (files !== undefined) await rm(files, { recursive: true, force: true })
  })
  const ready = <A>(value: A | undefined, what: string): A => {
    if (value === undefined) throw new Error(`the e2e session has no ${what} yet (used outside a test?)`)
    return value
  }
  return {
    get app() {
      return ready(app, "browser")
    },
    get served() {
      return ready(served, "server")
    },
    get files() {
      return ready(files, "folder")
    }
  }
}

/** `size` random bytes, written in 1 MiB pieces. */
export const writeRandomFile = async (path: string, size: number): Promise<string> => {
  const handle = await open(path, "w")
  try {
    for (let written = 0; written < size;) {
      const piece = randomBytes(Math.min(MiB, size - written))
      await handle.write(piece)
      written += piece.length
    }
  } finally {
    await handle.close()
  }
  return path
}

/** A file of `size` zero bytes made at once (a sparse file): large files without the wait. */
export const writeSparseFile = async (path: string, size: number): Promise<string> => {
  await writeFile(path, "")
  const handle = await open(path, "r+")
  try {
    await handle.truncate(size)
  } finally {
    await handle.close()
  }
  return path
}

/** The digest a coreutils-style tool prints for a file: `sha256sum`, `b3sum`. */
export const nativeDigest = async (tool: "sha256sum" | "b3sum", path: string): Promise<string> => {
  const { stdout } = await run(tool, [path])
  const hex = stdout.trim().split(/\s+/)[0] ?? ""
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${tool} printed ${JSON.stringify(stdout)}`)
  return hex
}

/** Runs a tool in a folder and returns what it printed: `sha256sum a b c` for a SHA256SUMS. */
export const runIn = async (cwd: string, tool: string, args: ReadonlyArray<string>): Promise<string> =>
  (await run(tool, [...args], { cwd })).stdout

// --- What every test checks ---------------------------------------------------------------

/**
 * The app made no request outside its own origin (the page, its workers and its service
 * worker alike), violated no Content-Security-Policy directive, and threw no error.
 */
export const expectClean = (session: AppSession): void => {
  expect(session.foreignRequests(), "requests to another origin").toEqual([])
  expect(
    session.problems.filter((problem) => !session.expectedProblems.some((expected) => expected.test(problem))),
    "errors and policy violations"
  ).toEqual([])
  expect(session.failedRequests, "requests that failed").toEqual([])
}
