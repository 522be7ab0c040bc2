/**
 * The page's side of the job thread (ageJobWorker.ts): one Web Worker, started when the
 * tool first shows and kept, that runs each job whole while the page only shows its
 * progress. A job goes there when the page has module workers and its destination can be
 * handed over (a File System Access file, a service-worker download); otherwise it runs on
 * the page's pool (ageJob.ts). A job thread that dies fails its job, and its destination
 * is settled as aborted (a file the picker created empty is removed).
 */
import { moduleWorkersAvailable } from "@sluice/core/browser"
import type { AgeJob, AgeJobOutcome, AgeProgress } from "./ageJob.js"
import type { ThreadJob, ThreadReply, ThreadRequest } from "./ageJobWorker.js"
import type { Destination } from "./saveTarget.js"

interface Listener {
  readonly progress: (progress: AgeProgress) => void
  readonly outcome: (outcome: AgeJobOutcome) => void
}

let thread: Worker | undefined
const listeners = new Map<number, Listener>()
let nextId = 0

const threadOf = (): Worker => {
  if (thread !== undefined) return thread
  const worker = new Worker(new URL("./ageJobWorker.ts", import.meta.url), { type: "module", name: "sluice-age-job" })
  worker.onmessage = (event: MessageEvent<ThreadReply>) => {
    const reply = event.data
    const listener = listeners.get(reply.id)
    if (listener === undefined) return
    if (reply.type === "progress") listener.progress(reply.progress)
    else {
      listeners.delete(reply.id)
      listener.outcome(reply.outcome)
    }
  }
  worker.onerror = (event) => {
    const message = `The encryption thread failed${event.message ? `: ${event.message}` : ""}. Nothing was saved.`
    // The next job starts a new thread.
    if (thread === worker) thread = undefined
    worker.terminate()
    for (const [id, listener] of [...listeners]) {
      listeners.delete(id)
      listener.outcome({ _tag: "failed", message })
    }
  }
  thread = worker
  return worker
}

/** Whether jobs can run on the job thread in this page (module workers). */
let available: boolean | undefined
export const jobThreadAvailable = (): boolean =>
  (available ??= typeof MessageChannel === "function" && moduleWorkersAvailable())

/** Starts the job thread and its pool ahead of the first job. */
export const warmJobThread = (): void => {
  if (!jobThreadAvailable()) return
  try {
    threadOf().postMessage({ type: "warm" } satisfies ThreadRequest)
  } catch {
    // A page that refuses the worker runs its jobs on its pool.
  }
}

/** `job` run on the job thread, written to `destination` (handed over to it). */
export const startThreadJob = (
  job: ThreadJob,
  destination: Destination & { readonly handOver: NonNullable<Destination["handOver"]> },
  onProgress: (progress: AgeProgress) => void
): AgeJob => {
  const worker = threadOf()
  const id = nextId++
  const { open, transfer, settled } = destination.handOver()
  const outcome = new Promise<AgeJobOutcome>((resolve) => {
    listeners.set(id, {
      progress: onProgress,
      outcome: (result) => void settled(result._tag === "done").catch(() => undefined).then(() => resolve(result))
    })
  })
  worker.postMessage({ type: "start", id, job, open } satisfies ThreadRequest, transfer)
  return { outcome, cancel: () => worker.postMessage({ type: "cancel", id } satisfies ThreadRequest) }
}
