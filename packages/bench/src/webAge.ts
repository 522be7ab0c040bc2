/// <reference lib="dom" />
/**
 * The age scenario in headless Chromium (`web-age`): the web app's Encrypt / Decrypt tool
 * against typage (npm `age-encryption`, bundled from the web package's node_modules and
 * served by the bench's preview server, src/browser.ts) run in the same page, on the same
 * file, each streaming its output to a file of the origin's private file system through a
 * FileSystemWritableFileStream (the tool's File System Access path: its save picker answers
 * with that file). Round by round: Sluice encrypts (X25519), typage encrypts, Sluice
 * decrypts typage's file, typage decrypts Sluice's: so each also checks the other's output.
 * The main thread's long tasks are observed while Sluice runs (typage runs on the main
 * thread, as a page using it does, and is not judged; its garbage is collected through
 * CDP before each of Sluice's runs, so a collection of it is not counted as the tool's
 * long task). Chromium's CPU is reported beside each time. The first round checks the
 * decrypted files' SHA-256 against the input's.
 *
 * `WEBAGE_PROFILE=PREFIX` (a diagnosis, not a figure: it adds the profiler's cost) writes a
 * CPU profile of the page's main thread over each of Sluice's runs to
 * `PREFIX-MODE-TIME.cpuprofile` and prints when each long task began after the click.
 * `WEBAGE_THREADS=1` prints the CPU each of Chromium's threads used over each run (/proc,
 * by process type and thread name; threads that ended during the run are not counted).
 */
import { createHash } from "node:crypto"
import { createReadStream, readdirSync, readFileSync } from "node:fs"
import { basename } from "node:path"
import { chromiumCpuMs, chromiumPids, type LongState, type Page, rendererMainCpuMs, TYPAGE_PATH, watchLongTasks, type WebSession } from "./browser.js"
import type { CommandFigures } from "./budgets.js"
import type { CommandResult, ExecuteContext, ScenarioResult } from "./execute.js"
import { inputKey, totalBytes, warmFiles } from "./inputs.js"
import { median } from "./measure.js"
import type { CommandSpec } from "./scenarios.js"
import { cpuNote, type WebSessions } from "./web.js"

type ResultOf = (c: CommandSpec, figures: Partial<CommandFigures> & { note?: string; samples?: Array<{ seconds: number }> }) => CommandResult

/** The pickers of the page answer with files of the origin private file system (OPFS). */
const OPFS_PICKERS = () => {
  Object.defineProperty(globalThis, "showSaveFilePicker", {
    configurable: true,
    value: async ({ suggestedName }: { suggestedName: string }) => (await navigator.storage.getDirectory()).getFileHandle(suggestedName, { create: true })
  })
  Object.defineProperty(globalThis, "showDirectoryPicker", { configurable: true, value: async () => navigator.storage.getDirectory() })
}

const sha256File = (path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256")
    createReadStream(path).on("data", (chunk) => hash.update(chunk)).on("error", reject).on("end", () => resolve(hash.digest("hex")))
  })

export interface AgeRun {
  readonly seconds: number
  readonly cpuMs: number
  /** Long tasks (ms) while it ran: Sluice's runs only. */
  readonly longTasks: ReadonlyArray<number>
  readonly longestFrameMs: number
  /** CPU of the page's main thread over the run (ms, /proc: the renderer main thread that used most), if known. */
  readonly mainCpuMs?: number
}

/** CPU (ms) of every thread of the Chromium of `profile`: key "TYPE pid/tid NAME". */
const threadCpuMs = (profile: string): Map<string, number> => {
  const cpu = new Map<string, number>()
  for (const pid of chromiumPids(profile)) {
    let type = "browser"
    try {
      type = /--type=(\S+)/.exec(readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " "))?.[1] ?? "browser"
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8")
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
        cpu.set(`${type} ${pid}/${tid} ${comm}`, (Number(fields[11]) + Number(fields[12])) * 10)
      }
    } catch {
      // gone in between
    }
  }
  return cpu
}

