import { type ComponentType, lazy, type LazyExoticComponent } from "react"
import type { PoolRuntime } from "../keys/keyJob.js"
import type { ToolId } from "./tools.js"

/** What a tool other than Hash is given: the app's runtime, whose worker pool it runs on. */
export interface ToolViewProps {
  readonly runtime: PoolRuntime
}

/**
 * Each tool's view but Hash's (which is the page itself), loaded the first time it is
 * opened: its own chunk, so the Hash page's load does not carry it. A new tool adds its
 * entry here and in `TOOLS`.
 */
export const TOOL_VIEWS: { readonly [T in Exclude<ToolId, "hash">]: LazyExoticComponent<ComponentType<ToolViewProps>> } = {
  keys: lazy(() => import("../keys/KeysTool.js")),
  derive: lazy(() => import("../derive/DeriveTool.js")),
  encrypt: lazy(() => import("../age/AgeTool.js"))
}
