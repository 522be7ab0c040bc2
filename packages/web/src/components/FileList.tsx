import type { HashRow } from "../jobs/HashJobs.js"
import type { ExpectedSet } from "../verify/expected.js"
import { verdictFor } from "../verify/expected.js"
import { type FileRowActions, FileRow } from "./FileRow.js"

export interface FileListProps extends FileRowActions {
  readonly rows: ReadonlyArray<HashRow>
  readonly expected: ReadonlyArray<ExpectedSet>
}

export const FileList = ({ expected, rows, ...actions }: FileListProps) =>
  rows.length === 0 ? null : (
    <ul className="rows" aria-label="Files">
      {rows.map((row) => <FileRow key={row.id} row={row} verdict={verdictFor(row, expected, rows.length)} {...actions} />)}
    </ul>
  )