/** The threads that used >= 20 ms between two `threadCpuMs`, most first. */
const threadDelta = (before: Map<string, number>, after: Map<string, number>): string =>
  [...after].map(([k, ms]) => [k, ms - (before.get(k) ?? 0)] as const).filter(([, ms]) => ms >= 20)
    .sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${ms}`).join("; ")

type DoneState = { done?: number; failed?: string }

/** Runs in the page: the moment the tool's row of `name` says Done (or Failed, with its message). */
const watchRow = (name: string): void => {
  const state: DoneState = {}
  ;(globalThis as unknown as { __sluiceBenchAge: DoneState }).__sluiceBenchAge = state
  const observer = new MutationObserver(() => {
    const row = Array.from(document.querySelectorAll("ul.age-rows > li")).find((li) => li.getAttribute("aria-label") === name)
    const status = row?.getAttribute("data-status")
    if (status === "done") state.done = performance.now()
    else if (status === "failed" || status === "cancelled") state.failed = row?.querySelector(".error")?.textContent ?? status
    else return
    observer.disconnect()
  })
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] })
}

/** The tool's input set to `file` (a File the page holds in `globalThis[key]`). */
const pickInPage = (page: Page, key: string) =>
  page.evaluate((k: string) => {
    const file = (globalThis as unknown as Record<string, File>)[k]!
    const transfer = new DataTransfer()
    transfer.items.add(file)
    const input = document.querySelector('[data-testid="age-pick-files"]') as HTMLInputElement
    input.files = transfer.files
    input.dispatchEvent(new Event("change", { bubbles: true }))
  }, key)

/** An OPFS file as a File in `globalThis[key]` (undefined when missing). */
const opfsAsFile = (page: Page, name: string, key: string) =>
  page.evaluate(async ({ name, key }: { name: string; key: string }) => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle(name)).getFile()
    ;(globalThis as unknown as Record<string, File>)[key] = file
    return file.size
  }, { name, key })

const removeOpfs = (page: Page, names: ReadonlyArray<string>) =>
  page.evaluate(async (list: Array<string>) => {
    const root = await navigator.storage.getDirectory()
    for (const name of list) await root.removeEntry(name).catch(() => undefined)
  }, [...names])

/** One run of the tool: the mode and key set, `key`'s File picked, the click → its row says Done. */
const sluiceRun = async (session: WebSession, options: {
  readonly mode: "Encrypt" | "Decrypt"
  readonly key: string
  readonly rowName: string
  readonly fill: (page: Page) => Promise<void>
  readonly timeoutMs: number
}): Promise<AgeRun> => {
  const { page } = session
  // typage ran on this page's main thread just before: its garbage is collected now, not
  // as a long task billed to the tool (a page using only the tool never has it).
  const cdp = await session.context.newCDPSession(page)
  try {
    await cdp.send("HeapProfiler.collectGarbage")
  } finally {
    await cdp.detach()
  }
  await page.getByRole("radio", { name: options.mode, exact: true }).check()
  await pickInPage(page, options.key)
  await options.fill(page)
  await page.evaluate(watchRow, options.rowName)
  await page.evaluate(watchLongTasks, { name: "__sluiceBenchAgeLong", buffered: false })
  const threadsBefore = process.env["WEBAGE_THREADS"] === undefined ? undefined : threadCpuMs(session.profile)
  const cpuBefore = chromiumCpuMs(session.profile)
  const mainBefore = rendererMainCpuMs(session.profile)
  const profiling = process.env["WEBAGE_PROFILE"] === undefined ? undefined : await session.context.newCDPSession(page)
  if (profiling !== undefined) {
    await profiling.send("Profiler.enable")
    await profiling.send("Profiler.setSamplingInterval", { interval: 500 })
    await profiling.send("Profiler.start")
  }
  const started = await page.evaluate(() => performance.now())
  await page.getByRole("button", { name: options.mode, exact: true }).click({ timeout: 5_000 })
  await page.waitForFunction(() => {
    const s = (globalThis as unknown as { __sluiceBenchAge: DoneState }).__sluiceBenchAge
    return s.done !== undefined || s.failed !== undefined
  }, undefined, { timeout: options.timeoutMs, polling: 50 })
  const cpuMs = chromiumCpuMs(session.profile) - cpuBefore
  if (threadsBefore !== undefined) process.stderr.write(`  Sluice ${options.mode} ${Math.round(cpuMs)} ms CPU, threads: ${threadDelta(threadsBefore, threadCpuMs(session.profile))}\n`)
  if (profiling !== undefined) {
    const { profile } = await profiling.send("Profiler.stop")
    const { writeFileSync } = await import("node:fs")
    writeFileSync(`${process.env["WEBAGE_PROFILE"]}-${options.mode}-${Date.now()}.cpuprofile`, JSON.stringify(profile))
    await profiling.detach()
  }
  const main = [...rendererMainCpuMs(session.profile)].map(([pid, ms]) => ms - (mainBefore.get(pid) ?? ms))
  const state = await page.evaluate(() => (globalThis as unknown as { __sluiceBenchAge: DoneState }).__sluiceBenchAge)
  if (state.failed !== undefined) throw new Error(`the tool's ${options.mode.toLowerCase()} failed: ${state.failed}`)
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))))
  const seen = await page.evaluate(() => {
    const s = (globalThis as unknown as { __sluiceBenchAgeLong: LongState }).__sluiceBenchAgeLong
    s.until = performance.now()
    return s
  })
  if (process.env["WEBAGE_PROFILE"] !== undefined) {
    process.stderr.write(`  ${options.mode} long tasks (start after click ms/duration): ${seen.tasks.filter((t) => t.start >= seen.since).map((t) => `${Math.round(t.start - started)}/${Math.round(t.duration)}`).join(" ")}; done at ${Math.round(state.done! - started)}\n`)
  }
  return {
    seconds: (state.done! - started) / 1000,
    cpuMs,
    longTasks: seen.tasks.filter((t) => t.start >= seen.since).map((t) => t.duration),
    longestFrameMs: seen.longestFrame,
    ...(main.length === 0 ? {} : { mainCpuMs: Math.max(...main) })
  }
}

