/**
 * What the page's files did, as counters that only grow: bytes read and worker time, files
 * in progress included. Core's metrics count a file's bytes and a task's busy time when it
 * ends, and one large file is one task, so while a 1 GiB file hashes they stand still; the
 * Performance page reads its live throughput and utilisation here instead, from each
 * file's progress events.
 */

export interface JobActivity {
  /** Bytes read from files (a resumed file from its checkpoint on; cache answers read nothing). */
  readonly bytes: number
  /** Worker time spent on files, ms: each running file counts the workers it occupies. */
  readonly busyMs: number
  /** Files being hashed now. */
  readonly running: number
}

export interface ActivityLedger {
  /** A file starts on `workers` workers (BLAKE3 of a large file is spread over all of them). */
  readonly start: (id: number, at: number, workers: number) => void
  /** The file has read `bytes` in this run so far; counted only as it grows. */
  readonly read: (id: number, bytes: number) => void
  /**
   * The file stopped: hashed, answered by the cache, failed or cancelled. Its time so far
   * stays counted (a cache answer's is its lookup, a few ms), so the counters never go back.
   */
  readonly stop: (id: number, at: number) => void
  readonly at: (at: number) => JobActivity
}

interface Running {
  readonly since: number
  readonly workers: number
  read: number
}

export const makeActivityLedger = (): ActivityLedger => {
  let bytes = 0
  let busyMs = 0
  const running = new Map<number, Running>()
  return {
    start: (id, at, workers) => {
      running.set(id, { since: at, workers: Math.max(1, workers), read: 0 })
    },
    read: (id, total) => {
      const file = running.get(id)
      if (file === undefined || total <= file.read) return
      bytes += total - file.read
      file.read = total
    },
    stop: (id, at) => {
      const file = running.get(id)
      if (file === undefined) return
      running.delete(id)
      busyMs += Math.max(0, at - file.since) * file.workers
    },
    at: (at) => {
      let busy = busyMs
      for (const file of running.values()) busy += Math.max(0, at - file.since) * file.workers
      return { bytes, busyMs: busy, running: running.size }
    }
  }
}
