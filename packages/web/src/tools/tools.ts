/**
 * The app's tools, in one place: the navigation, the addresses and the page titles all
 * come from this list, so a tool (Sign) is added here and nowhere else in the
 * layout. Each tool has its own address in the fragment (`#/keys`); Hash is the page's
 * home, and the addresses it had before tools (no fragment, `#performance`) still open it.
 */
export const TOOL_IDS = ["hash", "keys", "derive", "encrypt"] as const
export type ToolId = typeof TOOL_IDS[number]

export interface Tool {
  readonly id: ToolId
  /** The navigation's label. */
  readonly label: string
  /** One line under the app's name while the tool is shown. */
  readonly tagline: string
  /** The document's title. */
  readonly title: string
}

export const TOOLS: ReadonlyArray<Tool> = [
  {
    id: "hash",
    label: "Hash",
    tagline: "Hash files, folders and text on this device. Nothing is uploaded.",
    title: "Sluice: hash files in your browser"
  },
  {
    id: "keys",
    label: "Keys",
    tagline: "Generate key pairs on this device, one or a million. Nothing is uploaded or stored.",
    title: "Sluice: generate keys in your browser"
  },
  {
    id: "derive",
    label: "Derive",
    tagline: "Derive keys from passwords on this device. Nothing is uploaded or stored.",
    title: "Sluice: derive keys from passwords in your browser"
  },
  {
    id: "encrypt",
    label: "Encrypt",
    tagline: "Encrypt and decrypt files with age on this device. Nothing is uploaded or stored.",
    title: "Sluice: encrypt and decrypt files with age in your browser"
  }
]

export const toolOf = (id: ToolId): Tool => TOOLS.find((tool) => tool.id === id)!

/** The address of a tool: `#/keys`. */
export const toolHref = (id: ToolId): string => `#/${id}`

/**
 * The tool an address opens: `#/keys` and `#/keys/...` open Keys; anything else (no
 * fragment, `#/hash`, the Hash tool's own `#performance`, an unknown tool) opens Hash.
 */
export const toolOfHash = (hash: string): ToolId => {
  const match = /^#\/([a-z]+)(?:\/|$)/.exec(hash)
  const id = match?.[1]
  return (TOOL_IDS as ReadonlyArray<string>).includes(id ?? "") ? id as ToolId : "hash"
}
