import { TOOLS, type ToolId, toolHref } from "./tools.js"

/**
 * The tools as a navigation list of links, the current one marked `aria-current="page"`:
 * it scales by wrapping, one more link per tool.
 */
export const ToolNav = ({ current }: { readonly current: ToolId }) => (
  <nav className="tool-nav" aria-label="Tools">
    <ul>
      {TOOLS.map((tool) => (
        <li key={tool.id}>
          <a href={toolHref(tool.id)} aria-current={tool.id === current ? "page" : undefined}>{tool.label}</a>
        </li>
      ))}
    </ul>
  </nav>
)