/** typage in the page: `from` (an OPFS file) encrypted to `recipient` or decrypted with `identity`, streamed into the OPFS file `to`. */
const typageRun = async (session: WebSession, op: { readonly encrypt: boolean; readonly from: string; readonly to: string; readonly key: string }): Promise<AgeRun> => {
  const threadsBefore = process.env["WEBAGE_THREADS"] === undefined ? undefined : threadCpuMs(session.profile)
  const cpuBefore = chromiumCpuMs(session.profile)
  const seconds = await session.page.evaluate(async ({ encrypt, from, to, key }) => {
    const typage = (globalThis as unknown as { __typage: any }).__typage
    const root = await navigator.storage.getDirectory()
    const input = await (await root.getFileHandle(from)).getFile()
    const writable = await (await root.getFileHandle(to, { create: true })).createWritable()
    const started = performance.now()
    let output: ReadableStream<Uint8Array>
    if (encrypt) {
      const e = new typage.Encrypter()
      e.addRecipient(key)
      output = await e.encrypt(input.stream())
    } else {
      const d = new typage.Decrypter()
      d.addIdentity(key)
      output = await d.decrypt(input.stream())
    }
    await output.pipeTo(writable)
    return (performance.now() - started) / 1000
  }, op)
  const cpuMs = chromiumCpuMs(session.profile) - cpuBefore
  if (threadsBefore !== undefined) process.stderr.write(`  typage ${op.encrypt ? "encrypt" : "decrypt"} ${Math.round(cpuMs)} ms CPU, threads: ${threadDelta(threadsBefore, threadCpuMs(session.profile))}\n`)
  return { seconds, cpuMs, longTasks: [], longestFrameMs: 0 }
}

const opfsSha256 = (page: Page, name: string) =>
  page.evaluate(async (n: string) => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile()
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()))
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")
  }, name)

const r1 = (n: number) => Math.round(n * 10) / 10

