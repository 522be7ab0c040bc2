/**
 * Stage three of the page's load (main.tsx): core's modules the app and its runtime use
 * (the algorithms' descriptors, the schemas of the workers' requests, the pool), evaluated
 * in a task of their own before the app's.
 */
export { ALGORITHMS, hashFiles } from "@sluice/core"
export { cacheLayer, layerAuto, makeIndexedDbCheckpointLevel, WorkerPool } from "@sluice/core/browser"
