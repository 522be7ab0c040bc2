/**
 * The Performance view: live charts of this page's hashing, what the pool is doing, what
 * the jobs added up to, and recommendations from core's rules. It polls only while it is
 * shown (PerformanceMonitor); loaded on first use, so the charting library costs the
 * Files view nothing.
 */
import type { Recommendation } from "@sluice/core"
import { useEffect, useId, useRef, useSyncExternalStore } from "react"
import { useAnnounce } from "../components/Announcer.js"
import { ALGORITHM_LABEL, formatBytes, formatCount, formatMs, formatRate } from "../format.js"
import PerformanceCharts from "./PerformanceCharts.js"
import { type PerformanceMonitor, type PerformanceView, POLL_MS } from "./PerformanceMonitor.js"
import { cacheHitRate } from "./points.js"

const BREAKER_LABEL = { closed: "closed (workers in use)", "half-open": "half-open (trying a worker)", open: "open (work on this page)" }

const percent = (fraction: number) => `${Math.round(fraction * 100)} %`
const count = (n: number) => formatCount(n)

interface FigureProps {
  readonly name: string
  readonly label: string
  readonly text: string
  readonly value: number | undefined
}

const dataOf = (name: string, value: number | undefined) => ({ "data-figure": name, "data-value": value === undefined ? "" : String(value) })

/** A figure the tests and the bench read by name: its words for people, its number as data. */
const Figure = ({ label, name, text, value }: FigureProps) => (
  <div className="figure" {...dataOf(name, value)}>
    <dt>{label}</dt>
    <dd className="figure-value">{text}</dd>
  </div>
)

/** A chart's caption: what it shows and its latest figure, in words. */
const Caption = ({ detail, label, name, text, value }: FigureProps & { readonly detail?: string | undefined }) => (
  <span className="figure" {...dataOf(name, value)}>
    <span className="figure-label">{label}</span> <span className="figure-value">{text}</span>
    <span className="figure-detail">{detail ?? "\u00a0"}</span>
  </span>
)

/** Says each recommendation once, as it first appears (not those already there when the view opened). */
const useAnnounceNew = (recommendations: ReadonlyArray<Recommendation>, ready: boolean) => {
  const announce = useAnnounce()
  const seen = useRef<Set<string> | undefined>(undefined)
  useEffect(() => {
    if (!ready) return
    if (seen.current === undefined) {
      seen.current = new Set(recommendations.map((r) => r.id))
      return
    }
    for (const r of recommendations) {
      if (seen.current.has(r.id)) continue
      seen.current.add(r.id)
      announce(`Recommendation: ${r.message}`)
    }
  }, [announce, ready, recommendations])
}

const captionsOf = (view: PerformanceView) => {
  const last = view.points.at(-1)
  const peak = view.points.reduce((m, p) => Math.max(m, p.mbPerSecond), 0)
  const snapshot = view.latest!.snapshot
  const heap = snapshot.memory["heap"]
  const hits = cacheHitRate(snapshot)
  const longTasks = snapshot.longTaskMs
  const bytesPerSecond = (last?.mbPerSecond ?? 0) * 1e6
  return {
    throughput: (
      <Caption name="throughput" label="Throughput" text={formatRate(bytesPerSecond)} value={bytesPerSecond} detail={`peak ${formatRate(peak * 1e6)}`} />
    ),
    busy: (
      <Caption
        name="utilisation"
        label="Workers busy"
        text={`${Math.round(last?.busyPercent ?? 0)} %`}
        value={last === undefined ? undefined : last.busyPercent / 100}
        detail={`of ${count(snapshot.pool.workers)} alive`}
      />
    ),
    heap: (
      <Caption
        name="heap"
        label="JS heap"
        text={heap === undefined ? "not told" : formatBytes(heap)}
        value={heap}
        detail={heap === undefined ? "by this browser" : "this page's, not its workers'"}
      />
    ),
    longTasks: (
      <Caption
        name="long-tasks"
        label="Long tasks"
        text={longTasks.count === 0 ? "none" : count(longTasks.count)}
        value={longTasks.count}
        detail={longTasks.count === 0 ? "over 50 ms" : `longest ${formatMs(longTasks.max)}`}
      />
    ),
    cache: (
      <Caption
        name="cache-hits"
        label="Cache hits"
        text={hits === undefined ? "no lookup yet" : percent(hits)}
        value={hits}
        detail={hits === undefined ? undefined : "of lookups so far"}
      />
    )
  }
}

export interface PerformancePageProps {
  readonly monitor: PerformanceMonitor
}

