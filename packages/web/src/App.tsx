import type { HashAlgorithm } from "@sluice/core"
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react"
import { useAnnounce } from "./components/Announcer.js"
import { AlgorithmPicker } from "./components/AlgorithmPicker.js"
import { DropZone } from "./components/DropZone.js"
import { ExportPanel } from "./components/ExportPanel.js"
import { FileList } from "./components/FileList.js"
import { JobSummary, totals } from "./components/JobSummary.js"
import { PoolStatus, type SubscribeHealth } from "./components/PoolStatus.js"
import { SettingsPanel, type SettingsPanelProps } from "./components/SettingsPanel.js"
import { TextHasher } from "./components/TextHasher.js"
import { UnfinishedPanel, type UnfinishedPanelProps } from "./components/UnfinishedPanel.js"
import { VerifyPanel } from "./components/VerifyPanel.js"
import { panelId, tabId, type View, ViewTabs, useView } from "./components/ViewTabs.js"
import type { Collected } from "./files/collectFiles.js"
import { formatPercent } from "./format.js"
import { useHashJobs, useHashJobsStore } from "./jobs/useHashJobs.js"
import type { PerformanceMonitor } from "./performance/PerformanceMonitor.js"
import type { PoolRuntime } from "./keys/keyJob.js"
import { ToolNav } from "./tools/ToolNav.js"
import { TOOL_VIEWS } from "./tools/toolViews.js"
import { type ToolId, toolOf, TOOLS } from "./tools/tools.js"
import { useTool } from "./tools/useTool.js"
import { useAlgorithms } from "./useAlgorithms.js"
import { type ExpectedSet, parsePasted } from "./verify/expected.js"

// The charting library loads with the Performance view, not with the page (and each tool
// but Hash when it is first opened: TOOL_VIEWS).
const PerformancePage = lazy(() => import("./performance/PerformancePage.js"))

/** Announces when the last running file finishes, and shows progress in the tab title. */
const useCompletionNotice = (rows: Parameters<typeof totals>[0], title: string) => {
  const announce = useAnnounce()
  const t = totals(rows)
  const wasActive = useRef(false)
  useEffect(() => {
    if (t.active > 0) {
      wasActive.current = true
      document.title = `${formatPercent(t.total === 0 ? 0 : t.bytes / t.total)} · ${title}`
      return
    }
    document.title = title
    if (!wasActive.current) return
    wasActive.current = false
    const parts = [`${t.done} hashed`]
    if (t.failed > 0) parts.push(`${t.failed} failed`)
    if (t.cancelled > 0) parts.push(`${t.cancelled} cancelled`)
    announce(`Finished: ${parts.join(", ")}.`)
  }, [announce, title, t.active, t.bytes, t.total, t.done, t.failed, t.cancelled])
}

/** Whether files are hashing, and how many have finished: when the cache's figures are worth reading again. */
const settledness = (rows: Parameters<typeof totals>[0]) => {
  const t = totals(rows)
  return { busy: t.active > 0, finished: t.done + t.failed + t.cancelled }
}

// A file dropped beside the drop zones would make the browser open it and leave the page.
const useNoStrayDrops = () =>
  useEffect(() => {
    const refuse = (event: DragEvent) => {
      if (event.defaultPrevented) return
      event.preventDefault()
      if (event.dataTransfer !== null) event.dataTransfer.dropEffect = "none"
    }
    window.addEventListener("dragover", refuse)
    window.addEventListener("drop", refuse)
    return () => {
      window.removeEventListener("dragover", refuse)
      window.removeEventListener("drop", refuse)
    }
  }, [])

const usePoolDetail = (pool: Promise<string> | undefined): string | undefined => {
  const [detail, setDetail] = useState<string | undefined>(undefined)
  useEffect(() => {
    let live = true
    void pool?.then((text) => {
      if (live) setDetail(text)
    })
    return () => {
      live = false
    }
  }, [pool])
  return detail
}

export interface AppProps {
  /** Where hashing runs, once the pool is up. */
  readonly pool?: Promise<string>
  /** The pool's health (circuit breaker, restarts), live. */
  readonly health?: SubscribeHealth
  /** Hashes earlier visits left unfinished, to mention and to forget. */
  readonly checkpoints?: UnfinishedPanelProps["checkpoints"]
  /** The result cache, for the Settings panel: its figures, clearing, and whether jobs use it. */
  readonly cache?: Pick<SettingsPanelProps, "cache" | "preference">
  /** The metrics and the page's activity, for the Performance view (without it, no such view). */
  readonly performanceMonitor?: PerformanceMonitor
  /** What the Keys and Derive tools run on: the app's runtime (without it, they say they cannot run). */
  readonly runtime?: PoolRuntime
}

/** The tools opened so far: each stays mounted (hidden) once opened, so a running job goes on while another tool is shown. */
const useOpened = (tool: ToolId): ReadonlySet<ToolId> => {
  const [opened, setOpened] = useState<ReadonlySet<ToolId>>(() => new Set([tool]))
  useEffect(() => {
    setOpened((current) => current.has(tool) ? current : new Set([...current, tool]))
  }, [tool])
  return opened
}

