import type { HashAlgorithm } from "@sluice/core"
import { useEffect, useId, useState } from "react"
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

export interface ExportPanelProps {
  readonly rows: ReadonlyArray<HashRow>
}

/** The finished files as a coreutils checksum file (one algorithm) or JSON (all of them). */
export const ExportPanel = ({ rows }: ExportPanelProps) => {
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
      <textarea id={`${id}-preview`} className="mono preview" readOnly rows={5} value={text} wrap="off" />
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
