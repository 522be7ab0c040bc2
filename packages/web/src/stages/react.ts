/**
 * Stage one of the page's load (main.tsx): React and react-dom evaluated in a task of
 * their own. What it exports is what the app's first render uses first.
 */
export { createRoot } from "react-dom/client"
export { StrictMode, startTransition } from "react"
