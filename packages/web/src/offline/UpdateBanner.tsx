import { useEffect, useState } from "react"

export type UpdateListener = (activate: () => void) => void

/** Remembers an offered update until the banner subscribes, then forwards it. */
export const makeUpdateSignal = () => {
  let pending: (() => void) | undefined
  let listener: UpdateListener | undefined
  return {
    offer: (activate: () => void) => (listener ? listener(activate) : (pending = activate)),
    subscribe: (next: UpdateListener) => {
      listener = next
      if (pending) next(pending)
      return () => {
        listener = undefined
      }
    }
  }
}

/** Shown when a new version is installed and waiting: the user decides when to switch. */
export const UpdateBanner = ({ subscribe }: { readonly subscribe: (listener: UpdateListener) => () => void }) => {
  const [activate, setActivate] = useState<(() => void) | undefined>(undefined)
  useEffect(() => subscribe((next) => setActivate(() => next)), [subscribe])
  if (activate === undefined) return null
  return (
    <div className="update-banner" role="status">
      <span>A new version of Sluice is ready.</span>
      <button type="button" onClick={activate}>Update now</button>
    </div>
  )
}
