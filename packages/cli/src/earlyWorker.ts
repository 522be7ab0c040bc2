import { Worker } from "node:worker_threads"

/**
 * A worker started before the program has loaded, so that the two start-ups overlap.
 * Until the pool adopts it, it is unreferenced (a command that needs no worker exits at
 * once) and its messages are held back: the pool's handshake waits for the worker's
 * "ready" message, which an early worker may already have sent.
 */
export const startEarlyWorker = (url: URL) => {
  const worker = new Worker(url)
  const held: Array<unknown> = []
  const hold = (message: unknown) => held.push(message)
  worker.on("message", hold)
  // After the listener: attaching a 'message' listener references the worker again.
  worker.unref()
  let adopted = false
  return {
    adopt(): Worker {
      if (adopted) throw new Error("early worker adopted twice")
      adopted = true
      worker.off("message", hold)
      worker.ref()
      // Replay once the pool's own listener is attached ('newListener' fires just before).
      worker.once("newListener", (event: string) => {
        if (event === "message") setImmediate(() => held.splice(0).forEach((m) => worker.emit("message", m)))
      })
      return worker
    }
  }
}

export type EarlyWorker = ReturnType<typeof startEarlyWorker>
