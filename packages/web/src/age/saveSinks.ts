/**
 * The writers of one output, for whichever thread writes it (the page's writer thread,
 * saveWorker.ts, or the job thread, ageJobWorker.ts): a File System Access file or the
 * service worker's download port. Neither copies a payload byte on the thread that holds it.
 */
export interface Sink {
  /** Resolves when the destination can take more (a few writes stay queued ahead of the disk). */
  readonly write: (chunk: Uint8Array) => Promise<void>
  /** Every queued write done, then the output is whole. */
  readonly close: () => Promise<void>
  /** Nothing is left (the swap file is dropped, the download errored). */
  readonly abort: (reason: string) => Promise<void>
}

/** Writes queued on the file's stream before a new one waits for the oldest (each a piece, a few MiB). */
const QUEUED_WRITES = 3

/**
 * A File System Access file: its writable created here, written through one writer so
 * that a few writes queue in order while the next piece is opened or sealed.
 */
export const fsaSink = async (handle: FileSystemFileHandle): Promise<Sink> => {
  const writable = await handle.createWritable()
  const writer = writable.getWriter()
  const queued: Array<Promise<void>> = []
  let failure: unknown
  const settle = (promise: Promise<void>) =>
    promise.catch((error: unknown) => {
      failure ??= error
    })
  return {
    write: async (chunk) => {
      if (failure !== undefined) throw failure
      queued.push(settle(writer.write(chunk)))
      while (queued.length > QUEUED_WRITES) await queued.shift()
      if (failure !== undefined) throw failure
    },
    close: async () => {
      await Promise.all(queued.splice(0))
      if (failure !== undefined) throw failure
      await writer.close()
    },
    abort: (reason) => writer.abort(reason).catch(() => undefined)
  }
}

/**
 * The service worker's download: a piece is sent (its buffer transferred when the chunk
 * is all of it) each time the download's stream asks for one, which holds the job back
 * when the disk is slow. Abort tells the service worker to error the download.
 */
export const portSink = (port: MessagePort): Sink => {
  let credits = 0
  let cancelled = false
  const waiting: Array<() => void> = []
  port.onmessage = (event: MessageEvent<unknown>) => {
    if (event.data === "pull") credits++
    else if (event.data === "cancel") cancelled = true
    for (const wake of waiting.splice(0)) wake()
  }
  return {
    write: async (chunk) => {
      while (credits === 0 && !cancelled) await new Promise<void>((resolve) => waiting.push(resolve))
      if (cancelled) throw new Error("the download was cancelled in the browser")
      credits--
      const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer
      const buffer = whole ? chunk.buffer as ArrayBuffer : chunk.slice().buffer
      port.postMessage({ chunk: buffer }, [buffer])
    },
    close: async () => {
      if (cancelled) throw new Error("the download was cancelled in the browser")
      port.postMessage({ done: true })
    },
    abort: async (reason) => {
      port.postMessage({ error: reason })
    }
  }
}
