import type { HashAlgorithm } from "@sluice/core"
import { useEffect, useId, useRef, useState } from "react"
import { checkCommand, checksumFileText, exportableAlgorithms, resultsJson, SUMS_FILE_NAME } from "../export/exportResults.js"
import { ALGORITHM_LABEL } from "../format.js"
import type { HashRow } from "../jobs/HashJobs.js"
import { CopyButton } from "./CopyButton.js"

/** An object URL for `text`, revoked when the text changes or the panel goes: a download with no request. */
const useObjectUrl = (text: string, type: string): string | undefined => {
  const [url, setUrl] = useState<string | undefined>(undefined)
  useEffect(() => {
    const next = URL.createObjectURL(new Blob([text], { type }))
    setUrl(next)
    return () => URL.revokeObjectURL(next)
  }, [text, type])
  return url
}

/** While files hash, the export is built from the rows at most this often. */
export const EXPORT_EVERY_MS = 1_000

/**
 * `rows` at most once per `ms` while some are still hashing (a list of 1,000 files changes
 * every frame, and the text, its Blob and object URL were rebuilt each time); at once when
 * none is.
 */
export const useThrottledRows = (rows: ReadonlyArray<HashRow>, ms = EXPORT_EVERY_MS): ReadonlyArray<HashRow> => {
  const busy = rows.some((row) => row.status === "queued" || row.status === "hashing")
  const [shown, setShown] = useState(rows)
  const latest = useRef(rows)
  latest.current = rows
  const last = useRef(0)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEffect(() => {
    if (!busy) {
      clearTimeout(timer.current)
      timer.current = undefined
      setShown(rows)
      return
    }
    if (timer.current !== undefined) return
    timer.current = setTimeout(() => {
      timer.current = undefined
      last.current = performance.now()
      setShown(latest.current)
    }, Math.max(0, last.current + ms - performance.now()))
  }, [busy, ms, rows])
  useEffect(() => () => clearTimeout(timer.current), [])
  return busy ? shown : rows
}

/** Lines the preview shows: a textarea of 1,000 lines took the main thread ~65 ms to fill. */
export const PREVIEW_LINES = 100

/** The first `PREVIEW_LINES` lines of `text`, and how many more the download holds. */
export const previewOf = (text: string): string => {
  let end = 0
  for (let line = 0; line < PREVIEW_LINES; line++) {
    const next = text.indexOf("\n", end)
    if (next === -1) return text
    end = next + 1
  }
  if (end >= text.length) return text
  let more = 0
  for (let i = end; i < text.length; i++) if (text.charCodeAt(i) === 10) more++
  if (!text.endsWith("\n")) more++
  return `${text.slice(0, end)}… and ${more} more line${more === 1 ? "" : "s"} in the file`
}

export interface ExportPanelProps {
  readonly rows: ReadonlyArray<HashRow>
}

/** The finished files as a coreutils checksum file (one algorithm) or JSON (all of them). */
export const ExportPanel = (props: ExportPanelProps) => {
  const rows = useThrottledRows(props.rows)
  const id = useId()
  const available = exportableAlgorithms(rows)
  const [format, setFormat] = useState<"sums" | "json">("sums")
  const [wanted, setWanted] = useState<HashAlgorithm | undefined>(undefined)
  const [bsd, setBsd] = useState(false)
  const algorithm = wanted !== undefined && available.includes(wanted) ? wanted : available[0]

  const text = format === "json"
    ? resultsJson(rows)
    : algorithm === undefined
    ? ""
    : checksumFileText(rows, algorithm, bsd ? "bsd" : "gnu")
  const fileName = format === "json" ? "sluice-digests.json" : algorithm === undefined ? "SUMS" : SUMS_FILE_NAME[algorithm]
  const url = useObjectUrl(text, format === "json" ? "application/json" : "text/plain")

  if (available.length === 0) return null
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Export</h2>
      <fieldset className="inline">
        <legend>Format</legend>
        <label className="check">
          <input type="radio" name={`${id}-format`} checked={format === "sums"} onChange={() => setFormat("sums")} />
          Checksum file
        </label>
        <label className="check">
          <input type="radio" name={`${id}-format`} checked={format === "json"} onChange={() => setFormat("json")} />
          JSON
        </label>
      </fieldset>
      {format === "sums" ? (
        <div className="export-options">
          <label>
            Algorithm{" "}
            <select value={algorithm} onChange={(event) => setWanted(event.currentTarget.value as HashAlgorithm)}>
              {available.map((a) => (
                <option key={a} value={a}>
                  {ALGORITHM_LABEL[a]}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={bsd} onChange={(event) => setBsd(event.currentTarget.checked)} />
            <span>
              BSD style (<code>--tag</code>)
            </span>
          </label>
        </div>
      ) : null}
      <label htmlFor={`${id}-preview`} className="visually-hidden">
        {fileName} contents
      </label>
      <textarea id={`${id}-preview`} className="mono preview" readOnly rows={5} value={previewOf(text)} wrap="off" />
      <div className="export-actions">
        {url !== undefined ? (
          <a className="button primary" href={url} download={fileName}>
            Download {fileName}
          </a>
        ) : null}
        <CopyButton text={text} what={fileName} label="Copy" />
      </div>
      {format === "sums" && algorithm !== undefined ? (
        <p className="hint">
          Check later with <code>{checkCommand(algorithm, bsd ? "bsd" : "gnu")}</code>.
        </p>
      ) : null}
    </section>
  )
}
