import { formatBytes, formatDuration, formatPercent, formatRate } from "../format.js"
import type { HashRow } from "../jobs/HashJobs.js"

export interface Totals {
  readonly files: number
  readonly active: number
  readonly done: number
  readonly failed: number
  readonly cancelled: number
  readonly bytes: number
  readonly total: number
  readonly bytesPerSecond: number
}

/** Bytes of finished and running files over bytes of every file still wanted (cancelled ones drop out). */
export const totals = (rows: ReadonlyArray<HashRow>): Totals => {
  const t = { files: rows.length, active: 0, done: 0, failed: 0, cancelled: 0, bytes: 0, total: 0, bytesPerSecond: 0 }
  for (const row of rows) {
    if (row.status === "queued" || row.status === "hashing") {
      t.active++
      t.bytes += row.bytes
      t.total += row.size
      t.bytesPerSecond += row.status === "hashing" ? row.bytesPerSecond : 0
    } else if (row.status === "done") {
      t.done++
      t.bytes += row.size
      t.total += row.size
    } else if (row.status === "failed") {
      t.failed++
    } else {
      t.cancelled++
    }
  }
  return t
}

export interface JobSummaryProps {
  readonly rows: ReadonlyArray<HashRow>
  readonly onCancelAll: () => void
  readonly onClearFinished: () => void
}

export const JobSummary = ({ onCancelAll, onClearFinished, rows }: JobSummaryProps) => {
  if (rows.length === 0) return null
  const t = totals(rows)
  const counts = [
    `${t.files} ${t.files === 1 ? "file" : "files"}`,
    t.done > 0 ? `${t.done} done` : "",
    t.failed > 0 ? `${t.failed} failed` : "",
    t.cancelled > 0 ? `${t.cancelled} cancelled` : ""
  ].filter((part) => part !== "")
  const eta = t.active > 0 && t.bytesPerSecond > 0 ? (t.total - t.bytes) / t.bytesPerSecond : undefined
  return (
    <section className="summary" aria-label="All files">
      <div className="summary-text">
        <p>
          {counts.join(" · ")}
          {t.active > 0 ? ` · ${formatPercent(t.total === 0 ? 0 : t.bytes / t.total)} of ${formatBytes(t.total)}` : ""}
        </p>
        {t.active > 0 ? (
          <p className="hint">
            {t.bytesPerSecond > 0 ? formatRate(t.bytesPerSecond) : "starting…"}
            {eta !== undefined ? ` · ${formatDuration(eta)} left` : ""}
          </p>
        ) : null}
      </div>
      {t.active > 0 ? (
        <progress className="summary-progress" max={Math.max(t.total, 1)} value={t.bytes} aria-label="Progress of all files" />
      ) : null}
      <div className="summary-actions">
        <button type="button" className="button" onClick={onCancelAll} disabled={t.active === 0}>
          Cancel all
        </button>
        <button type="button" className="button quiet" onClick={onClearFinished} disabled={t.active === t.files}>
          Clear finished
        </button>
      </div>
    </section>
  )
}
