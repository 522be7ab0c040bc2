import { createContext, type ReactNode, useCallback, useContext, useState } from "react"

const AnnounceContext = createContext<(message: string) => void>(() => {})

/** Says things to screen readers (a polite live region): a file list finished, a digest was copied. */
export const useAnnounce = () => useContext(AnnounceContext)

export const Announcer = ({ children }: { readonly children: ReactNode }) => {
  const [message, setMessage] = useState("")
  // A repeated message must still change the region's text to be read again.
  const announce = useCallback((next: string) => setMessage((previous) => (previous === next ? `${next}\u00a0` : next)), [])
  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        {message}
      </div>
    </AnnounceContext.Provider>
  )
}
