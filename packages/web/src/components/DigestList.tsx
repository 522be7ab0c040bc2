import type { Digests, HashAlgorithm } from "@sluice/core"
import { ALGORITHM_LABEL } from "../format.js"
import { CopyButton } from "./CopyButton.js"

export interface DigestListProps {
  readonly algorithms: ReadonlyArray<HashAlgorithm>
  readonly digests: Digests
  /** Whose digests these are, for the copy buttons' names. */
  readonly of: string
}

export const DigestList = ({ algorithms, digests, of }: DigestListProps) => (
  <dl className="digests">
    {algorithms.map((algorithm) => {
      const hex = digests[algorithm]
      if (hex === undefined) return null
      return (
        <div className="digest" key={algorithm}>
          <dt>{ALGORITHM_LABEL[algorithm]}</dt>
          <dd>
            <code className="hex">{hex}</code>
            <CopyButton text={hex} what={`${ALGORITHM_LABEL[algorithm]} of ${of}`} />
          </dd>
        </div>
      )
    })}
  </dl>
)
