import { memo } from "react"
import { ALGORITHM_LABEL, formatBytes, formatDuration, formatPercent, formatRate } from "../format.js"
import type { HashRow } from "../jobs/HashJobs.js"
import type { Verdict } from "../verify/expected.js"
import { DigestList } from "./DigestList.js"

export interface FileRowActions {
  readonly onCancel: (id: number) => void
  readonly onRetry: (id: number) => void
  readonly onRemove: (id: number) => void
}

const STATUS_LABEL: Readonly<Record<HashRow["status"], string>> = {
  queued: "Waiting",
  hashing: "Hashing",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled"
}

/** A row's status badge: the verdict where there is one (Mismatch, Verified), else its state. */
export const rowStatus = (row: HashRow, verdict: Verdict): { readonly className: string; readonly label: string } =>
  verdict._tag === "Mismatch"
    ? { className: "bad", label: "Mismatch" }
    : verdict._tag === "Match"
    ? { className: "ok", label: "Verified" }
    : { className: row.status, label: STATUS_LABEL[row.status] }

/** Below this a file takes about a millisecond, and a rate says more about timers than about hashing. */
const RATE_WORTH_SHOWING = 1_000_000

const VerdictLine = ({ verdict }: { readonly verdict: Verdict }) => {
  switch (verdict._tag) {
    case "Unknown":
      return null
    case "Pending":
      return <p className="verdict pending">Will be checked against the {verdict.expected.origin}.</p>
    case "Match":
      return (
        <p className="verdict ok">
          <span className="badge ok">OK</span> {ALGORITHM_LABEL[verdict.algorithm]} matches the {verdict.expected.origin}.
        </p>
      )
    case "Mismatch":
      return (
        <div className="verdict bad">
          <p>
            <span className="badge bad">Mismatch</span> {ALGORITHM_LABEL[verdict.algorithm]} does not match the{" "}
            {verdict.expected.origin}.
          </p>
          <p className="expected">
            Expected <code className="hex">{verdict.expected.digestHex}</code>
          </p>
        </div>
      )
    case "NotComputed":
      return (
        <p className="verdict pending">
          Not checked: the {verdict.expected.origin} is{" "}
          {verdict.algorithms.map((algorithm) => ALGORITHM_LABEL[algorithm]).join(" or ")}, which was not computed for
          this file.
        </p>
      )
  }
}

const progressText = (row: HashRow): string => {
  const parts = [formatPercent(row.size === 0 ? 0 : row.bytes / row.size)]
  if (row.bytesPerSecond > 0) parts.push(formatRate(row.bytesPerSecond))
  if (row.etaSeconds !== undefined) parts.push(`${formatDuration(row.etaSeconds)} left`)
  return parts.join(" · ")
}

/** Said while the row hashes and once it is done, so that the rate and the time are read right. */
export const resumedText = (row: HashRow): string | undefined =>
  row.resumedAt === undefined || (row.status !== "hashing" && row.status !== "done")
    ? undefined
    : `Resumed at ${formatPercent(row.size === 0 ? 0 : row.resumedAt / row.size)}, from a saved checkpoint.`

export interface FileRowProps extends FileRowActions {
  readonly row: HashRow
  readonly verdict: Verdict
}

// Verdicts are recomputed on every render of the list; equal ones must not re-render the row.
const sameVerdict = (a: Verdict, b: Verdict): boolean =>
  a._tag === b._tag &&
  (a._tag === "Unknown" || (b._tag !== "Unknown" && a.expected === b.expected)) &&
  ("algorithm" in a ? "algorithm" in b && a.algorithm === b.algorithm : true)

const sameProps = (a: FileRowProps, b: FileRowProps): boolean =>
  a.row === b.row && a.onCancel === b.onCancel && a.onRetry === b.onRetry && a.onRemove === b.onRemove &&
  sameVerdict(a.verdict, b.verdict)

/** A row's buttons: Cancel while it runs, Retry when it may succeed again, Remove once it has stopped. */
export const RowActions = ({ onCancel, onRemove, onRetry, row }: FileRowActions & { readonly row: HashRow }) => {
  const active = row.status === "queued" || row.status === "hashing"
  return (
    <>
      {active ? (
        <button type="button" className="button small" onClick={() => onCancel(row.id)} aria-label={`Cancel ${row.name}`}>
          Cancel
        </button>
      ) : null}
      {row.retryable ? (
        <button type="button" className="button small" onClick={() => onRetry(row.id)} aria-label={`Retry ${row.name}`}>
          Retry
        </button>
      ) : null}
      {!active ? (
        <button type="button" className="button small quiet" onClick={() => onRemove(row.id)} aria-label={`Remove ${row.name} from the list`}>
          Remove
        </button>
      ) : null}
    </>
  )
}

/** One file: name, size, live progress with rate and time left, then its digests or why it failed. */
export const FileRow = memo(function FileRow({ onCancel, onRemove, onRetry, row, verdict }: FileRowProps) {
  const { className: statusClass, label: statusLabel } = rowStatus(row, verdict)
  const resumed = resumedText(row)
  return (
    <li className={`row ${row.status}${verdict._tag === "Mismatch" ? " mismatch" : verdict._tag === "Match" ? " verified" : ""}`} aria-label={row.name}>
      <div className="row-head">
        <span className="row-name">{row.name}</span>
        <span className="row-size">{formatBytes(row.size)}</span>
        <span className={`status ${statusClass}`}>{statusLabel}</span>
      </div>
      {row.status === "hashing" ? (
        <div className="row-progress">
          <progress max={Math.max(row.size, 1)} value={row.bytes} aria-label={`Progress of ${row.name}`} />
          <span className="row-rate">{progressText(row)}</span>
        </div>
      ) : null}
      {resumed !== undefined ? <p className="hint resumed">{resumed}</p> : null}
      {row.status === "queued" ? <p className="hint">Waiting for a free worker…</p> : null}
      {row.status === "done" ? (
        <>
          <DigestList algorithms={row.algorithms} digests={row.digests} of={row.name} />
          {row.cached ? (
            <p className="hint from-cache">
              <span className="badge cached">from cache</span> Unchanged since it was hashed on this device, so it was not
              read again.
            </p>
          ) : row.bytesPerSecond > 0 && row.size >= RATE_WORTH_SHOWING ? (
            <p className="hint">Hashed at {formatRate(row.bytesPerSecond)}.</p>
          ) : null}
        </>
      ) : null}
      {row.status === "failed" && row.failure !== undefined ? (
        <div className="row-error">
          <p>{row.failure.title}</p>
          <p className="detail">{row.failure.detail}</p>
        </div>
      ) : null}
      <VerdictLine verdict={verdict} />
      <div className="row-actions">
        <RowActions row={row} onCancel={onCancel} onRetry={onRetry} onRemove={onRemove} />
      </div>
    </li>
  )
}, sameProps)
