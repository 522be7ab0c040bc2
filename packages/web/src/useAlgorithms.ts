import { HASH_ALGORITHMS, type HashAlgorithm } from "@sluice/core"
import { useCallback, useEffect, useState } from "react"

const KEY = "sluice.algorithms"
const DEFAULT: ReadonlyArray<HashAlgorithm> = ["sha256"]

/** Keeps the canonical order whatever order they were ticked in. */
export const inCanonicalOrder = (algorithms: Iterable<HashAlgorithm>): ReadonlyArray<HashAlgorithm> => {
  const chosen = new Set(algorithms)
  return HASH_ALGORITHMS.filter((algorithm) => chosen.has(algorithm))
}

const load = (): ReadonlyArray<HashAlgorithm> => {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(KEY) ?? "null")
    if (!Array.isArray(stored)) return DEFAULT
    const valid = inCanonicalOrder(stored.filter((a): a is HashAlgorithm => HASH_ALGORITHMS.includes(a)))
    return valid.length > 0 ? valid : DEFAULT
  } catch {
    return DEFAULT
  }
}

/** The chosen algorithms, remembered on this device (localStorage; storage may be off, which is fine). */
export const useAlgorithms = () => {
  const [selected, setSelected] = useState<ReadonlyArray<HashAlgorithm>>(load)
  useEffect(() => {
    try {
      localStorage.setItem(KEY, JSON.stringify(selected))
    } catch {
      // Private browsing or storage disabled: the choice lasts for this visit.
    }
  }, [selected])
  const choose = useCallback((algorithms: Iterable<HashAlgorithm>) => setSelected(inCanonicalOrder(algorithms)), [])
  return [selected, choose] as const
}
