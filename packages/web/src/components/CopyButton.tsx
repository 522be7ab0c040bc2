import { useEffect, useState } from "react"
import { useAnnounce } from "./Announcer.js"

// navigator.clipboard needs a secure context (https or localhost); the selection fallback does not.
const copyText = async (text: string): Promise<void> => {
  if (navigator.clipboard !== undefined && window.isSecureContext) return navigator.clipboard.writeText(text)
  const area = document.createElement("textarea")
  area.value = text
  area.setAttribute("readonly", "")
  area.className = "visually-hidden"
  document.body.append(area)
  area.select()
  const ok = document.execCommand("copy")
  area.remove()
  if (!ok) throw new Error("copy refused")
}

export interface CopyButtonProps {
  readonly text: string
  /** What is copied, for the accessible name: "SHA-256 of big.iso". */
  readonly what: string
  readonly label?: string
}

export const CopyButton = ({ label = "Copy", text, what }: CopyButtonProps) => {
  const announce = useAnnounce()
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle")
  useEffect(() => {
    if (state === "idle") return
    const timer = setTimeout(() => setState("idle"), 1500)
    return () => clearTimeout(timer)
  }, [state])
  const onClick = () =>
    copyText(text).then(
      () => {
        setState("copied")
        announce(`Copied ${what}`)
      },
      () => {
        setState("failed")
        announce(`Could not copy ${what}; select the text and copy it by hand`)
      }
    )
  return (
    <button type="button" className="button small" onClick={onClick} aria-label={`${label} ${what}`}>
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : label}
    </button>
  )
}