const PerformancePage = ({ monitor }: PerformancePageProps) => {
  const id = useId()
  const view = useSyncExternalStore(monitor.subscribe, monitor.getView)
  const { calibration, job, latest, pool, recommendations } = view
  useAnnounceNew(recommendations, latest !== undefined)
  const snapshot = latest?.snapshot
  const heading = (name: string) => `${id}-${name}`

  return (
    <section className="performance" aria-labelledby={heading("title")} data-readings={view.readings}>
      <div className="performance-head">
        <h2 id={heading("title")}>Performance</h2>
        <p className="hint">
          This page&apos;s hashing, measured every {POLL_MS / 1000} s while this view is open; the charts show the
          last 48 seconds.
        </p>
      </div>

      {snapshot === undefined ? <p className="hint">Reading the first figures…</p> : (
        <>
          <PerformanceCharts points={view.points} now={latest!.at} captions={captionsOf(view)} />

          <div className="performance-panels">
            <section className="panel" aria-labelledby={heading("recommendations")}>
              <h3 id={heading("recommendations")}>Recommendations</h3>
              {recommendations.length === 0 ? (
                <p className="hint">Nothing to change: no rule found anything in what was measured.</p>
              ) : (
                <ul className="recommendations">
                  {recommendations.map((r) => (
                    <li key={r.id} className={`recommendation ${r.severity}`} data-recommendation={r.id}>
                      <span className="badge">{r.severity === "warning" ? "Warning" : "Tip"}</span> {r.message}
                    </li>
                  ))}
                </ul>
              )}
            </section>

            <section className="panel" aria-labelledby={heading("pool")}>
              <h3 id={heading("pool")}>Pool</h3>
              <dl className="facts">
                <Figure
                  name="pool"
                  label="Hashing on"
                  text={pool === undefined
                    ? "…"
                    : pool.kind === "workers"
                    ? `Web Workers (up to ${pool.size}), ${pool.kernel === "wasm" ? "WebAssembly" : "JavaScript"} kernels`
                    : `this page's thread, ${pool.kernel === "wasm" ? "WebAssembly" : "JavaScript"} kernels`}
                  value={pool?.size}
                />
                <Figure name="workers" label="Workers alive" text={count(snapshot.pool.workers)} value={snapshot.pool.workers} />
                <Figure name="queue" label="Tasks waiting for a worker" text={count(snapshot.pool.queueDepth)} value={snapshot.pool.queueDepth} />
                <Figure name="retries" label="Tasks retried" text={count(snapshot.pool.retries)} value={snapshot.pool.retries} />
                <Figure name="restarts" label="Workers replaced" text={count(snapshot.pool.restarts)} value={snapshot.pool.restarts} />
                <Figure name="fallback" label="Tasks run on this page" text={count(snapshot.pool.fallbackTasks)} value={snapshot.pool.fallbackTasks} />
                <Figure name="breaker" label="Circuit breaker" text={BREAKER_LABEL[snapshot.pool.breaker]} value={undefined} />
                <Figure
                  name="task-time"
                  label="Time per task (median, 95th percentile)"
                  text={snapshot.taskMs.count === 0 ? "no task yet" : `${formatMs(snapshot.taskMs.p50)}, ${formatMs(snapshot.taskMs.p95)}`}
                  value={snapshot.taskMs.count}
                />
              </dl>
            </section>

            <section className="panel" aria-labelledby={heading("totals")}>
              <h3 id={heading("totals")}>Since the page opened</h3>
              <dl className="facts">
                <Figure name="files-hashed" label="Files hashed" text={count(snapshot.files.hashed)} value={snapshot.files.hashed} />
                <Figure name="files-cached" label="Files from the cache" text={count(snapshot.files.cached)} value={snapshot.files.cached} />
                <Figure name="files-failed" label="Files failed" text={count(snapshot.files.failed)} value={snapshot.files.failed} />
                <Figure name="bytes" label="Read and hashed" text={formatBytes(snapshot.bytes)} value={snapshot.bytes} />
                {job !== undefined ? (
                  <Figure
                    name="job"
                    label={job.running ? "This job so far" : "The last job"}
                    text={`${formatMs(job.rates.seconds * 1000)} at ${formatRate(job.rates.bytesPerSecond)}, workers busy ${percent(job.rates.utilisation)}`}
                    value={job.rates.bytesPerSecond}
                  />
                ) : null}
              </dl>
            </section>

            <section className="panel" aria-labelledby={heading("speed")}>
              <h3 id={heading("speed")}>Speed here</h3>
              {calibration === undefined ? (
                <p className="hint">
                  {pool?.kind === "inline"
                    ? "Not measured: hashing runs on this page's thread, where measuring would make the page stutter."
                    : "Measured on a worker when nothing is hashing."}
                </p>
              ) : (
                <>
                  <p className="hint">One worker, 4 MiB from memory per algorithm.</p>
                  <dl className="facts" data-calibrated="true">
                    {Object.entries(calibration).map(([algorithm, speed]) => (
                      <Figure
                        key={algorithm}
                        name={`speed-${algorithm}`}
                        label={ALGORITHM_LABEL[algorithm as keyof typeof ALGORITHM_LABEL] ?? algorithm}
                        text={formatRate(speed)}
                        value={speed}
                      />
                    ))}
                  </dl>
                </>
              )}
            </section>
          </div>
        </>
      )}
    </section>
  )
}

export default PerformancePage
