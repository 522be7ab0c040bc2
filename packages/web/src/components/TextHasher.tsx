import type { HashAlgorithm } from "@sluice/core"
import { useEffect, useId, useState } from "react"
import { useHashJobs, useHashJobsStore } from "../jobs/useHashJobs.js"
import { DigestList } from "./DigestList.js"

export interface TextHasherProps {
  readonly algorithms: ReadonlyArray<HashAlgorithm>
}

/** Typed or pasted text, hashed as its UTF-8 bytes while typing pauses. */
export const TextHasher = ({ algorithms }: TextHasherProps) => {
  const id = useId()
  const jobs = useHashJobsStore()
  const { text: result } = useHashJobs()
  const [text, setText] = useState("")
  useEffect(() => jobs.hashText(text, algorithms), [jobs, text, algorithms])
  const current = result.text === text && result.status === "done"
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Text</h2>
      <label htmlFor={`${id}-text`}>Text to hash</label>
      <textarea
        id={`${id}-text`}
        rows={3}
        value={text}
        onChange={(event) => setText(event.currentTarget.value)}
        aria-describedby={`${id}-help`}
      />
      <p id={`${id}-help`} className="hint">
        Hashed as UTF-8, exactly as typed: no newline is added (like <code>printf</code>, not <code>echo</code>).
      </p>
      {result.status === "failed" && result.failure !== undefined ? (
        <p className="error" role="alert">{result.failure.title} {result.failure.detail}</p>
      ) : null}
      {text !== "" && Object.keys(result.digests).length > 0 ? (
        <div className={current ? "text-digests" : "text-digests stale"} aria-busy={!current}>
          <DigestList algorithms={algorithms} digests={result.digests} of="the text" />
        </div>
      ) : null}
    </section>
  )
}
