import { memo, useCallback, useEffect, useRef, useState } from "react"
import { ALGORITHM_LABEL, formatBytes, formatPercent } from "../format.js"
import type { HashRow } from "../jobs/HashJobs.js"
import type { ExpectedSet, Verdict } from "../verify/expected.js"
import { verdictFor } from "../verify/expected.js"
import { CopyButton } from "./CopyButton.js"
import { type FileRowActions, FileRow, RowActions, rowStatus } from "./FileRow.js"

export interface FileListProps extends FileRowActions {
  readonly rows: ReadonlyArray<HashRow>
  readonly expected: ReadonlyArray<ExpectedSet>
}

/** From this many files on, the list is a compact table that renders only the rows in view. */
export const VIRTUAL_FROM = 100
/** A compact row's height in CSS pixels (styles.css `.rows.compact .row` says the same). */
export const COMPACT_ROW_PX = 40
/** Rows rendered above and below the ones in view, so a scroll shows no blank before the next frame. */
const OVERSCAN = 10
/** The table's height before it is measured (jsdom measures nothing). */
const DEFAULT_VIEWPORT_PX = 640

/** The rows `[first, last)` to render for a scroll position: those in view and a few either side. */
export const visibleRange = (scrollTop: number, viewportPx: number, count: number): { first: number; last: number } => {
  const first = Math.max(0, Math.floor(scrollTop / COMPACT_ROW_PX) - OVERSCAN)
  const last = Math.min(count, Math.ceil((scrollTop + viewportPx) / COMPACT_ROW_PX) + OVERSCAN)
  return { first, last: Math.max(first, last) }
}

interface CompactRowProps extends FileRowActions {
  readonly row: HashRow
  readonly verdict: Verdict
  readonly position: number
  readonly count: number
}

/** One file in one line: name, size, status, its first digest with a copy button, and its actions. */
const CompactRow = memo(function CompactRow({ count, onCancel, onRemove, onRetry, position, row, verdict }: CompactRowProps) {
  const status = rowStatus(row, verdict)
  const statusClass = status.className
  // One line has no progress bar: a running file's badge carries its percentage.
  const statusLabel = status.label === "Hashing" ? `Hashing ${formatPercent(row.size === 0 ? 0 : row.bytes / row.size)}` : status.label
  const algorithm = row.status === "done" ? row.algorithms.find((a) => row.digests[a] !== undefined) : undefined
  const hex = algorithm === undefined ? undefined : row.digests[algorithm]
  const more = row.status === "done" ? row.algorithms.filter((a) => a !== algorithm && row.digests[a] !== undefined) : []
  return (
    <li
      className={`row ${row.status}${verdict._tag === "Mismatch" ? " mismatch" : verdict._tag === "Match" ? " verified" : ""}`}
      aria-label={row.name}
      aria-posinset={position + 1}
      aria-setsize={count}
      style={{ top: position * COMPACT_ROW_PX }}
    >
      <span className="row-name" title={row.name}>{row.name}</span>
      <span className="row-size">{formatBytes(row.size)}</span>
      <span className={`status ${statusClass}`}>{statusLabel}</span>
      <span className="row-digest">
        {algorithm !== undefined && hex !== undefined ? (
          <>
            <abbr title={ALGORITHM_LABEL[algorithm]}>{ALGORITHM_LABEL[algorithm]}</abbr>{" "}
            <code className="hex" title={hex}>{hex}</code>
            <CopyButton text={hex} what={`${ALGORITHM_LABEL[algorithm]} of ${row.name}`} />
            {more.length > 0 ? <span className="hint"> +{more.length}</span> : null}
          </>
        ) : row.status === "failed" && row.failure !== undefined ? (
          <span className="row-error" title={row.failure.detail}>{row.failure.title}</span>
        ) : null}
      </span>
      <span className="row-actions">
        <RowActions row={row} onCancel={onCancel} onRetry={onRetry} onRemove={onRemove} />
      </span>
    </li>
  )
})

/**
 * Many files: a scrolling table of fixed-height rows, of which only those in view (and a
 * few either side) are in the DOM, so 1,000 files cost what 40 do to render, lay out and
 * update every frame.
 */
const VirtualList = ({ expected, rows, ...actions }: FileListProps) => {
  const scroller = useRef<HTMLDivElement>(null)
  const [view, setView] = useState({ top: 0, height: DEFAULT_VIEWPORT_PX })
  const frame = useRef<number | undefined>(undefined)
  const measure = useCallback(() => {
    frame.current = undefined
    const element = scroller.current
    if (element === null) return
    const height = element.clientHeight > 0 ? element.clientHeight : DEFAULT_VIEWPORT_PX
    setView((last) => last.top === element.scrollTop && last.height === height ? last : { top: element.scrollTop, height })
  }, [])
  const onScroll = useCallback(() => {
    frame.current ??= requestAnimationFrame(measure)
  }, [measure])
  useEffect(() => {
    measure()
    const element = scroller.current
    if (element === null || typeof ResizeObserver === "undefined") return
    const observer = new ResizeObserver(() => measure())
    observer.observe(element)
    return () => {
      observer.disconnect()
      if (frame.current !== undefined) cancelAnimationFrame(frame.current)
    }
  }, [measure])
  const { first, last } = visibleRange(view.top, view.height, rows.length)
  const shown = []
  for (let i = first; i < last; i++) {
    const row = rows[i]!
    shown.push(
      <CompactRow key={row.id} row={row} verdict={verdictFor(row, expected, rows.length)} position={i} count={rows.length} {...actions} />
    )
  }
  return (
    <div className="rows-scroller" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label={`Files, ${rows.length} in a scrolling table`}>
      <ul className="rows compact" aria-label="Files" style={{ height: rows.length * COMPACT_ROW_PX }}>
        {shown}
      </ul>
    </div>
  )
}

export const FileList = (props: FileListProps) => {
  const { expected, rows, ...actions } = props
  if (rows.length === 0) return null
  if (rows.length >= VIRTUAL_FROM) return <VirtualList {...props} />
  return (
    <ul className="rows" aria-label="Files">
      {rows.map((row) => <FileRow key={row.id} row={row} verdict={verdictFor(row, expected, rows.length)} {...actions} />)}
    </ul>
  )
}
