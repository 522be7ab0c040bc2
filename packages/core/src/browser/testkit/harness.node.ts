/**
 * Real Chromium for the browser tests: the test page and the worker entry bundled from
 * source for the browser, served under a strict Content-Security-Policy on a loopback port,
 * and driven over CDP. One harness per test file, opened before its tests, closed after.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Browser, chromium, type ConsoleMessage, type Page } from "playwright-core"
import { afterAll, beforeAll } from "vitest"
import { loadEsbuild } from "../../node/esbuild.testkit.js"
import type { PageApi } from "./page.js"

const CHROMIUM = "/usr/bin/chromium"
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'"
/** The same page where WebAssembly is refused, as on a site whose policy lacks `'wasm-unsafe-eval'`. */
const CSP_NO_WASM = "default-src 'self'; script-src 'self'; worker-src 'self'"

const platform = fileURLToPath(new URL("..", import.meta.url))
const html = `<!doctype html><meta charset="utf-8"><title>sluice</title><script type="module" src="/page.js"></script>`

export interface OpenPage {
  readonly page: Page
  readonly requests: Array<string>
  readonly errors: Array<string>
  readonly call: <K extends keyof PageApi>(name: K, ...args: Parameters<PageApi[K]>) => Promise<Awaited<ReturnType<PageApi[K]>>>
}

export interface Harness {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string
  /** Every module the page bundle was built from. */
  readonly inputs: ReadonlyArray<string>
  /** Every path the server was asked for. */
  readonly served: ReadonlyArray<string>
  /** A new page (its own tab) at `path`, once the test page says it is ready. */
  readonly openPage: (path?: string, initScript?: string) => Promise<OpenPage>
}

/** Bundles, serves and launches before the file's tests; closes everything after them. */
export const useBrowserHarness = (): Harness => {
  let server: Server | undefined
  let browser: Browser | undefined
  let origin: string | undefined
  let inputs: Array<string> = []
  const served: Array<string> = []

  beforeAll(async () => {
    const esbuild = await loadEsbuild()
    const bundle = await esbuild.build({
      entryPoints: {
        page: join(platform, "testkit/page.ts"),
        worker: join(platform, "browser-worker.ts"),
        "blob-reader-worker": join(platform, "blob-reader-worker.ts")
      },
      bundle: true,
      format: "esm",
      splitting: true,
      platform: "browser",
      target: "chrome120",
      outdir: "/",
      write: false,
      metafile: true,
      logLevel: "silent"
    })
    inputs = Object.keys(bundle.metafile.inputs)
    const files = new Map(bundle.outputFiles.map((file) => [file.path, file.contents]))
    server = createServer((request, response) => {
      const path = new URL(request.url ?? "/", "http://localhost").pathname
      served.push(path)
      const csp = path.startsWith("/no-wasm/") ? CSP_NO_WASM : CSP
      if (path === "/favicon.ico") {
        response.writeHead(204).end()
        return
      }
      const body = path === "/" || path === "/no-wasm/" ? html : files.get(path)
      if (body === undefined) {
        response.writeHead(404).end()
        return
      }
      response.writeHead(200, {
        "content-type": typeof body === "string" ? "text/html; charset=utf-8" : "text/javascript",
        "content-security-policy": csp,
        "cache-control": "no-store"
      })
      response.end(body)
    })
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // A fresh temporary profile, removed on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync"
      ]
    })
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => server === undefined ? resolve(undefined) : server.close(resolve))
  })

  const openPage = async (path = "/", initScript?: string): Promise<OpenPage> => {
    if (browser === undefined || origin === undefined) throw new Error("the browser harness is not up (used outside a test?)")
    const page = await browser.newPage()
    const requests: Array<string> = []
    const errors: Array<string> = []
    page.on("request", (request) => requests.push(request.url()))
    page.on("pageerror", (error) => errors.push(error.message))
    // Uncaught errors and policy violations, in the page and in its workers.
    const onConsole = (message: ConsoleMessage) => {
      if (message.type() === "error") errors.push(message.text())
    }
    page.on("console", onConsole)
    page.on("worker", (worker) => worker.on("console", onConsole))
    if (initScript !== undefined) await page.addInitScript(initScript)
    await page.goto(origin + path)
    await page.waitForFunction(() => (globalThis as { sluiceReady?: boolean }).sluiceReady === true)
    return {
      page,
      requests,
      errors,
      call: (name, ...args) =>
        page.evaluate(
          ([name, args]) =>
            (globalThis as unknown as { sluice: Record<string, (...a: Array<unknown>) => unknown> }).sluice[name]!(...args),
          [name, args] as const
        ) as never
    }
  }

  return {
    get origin() {
      if (origin === undefined) throw new Error("the browser harness is not up (used outside a test?)")
      return origin
    },
    get inputs() {
      return inputs
    },
    served,
    openPage
  }
}
