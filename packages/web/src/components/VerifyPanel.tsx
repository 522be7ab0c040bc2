import type { HashAlgorithm } from "@sluice/core"
import { type DragEvent, useId, useRef, useState } from "react"
import { ALGORITHM_LABEL } from "../format.js"
import type { HashRow } from "../jobs/HashJobs.js"
import { type ExpectedSet, parseChecksumText, type SetSummary, summarize, summarizeBare } from "../verify/expected.js"

/** Checksum files are small; anything this large was dropped here by mistake. */
const MAX_CHECKSUM_FILE_BYTES = 16 * 1024 * 1024

export interface VerifyPanelProps {
  readonly rows: ReadonlyArray<HashRow>
  readonly pasted: string
  readonly pastedSet: ExpectedSet
  readonly onPastedChange: (text: string) => void
  readonly sumsSets: ReadonlyArray<ExpectedSet>
  readonly onAddSums: (set: ExpectedSet) => void
  readonly onRemoveSums: (set: ExpectedSet) => void
  /** Adds an algorithm and hashes the finished files again so they can be checked. */
  readonly onHashAgainWith: (algorithm: HashAlgorithm) => void
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

const summaryText = (summary: SetSummary): string => {
  const parts: Array<string> = []
  if (summary.matched > 0) parts.push(`${summary.matched} OK`)
  if (summary.mismatched > 0) parts.push(`${summary.mismatched} not matching`)
  if (summary.pending > 0) parts.push(`${summary.pending} waiting`)
  return parts.join(", ")
}

const Malformed = ({ set }: { readonly set: ExpectedSet }) =>
  set.malformed.length === 0 ? null : (
    <details className="malformed">
      <summary>{plural(set.malformed.length, "line", "lines")} could not be read</summary>
      <ul>
        {set.malformed.slice(0, 50).map(({ lineNumber, reason }) => (
          <li key={lineNumber}>
            line {lineNumber}: {reason}
          </li>
        ))}
      </ul>
    </details>
  )

const HashAgain = (
  { algorithms, onHashAgainWith }: {
    readonly algorithms: ReadonlyArray<HashAlgorithm>
    readonly onHashAgainWith: (algorithm: HashAlgorithm) => void
  }
) => (
  <>
    {algorithms.map((algorithm) => (
      <p key={algorithm} className="hint">
        Some expected digests are {ALGORITHM_LABEL[algorithm]}, which was not computed.{" "}
        <button type="button" className="button small" onClick={() => onHashAgainWith(algorithm)}>
          Add {ALGORITHM_LABEL[algorithm]} and hash again
        </button>
      </p>
    ))}
  </>
)

const SumsFile = (
  { onHashAgainWith, onRemove, rows, set }: {
    readonly set: ExpectedSet
    readonly rows: ReadonlyArray<HashRow>
    readonly onRemove: () => void
    readonly onHashAgainWith: (algorithm: HashAlgorithm) => void
  }
) => {
  const summary = summarize(set, rows)
  const text = summaryText(summary)
  return (
    <li className="sums-file">
      <div className="sums-head">
        <span className="sums-name">{set.source}</span>
        <span className="hint">{plural(set.entries.length, "entry", "entries")}</span>
        <button type="button" className="button small quiet" onClick={onRemove} aria-label={`Stop checking against ${set.source}`}>
          Remove
        </button>
      </div>
      {text !== "" ? (
        <p className={summary.mismatched > 0 ? "verdict bad" : summary.matched > 0 ? "verdict ok" : "verdict"}>{text}</p>
      ) : null}
      {summary.missing.length > 0 ? (
        <details>
          <summary>{plural(summary.missing.length, "listed file is", "listed files are")} not among your files</summary>
          <ul className="names">
            {summary.missing.slice(0, 200).map((name, i) => <li key={i}>{name}</li>)}
          </ul>
        </details>
      ) : null}
      <HashAgain algorithms={summary.notComputed} onHashAgainWith={onHashAgainWith} />
      <Malformed set={set} />
    </li>
  )
}

/** An expected digest pasted from a download page, or checksum files matched to the files by name. */
export const VerifyPanel = (props: VerifyPanelProps) => {
  const { onAddSums, onHashAgainWith, onPastedChange, onRemoveSums, pasted, pastedSet, rows, sumsSets } = props
  const id = useId()
  const input = useRef<HTMLInputElement>(null)
  const [dragging, setDragging] = useState(false)
  const [readError, setReadError] = useState<string | undefined>(undefined)

  const load = async (files: ReadonlyArray<File>) => {
    setReadError(undefined)
    for (const file of files) {
      if (file.size > MAX_CHECKSUM_FILE_BYTES) {
        setReadError(`${file.name} is too large to be a checksum file.`)
        continue
      }
      try {
        const set = parseChecksumText(await file.text(), file.name)
        if (set.entries.length === 0) setReadError(`${file.name} has no checksum lines.`)
        else onAddSums(set)
      } catch (error) {
        setReadError(`${file.name} could not be read (${error instanceof Error ? error.message : String(error)}).`)
      }
    }
  }
  const onDragOver = (event: DragEvent) => {
    if (!Array.from(event.dataTransfer.types).includes("Files")) return
    event.preventDefault()
    event.dataTransfer.dropEffect = "copy"
    setDragging(true)
  }
  const onDrop = (event: DragEvent) => {
    event.preventDefault()
    setDragging(false)
    void load(Array.from(event.dataTransfer.files))
  }

  const pastedSummary = summarize(pastedSet, rows)
  const pastedIsBare = pastedSet.entries.length === 1 && pastedSet.entries[0]!.name === undefined
  const bare = pastedIsBare ? summarizeBare(pastedSet.entries[0]!, rows) : undefined

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Verify</h2>
      <label htmlFor={`${id}-expected`}>Expected digest</label>
      <textarea
        id={`${id}-expected`}
        className="mono"
        rows={2}
        spellCheck={false}
        autoComplete="off"
        autoCapitalize="off"
        placeholder="Paste a digest, or checksum lines"
        value={pasted}
        onChange={(event) => onPastedChange(event.currentTarget.value)}
        aria-describedby={`${id}-expected-status`}
      />
      <div id={`${id}-expected-status`} aria-live="polite">
        {bare !== undefined && rows.some((row) => row.status === "done") ? (
          bare.matching.length > 0 ? (
            <p className="verdict ok">
              <span className="badge ok">OK</span> Matches {bare.matching.join(", ")}.
            </p>
          ) : bare.none ? (
            <p className="verdict bad">
              <span className="badge bad">Mismatch</span> {rows.length === 1 ? "The file does not have this digest." : `None of the ${rows.length} files has this digest.`}
            </p>
          ) : null
        ) : pasted.trim() === "" ? (
          <p className="hint">Checked against every file; checksum lines are matched by file name.</p>
        ) : !pastedIsBare && pastedSet.entries.length > 0 ? (
          <p className="hint">{summaryText(pastedSummary) || plural(pastedSet.entries.length, "line", "lines")}</p>
        ) : null}
        <HashAgain algorithms={pastedSummary.notComputed} onHashAgainWith={onHashAgainWith} />
        <Malformed set={pastedSet} />
      </div>

      <div
        className={dragging ? "sums-drop dragging" : "sums-drop"}
        data-dropzone=""
        onDragEnter={onDragOver}
        onDragOver={onDragOver}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>
          Drop a checksum file (<code>SHA256SUMS</code>, <code>*.sha256</code>, <code>B3SUMS</code>…) here, or{" "}
          <button type="button" className="button small" onClick={() => input.current?.click()}>
            choose one
          </button>
        </p>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          data-testid="pick-sums"
          onChange={(event) => {
            const files = Array.from(event.currentTarget.files ?? [])
            event.currentTarget.value = ""
            void load(files)
          }}
        />
      </div>
      {readError !== undefined ? <p className="error" role="alert">{readError}</p> : null}
      {sumsSets.length > 0 ? (
        <ul className="sums-files" aria-label="Checksum files">
          {sumsSets.map((set, i) => (
            <SumsFile
              key={`${set.source}-${i}`}
              set={set}
              rows={rows}
              onRemove={() => onRemoveSums(set)}
              onHashAgainWith={onHashAgainWith}
            />
          ))}
        </ul>
      ) : null}
    </section>
  )
}
