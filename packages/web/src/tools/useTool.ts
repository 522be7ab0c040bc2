import { useEffect, useState } from "react"
import { type ToolId, toolOfHash } from "./tools.js"

/**
 * The tool shown, from the address's fragment, following it as links and the back button
 * change it (each tool is a history entry: the links are plain `<a href="#/keys">`).
 */
export const useTool = (): ToolId => {
  const [tool, setTool] = useState<ToolId>(() => toolOfHash(location.hash))
  useEffect(() => {
    const onHash = () => setTool(toolOfHash(location.hash))
    addEventListener("hashchange", onHash)
    return () => removeEventListener("hashchange", onHash)
  }, [])
  return tool
}
