/**
 * Stage fourteen of the page's load (main.tsx): core's browser platform (the worker pool, the
 * result cache's and checkpoints' IndexedDB levels), in a task of its own before the app's.
 */
import { cacheLayer, layerAuto, makeIndexedDbCheckpointLevel } from "@sluice/core/browser"

export const loaded = [cacheLayer, layerAuto, makeIndexedDbCheckpointLevel] as const