const ToolFallback = () => <p className="hint">Loading the tool…</p>

/** With views, a tab panel each; the Performance view is only drawn (and only polls) while shown. */
const viewPanel = (view: View, shown: View, tabs: boolean) =>
  tabs ? { role: "tabpanel", id: panelId(view), "aria-labelledby": tabId(view), hidden: view !== shown } : {}

export const App = ({ cache, checkpoints, health, performanceMonitor, pool, runtime }: AppProps) => {
  const poolDetail = usePoolDetail(pool)
  const tool = useTool()
  const opened = useOpened(tool)
  const [view, showView] = useView()
  const tabs = performanceMonitor !== undefined
  const shown: View = tabs ? view : "files"
  const jobs = useHashJobsStore()
  const { rows } = useHashJobs()
  const [algorithms, setAlgorithms] = useAlgorithms()
  const [pasted, setPasted] = useState("")
  const [sumsSets, setSumsSets] = useState<ReadonlyArray<ExpectedSet>>([])
  const pastedSet = useMemo(() => parsePasted(pasted), [pasted])
  const expected = useMemo(() => [pastedSet, ...sumsSets], [pastedSet, sumsSets])

  useCompletionNotice(rows, toolOf(tool).title)
  useNoStrayDrops()

  const onFiles = useCallback(({ files, unlisted }: Collected) => {
    jobs.addFiles(files, algorithms)
    for (const { message, path } of unlisted) {
      jobs.addUnreadable(path, {
        title: "This could not be opened: it may have been moved or deleted, or the browser may not be allowed to read it.",
        detail: `${path}: ${message}`
      })
    }
  }, [jobs, algorithms])

  const hashAgainWith = useCallback((algorithm: HashAlgorithm) => {
    setAlgorithms([...algorithms, algorithm])
    for (const row of rows) {
      if (row.status === "done" && row.digests[algorithm] === undefined) jobs.retry(row.id, [...row.algorithms, algorithm])
    }
  }, [algorithms, jobs, rows, setAlgorithms])

  return (
    <div className="app">
      <header className="masthead">
        <h1>Sluice</h1>
        <p>{toolOf(tool).tagline}</p>
        <ToolNav current={tool} />
      </header>
      <main>
        <div className="tool-panel" hidden={tool !== "hash"}>
          {tabs ? <ViewTabs selected={shown} onSelect={showView} /> : null}
          <div className="layout" {...viewPanel("files", shown, tabs)}>
            <div className="primary">
              <AlgorithmPicker selected={algorithms} onChange={setAlgorithms} />
              {checkpoints !== undefined ? <UnfinishedPanel checkpoints={checkpoints} /> : null}
              <DropZone onFiles={onFiles} />
              <JobSummary rows={rows} onCancelAll={jobs.cancelAll} onClearFinished={jobs.clearFinished} />
              <FileList
                rows={rows}
                expected={expected}
                onCancel={jobs.cancel}
                onRetry={jobs.retry}
                onRemove={jobs.remove}
              />
            </div>
            <div className="secondary">
              <VerifyPanel
                rows={rows}
                pasted={pasted}
                pastedSet={pastedSet}
                onPastedChange={setPasted}
                sumsSets={sumsSets}
                onAddSums={(set) => setSumsSets((sets) => [...sets, set])}
                onRemoveSums={(set) => setSumsSets((sets) => sets.filter((s) => s !== set))}
                onHashAgainWith={hashAgainWith}
              />
              <ExportPanel rows={rows} />
              <TextHasher algorithms={algorithms} />
              {cache !== undefined ? (
                <SettingsPanel cache={cache.cache} preference={cache.preference} {...settledness(rows)} />
              ) : null}
            </div>
          </div>
          {tabs ? (
            <div {...viewPanel("performance", shown, tabs)} tabIndex={0} className="view-panel">
              {shown === "performance" && tool === "hash" ? (
                <Suspense fallback={<p className="hint">Loading the charts…</p>}>
                  <PerformancePage monitor={performanceMonitor} />
                </Suspense>
              ) : null}
            </div>
          ) : null}
        </div>
        {TOOLS.map(({ id }) => {
          if (id === "hash" || !opened.has(id)) return null
          const View = TOOL_VIEWS[id]
          return (
            <div key={id} className="tool-panel" hidden={tool !== id}>
              {runtime === undefined ? (
                <p className="hint">This tool needs the page's worker pool, which did not start.</p>
              ) : (
                <Suspense fallback={<ToolFallback />}>
                  <View runtime={runtime} />
                </Suspense>
              )}
            </div>
          )
        })}
      </main>
      <footer className="footer">
        <p>
          Files, keys and passwords stay on this device: the page makes no network request besides loading
          itself, and stores no key or password.
        </p>
        {poolDetail !== undefined ? <p>{poolDetail}</p> : null}
        {health !== undefined ? <PoolStatus subscribe={health} /> : null}
      </footer>
    </div>
  )
}
