/**
 * Stage five of the page's load (main.tsx): core's modules the app and its runtime use
 * (the algorithms' descriptors, the schemas of the workers' requests, the pool), evaluated
 * in a task of their own before the app's.
 */
import { ALGORITHMS, hashFiles } from "@sluice/core"
import { cacheLayer, layerAuto, makeIndexedDbCheckpointLevel } from "@sluice/core/browser"

export const loaded = [ALGORITHMS, hashFiles, cacheLayer, layerAuto, makeIndexedDbCheckpointLevel] as const
