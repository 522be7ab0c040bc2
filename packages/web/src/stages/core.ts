/**
 * Stage thirteen of the page's load (main.tsx): core's own modules the app uses (the
 * algorithms' descriptors, the schemas of the workers' requests, hashing's pipeline),
 * evaluated in a task of their own.
 */
import { ALGORITHMS, hashFiles } from "@sluice/core"

export const loaded = [ALGORITHMS, hashFiles] as const
