import { type KeyboardEvent, useEffect, useRef, useState } from "react"

export type View = "files" | "performance"

const VIEWS: ReadonlyArray<{ readonly id: View; readonly label: string }> = [
  { id: "files", label: "Files" },
  { id: "performance", label: "Performance" }
]

export const tabId = (view: View) => `view-tab-${view}`
export const panelId = (view: View) => `view-panel-${view}`

const viewOf = (hash: string): View => (hash === "#performance" ? "performance" : "files")

/**
 * The view shown, kept in the address's fragment (`#performance`), so that a reload or a
 * bookmark opens the same one; switching views replaces the entry instead of adding one.
 */
export const useView = (): readonly [View, (view: View) => void] => {
  const [view, setView] = useState<View>(() => viewOf(location.hash))
  useEffect(() => {
    const onHash = () => setView(viewOf(location.hash))
    addEventListener("hashchange", onHash)
    return () => removeEventListener("hashchange", onHash)
  }, [])
  const show = (next: View) => {
    history.replaceState(history.state, "", next === "files" ? location.pathname + location.search : "#performance")
    setView(next)
  }
  return [view, show]
}

/**
 * The app's views as tabs (WAI-ARIA tabs with automatic activation): the arrow keys, Home
 * and End move between them, and only the selected one is in the tab order.
 */
export const ViewTabs = ({ onSelect, selected }: { readonly selected: View; readonly onSelect: (view: View) => void }) => {
  const tabs = useRef(new Map<View, HTMLButtonElement>())
  const move = (event: KeyboardEvent, index: number) => {
    const last = VIEWS.length - 1
    const to = event.key === "ArrowRight"
      ? (index === last ? 0 : index + 1)
      : event.key === "ArrowLeft"
      ? (index === 0 ? last : index - 1)
      : event.key === "Home"
      ? 0
      : event.key === "End"
      ? last
      : undefined
    if (to === undefined) return
    event.preventDefault()
    const view = VIEWS[to]!.id
    onSelect(view)
    tabs.current.get(view)?.focus()
  }
  return (
    <div className="view-tabs" role="tablist" aria-label="Views">
      {VIEWS.map(({ id, label }, index) => (
        <button
          key={id}
          ref={(element) => {
            if (element === null) tabs.current.delete(id)
            else tabs.current.set(id, element)
          }}
          type="button"
          role="tab"
          id={tabId(id)}
          aria-selected={selected === id}
          aria-controls={panelId(id)}
          tabIndex={selected === id ? 0 : -1}
          className="view-tab"
          onClick={() => onSelect(id)}
          onKeyDown={(event) => move(event, index)}
        >
          {label}
        </button>
      ))}
    </div>
  )
}
