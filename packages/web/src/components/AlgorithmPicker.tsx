import { HASH_ALGORITHMS, type HashAlgorithm } from "@sluice/core"
import { useState } from "react"
import { ALGORITHM_LABEL, LEGACY_ALGORITHMS } from "../format.js"

export interface AlgorithmPickerProps {
  readonly selected: ReadonlyArray<HashAlgorithm>
  readonly onChange: (algorithms: ReadonlyArray<HashAlgorithm>) => void
}

/** Checkboxes, several allowed; at least one stays ticked. Several algorithms share one read of each file. */
export const AlgorithmPicker = ({ onChange, selected }: AlgorithmPickerProps) => {
  const [refused, setRefused] = useState(false)
  const toggle = (algorithm: HashAlgorithm, checked: boolean) => {
    if (!checked && selected.length === 1 && selected[0] === algorithm) {
      setRefused(true)
      return
    }
    setRefused(false)
    onChange(checked ? [...selected, algorithm] : selected.filter((a) => a !== algorithm))
  }
  return (
    <fieldset className="algorithms" aria-describedby="algorithms-help">
      <legend>Algorithms</legend>
      <div className="algorithm-options">
        {HASH_ALGORITHMS.map((algorithm) => (
          <label key={algorithm} className="check">
            <input
              type="checkbox"
              name="algorithm"
              value={algorithm}
              checked={selected.includes(algorithm)}
              onChange={(event) => toggle(algorithm, event.currentTarget.checked)}
            />
            <span>{ALGORITHM_LABEL[algorithm]}</span>
            {LEGACY_ALGORITHMS.has(algorithm) ? <span className="tag">legacy</span> : null}
          </label>
        ))}
      </div>
      <p id="algorithms-help" className="hint" aria-live="polite">
        {refused
          ? "Keep at least one algorithm."
          : "Files added from now on get every ticked digest, from one read of each file."}
      </p>
    </fieldset>
  )
}