export const ageScenario = async (
  web: ReadonlyArray<CommandSpec>,
  ctx: ExecuteContext,
  sessions: WebSessions,
  cli: ScenarioResult,
  result: ResultOf,
  failAll: (error: string) => ScenarioResult
): Promise<ScenarioResult> => {
  const input = web[0]!.input(ctx.size)
  const bytes = totalBytes(input)
  const path = ctx.inputs.get(inputKey(input))?.[0]
  if (path === undefined) return failAll("input file not generated")
  // typage runs at ~100 MB/s: a 256 MiB file takes it ~3 s each way; Sluice several times less.
  const timeoutMs = Math.min(ctx.maxTimeoutMs, 30_000 + bytes / 5_000)
  const name = basename(path)
  const files = { plain: name, sluiceAge: `${name}.age`, typageAge: `${name}.typage.age`, sluicePlain: `${name}.typage`, typagePlain: `${name}.back` }
  let page: Page | undefined
  try {
    const session = await sessions.get()
    page = session.page
    warmFiles([path])
    await page.evaluate(() => {
      location.hash = "#/encrypt"
    })
    await page.getByRole("heading", { name: "Encrypt files" }).waitFor({ timeout: 20_000 })
    await page.evaluate(OPFS_PICKERS)
    await page.evaluate(`import(${JSON.stringify(TYPAGE_PATH)}).then((m) => { globalThis.__typage = m })`)
    const { identity, recipient } = await page.evaluate(async () => {
      const typage = (globalThis as unknown as { __typage: any }).__typage
      const id: string = await typage.generateIdentity()
      return { identity: id, recipient: await typage.identityToRecipient(id) as string }
    })
    // The plaintext in OPFS too, so typage reads it as Sluice does (a File of the page).
    await page.evaluate(() => {
      const input = document.createElement("input")
      input.type = "file"
      input.id = "bench-age-input"
      input.hidden = true
      document.body.append(input)
    })
    await page.locator("#bench-age-input").setInputFiles([path])
    await removeOpfs(page, Object.values(files))
    await page.evaluate(async (n: string) => {
      const file = (document.getElementById("bench-age-input") as HTMLInputElement).files![0]!
      const writable = await (await (await navigator.storage.getDirectory()).getFileHandle(n, { create: true })).createWritable()
      await file.stream().pipeTo(writable)
      ;(globalThis as unknown as Record<string, File>)["__benchPlain"] = file
    }, files.plain)

    const runs = { enc: [] as Array<AgeRun>, typageEnc: [] as Array<AgeRun>, dec: [] as Array<AgeRun>, typageDec: [] as Array<AgeRun> }
    let checked = ""
    for (let i = 0; i < ctx.runs; i++) {
      await removeOpfs(page, [files.sluiceAge, files.typageAge, files.sluicePlain, files.typagePlain])
      const enc = await sluiceRun(session, {
        mode: "Encrypt",
        key: "__benchPlain",
        rowName: name,
        timeoutMs,
        fill: async (p) => {
          await p.getByRole("radio", { name: "Recipients", exact: true }).check()
          await p.getByLabel(/^Recipients, one a line/).fill(recipient)
        }
      })
      const typageEnc = await typageRun(session, { encrypt: true, from: files.plain, to: files.typageAge, key: recipient })
      await opfsAsFile(page, files.typageAge, "__benchTypageAge")
      // Sluice's output is named NAME (the input's name less .age): typage's file is picked as NAME.typage.age.
      const dec = await sluiceRun(session, {
        mode: "Decrypt",
        key: "__benchTypageAge",
        rowName: files.typageAge,
        timeoutMs,
        fill: (p) => p.getByLabel(/^Identities, one a line/).fill(identity)
      })
      const typageDec = await typageRun(session, { encrypt: false, from: files.sluiceAge, to: files.typagePlain, key: identity })
      runs.enc.push(enc)
      runs.typageEnc.push(typageEnc)
      runs.dec.push(dec)
      runs.typageDec.push(typageDec)
      ctx.log(
        `  run ${i + 1}/${ctx.runs} web age: encrypt Sluice ${enc.seconds.toFixed(3)} s / typage ${typageEnc.seconds.toFixed(3)} s ` +
          `(${(typageEnc.seconds / enc.seconds).toFixed(2)}x), decrypt Sluice ${dec.seconds.toFixed(3)} s / typage ${typageDec.seconds.toFixed(3)} s ` +
          `(${(typageDec.seconds / dec.seconds).toFixed(2)}x); Sluice long tasks ${[...enc.longTasks, ...dec.longTasks].map((t) => `${r1(t)} ms`).join(", ") || "none"}; ` +
          `Chromium CPU enc ${r1(enc.cpuMs)} / ${r1(typageEnc.cpuMs)} ms, dec ${r1(dec.cpuMs)} / ${r1(typageDec.cpuMs)} ms; ` +
          `page main thread CPU enc ${enc.mainCpuMs ?? "?"} ms, dec ${dec.mainCpuMs ?? "?"} ms`
      )
      if (i === 0) {
        const expected = await sha256File(path)
        const [sluicePlain, typagePlain] = [await opfsSha256(page, files.sluicePlain), await opfsSha256(page, files.typagePlain)]
        if (sluicePlain !== expected) throw new Error(`Sluice's decryption of typage's file has SHA-256 ${sluicePlain}, the input ${expected}`)
        if (typagePlain !== expected) throw new Error(`typage's decryption of Sluice's file has SHA-256 ${typagePlain}, the input ${expected}`)
        checked = "; round 1 checked: Sluice decrypted typage's file and typage Sluice's, both to the input's SHA-256"
      }
    }
    await removeOpfs(page, Object.values(files))
    const figures = (list: ReadonlyArray<AgeRun>, note: string): Partial<CommandFigures> & { note: string; samples: Array<{ seconds: number }> } => {
      const seconds = median(list.map((r) => r.seconds))
      return {
        samples: list.map((r) => ({ seconds: r.seconds })),
        seconds,
        minSeconds: Math.min(...list.map((r) => r.seconds)),
        maxSeconds: Math.max(...list.map((r) => r.seconds)),
        mbPerSec: bytes / seconds / 1e6,
        note: `${note}; ${cpuNote(list)}`
      } as Partial<CommandFigures> & { note: string; samples: Array<{ seconds: number }> }
    }
    const byId = (id: string) => web.find((c) => c.id === id)!
    const tasks = [...runs.enc, ...runs.dec].flatMap((r) => r.longTasks)
    const frames = [...runs.enc, ...runs.dec].map((r) => r.longestFrameMs)
    if (session.problems.length > 0) ctx.log(`  page problems: ${session.problems.join(" | ")}`)
    return {
      ...cli,
      commands: {
        ...cli.commands,
        web_age_enc: result(byId("web_age_enc"), figures(runs.enc, `click on Encrypt → the row says Done (page clock), X25519, to an OPFS file through FileSystemWritableFileStream${checked}`)),
        typage_enc: result(byId("typage_enc"), figures(runs.typageEnc, "typage Encrypter.encrypt(File.stream()) piped to an OPFS file, on the page's main thread")),
        web_age_dec: result(byId("web_age_dec"), figures(runs.dec, "click on Decrypt (typage's file) → the row says Done (page clock), to an OPFS file")),
        typage_dec: result(byId("typage_dec"), figures(runs.typageDec, "typage Decrypter.decrypt(File.stream()) of Sluice's file piped to an OPFS file, on the page's main thread")),
        web_age_longtask: result(byId("web_age_longtask"), {
          samples: [...runs.enc, ...runs.dec].map((r) => ({ seconds: r.seconds })),
          ms: Math.max(0, ...tasks),
          note: `${tasks.length} long task(s) (>= 50 ms) in ${runs.enc.length + runs.dec.length} Sluice run(s) (encrypt and decrypt), observed from the click; 0 ms = none; ` +
            `longest frame interval ${r1(Math.max(0, ...frames))} ms; page main thread CPU per run ` +
            `${[...runs.enc, ...runs.dec].map((r) => r.mainCpuMs === undefined ? "?" : `${r.mainCpuMs} ms`).join(", ")} (/proc, encrypt runs then decrypt runs)`
        })
      }
    }
  } catch (error) {
    const message = (error as Error).message.split("\n")[0] ?? String(error)
    ctx.log(`  web age: ${message}`)
    if (page !== undefined) await removeOpfs(page, Object.values(files)).catch(() => undefined)
    return failAll(`the browser probe failed: ${message}`)
  } finally {
    await page?.evaluate(() => {
      document.getElementById("bench-age-input")?.remove()
      location.hash = "#/hash"
    }).catch(() => undefined)
  }
}
