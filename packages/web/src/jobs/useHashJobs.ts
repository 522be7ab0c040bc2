import { createContext, useContext, useSyncExternalStore } from "react"
import type { HashJobs, HashJobsSnapshot } from "./HashJobs.js"

export const HashJobsContext = createContext<HashJobs | undefined>(undefined)

export const useHashJobsStore = (): HashJobs => {
  const jobs = useContext(HashJobsContext)
  if (jobs === undefined) throw new Error("useHashJobs needs a <HashJobsContext.Provider>")
  return jobs
}

/** The current rows and text digest; re-renders at most once per frame. */
export const useHashJobs = (): HashJobsSnapshot => {
  const jobs = useHashJobsStore()
  return useSyncExternalStore(jobs.subscribe, jobs.getSnapshot)
}
