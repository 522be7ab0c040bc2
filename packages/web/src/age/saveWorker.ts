/**
 * The writer thread of one output of the Encrypt tool (saveTarget.ts): the page transfers
 * each piece's buffer here (no copy), and this worker writes it to the destination, so the
 * page's main thread never copies a payload byte.
 * - `fsa`: a File System Access file handle; its writable is created here, written in
 *   order, closed (the swap file becomes the file) or aborted (nothing is left).
 * - `port`: a MessagePort to the service worker's download; a piece is sent (transferred)
 *   each time the download's stream asks for one, which holds the page back when the disk
 *   is slow. Abort tells the service worker to error the download.
 * Each write is acknowledged once done (or sent on), so the page keeps a few in flight.
 */
import { fsaSink, portSink, type Sink } from "./saveSinks.js"

export type SaveRequest =
  | { readonly type: "open-fsa"; readonly handle: FileSystemFileHandle }
  | { readonly type: "open-port"; readonly port: MessagePort }
  | { readonly type: "write"; readonly seq: number; readonly buffer: ArrayBuffer }
  | { readonly type: "close" }
  | { readonly type: "abort"; readonly reason: string }

export type SaveReply =
  | { readonly type: "opened" }
  | { readonly type: "written"; readonly seq: number }
  | { readonly type: "closed" }
  | { readonly type: "aborted" }
  | { readonly type: "failed"; readonly message: string }

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<SaveRequest>) => void) | null
  postMessage(message: SaveReply): void
}

let sink: Sink | undefined
let failed: string | undefined
// Requests run one after another, in the order they came.
let queue: Promise<void> = Promise.resolve()

const handle = async (request: SaveRequest): Promise<void> => {
  switch (request.type) {
    case "open-fsa":
      sink = await fsaSink(request.handle)
      return scope.postMessage({ type: "opened" })
    case "open-port":
      sink = portSink(request.port)
      return scope.postMessage({ type: "opened" })
    case "write":
      if (failed !== undefined) return
      await sink!.write(new Uint8Array(request.buffer))
      return scope.postMessage({ type: "written", seq: request.seq })
    case "close":
      await sink!.close()
      return scope.postMessage({ type: "closed" })
    case "abort":
      await sink?.abort(request.reason)
      return scope.postMessage({ type: "aborted" })
  }
}

scope.onmessage = (event) => {
  const request = event.data
  queue = queue.then(() => handle(request)).catch((error: unknown) => {
    // After a failure only an abort is answered: the page aborts when told.
    if (request.type === "abort") return scope.postMessage({ type: "aborted" })
    failed = error instanceof Error ? error.message : String(error)
    scope.postMessage({ type: "failed", message: failed })
  })
}
