/**
 * Stage two of the page's load (main.tsx): the core of Effect (its fibers, `Effect`
 * itself), evaluated in a task of its own. A stage names one member of each namespace it
 * loads: a namespace re-exported whole would keep all of its members in the build.
 */
import { Effect } from "effect"

export const loaded = Effect.void
