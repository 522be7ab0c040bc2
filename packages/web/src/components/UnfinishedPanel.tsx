import { useSyncExternalStore } from "react"
import { ALGORITHM_LABEL, formatPercent } from "../format.js"
import type { Checkpoints, Unfinished } from "../resume/Checkpoints.js"

/** "big.iso, 62% (SHA-256)": the algorithms too, since only the same ones can go on. */
const describe = (u: Unfinished): string =>
  `${u.name}, ${formatPercent(u.size === 0 ? 0 : u.bytes / u.size)} (${u.algorithms.map((a) => ALGORITHM_LABEL[a]).join(", ")})`

/** The panel's one sentence, or undefined when there is nothing to say. */
export const unfinishedText = (unfinished: ReadonlyArray<Unfinished>): string | undefined =>
  unfinished.length === 0
    ? undefined
    : `Unfinished: ${unfinished.map(describe).join("; ")} — pick or drop the same ${
      unfinished.length === 1 ? "file" : "files"
    } to resume.`

export interface UnfinishedPanelProps {
  readonly checkpoints: Pick<Checkpoints, "subscribe" | "getSnapshot" | "forgetUnfinished">
}

/**
 * Hashes an earlier visit left unfinished. A page cannot open a file again by itself (short
 * of the File System Access API, which Sluice does not use): the person picks it again.
 */
export const UnfinishedPanel = ({ checkpoints }: UnfinishedPanelProps) => {
  const unfinished = useSyncExternalStore(checkpoints.subscribe, checkpoints.getSnapshot)
  const text = unfinishedText(unfinished)
  if (text === undefined) return null
  return (
    <section className="unfinished" aria-label="Unfinished hashes">
      <p>{text}</p>
      <button type="button" className="button small quiet" onClick={() => void checkpoints.forgetUnfinished()}>
        Forget {unfinished.length === 1 ? "it" : "them"}
      </button>
    </section>
  )
}
