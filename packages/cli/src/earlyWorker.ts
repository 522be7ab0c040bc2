import { type ResourceLimits, Worker } from "node:worker_threads"

/**
 * A worker started before the program has loaded, so that the two start-ups overlap.
 * Until the pool adopts it, it is unreferenced (a command that needs no worker exits at
 * once) and its messages are held back: the pool's handshake waits for the worker's
 * "ready" message, which an early worker may already have sent.
 */
export const startEarlyWorker = (url: URL, resourceLimits?: ResourceLimits, workerData?: unknown) => {
  const options = { ...(resourceLimits === undefined ? {} : { resourceLimits }), ...(workerData === undefined ? {} : { workerData }) }
  const worker = new Worker(url, options)
  const held: Array<unknown> = []
  let holding = true
  // Never removed: taking a worker's last 'message' listener away can stop its port.
  const hold = (message: unknown) => {
    if (holding) held.push(message)
  }
  worker.on("message", hold)
  // A worker that died before it was adopted has already sent its "exit" event, which the
  // pool would wait for in vain: the pool gets a fresh worker instead, whose death it sees.
  let exited = false
  worker.once("exit", () => {
    exited = true
  })
  // After the listener: attaching a 'message' listener references the worker again.
  worker.unref()
  let adopted = false
  return {
    adopt(): Worker {
      if (adopted) throw new Error("early worker adopted twice")
      adopted = true
      if (exited) return new Worker(url, options)
      worker.ref()
      // Hand over when the pool attaches its 'message' listener (it attaches others first):
      // 'newListener' fires just before the listener is added, so replay on the next tick,
      // before any further message can be delivered.
      const onListener = (event: string | symbol) => {
        if (event !== "message") return
        worker.off("newListener", onListener)
        holding = false
        process.nextTick(() => held.splice(0).forEach((message) => worker.emit("message", message)))
      }
      worker.on("newListener", onListener)
      return worker
    },
    /** Stops the worker if no pool took it (a job the cache answered): exiting then waits for nothing. */
    discard(): void {
      if (!adopted) void worker.terminate()
    }
  }
}

export type EarlyWorker = ReturnType<typeof startEarlyWorker>
