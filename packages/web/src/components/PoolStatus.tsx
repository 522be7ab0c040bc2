import type { PoolHealth } from "@sluice/core"
import { useEffect, useState } from "react"

export type SubscribeHealth = (listener: (health: PoolHealth) => void) => () => void

/** What the page says about its workers' health; nothing while nothing has gone wrong. */
export const poolStatusText = (health: PoolHealth, now: number): string | undefined => {
  const { breaker, restarts } = health
  switch (breaker._tag) {
    case "open": {
      const seconds = Math.max(1, Math.ceil((breaker.retryAt - now) / 1000))
      return `The hashing workers keep failing (${breaker.reason}), so hashing runs on this page for now; ` +
        `the workers are tried again in ${seconds} s. Results are not affected, only speed.`
    }
    case "half-open":
      return "Trying the hashing workers again…"
    case "closed":
      if (restarts === 0) return undefined
      return restarts === 1
        ? "A hashing worker was restarted; its work was redone, and every result is complete."
        : `${restarts} hashing workers were restarted; their work was redone, and every result is complete.`
  }
}

/** A live line under the page for the pool's breaker and restarts, read by screen readers politely. */
export const PoolStatus = ({ subscribe }: { readonly subscribe: SubscribeHealth }) => {
  const [health, setHealth] = useState<PoolHealth | undefined>(undefined)
  useEffect(() => subscribe(setHealth), [subscribe])
  const text = health === undefined ? undefined : poolStatusText(health, Date.now())
  return (
    <p className="pool-status" role="status" aria-live="polite" data-breaker={health?.breaker._tag ?? "closed"}>
      {text}
    </p>
  )
}
