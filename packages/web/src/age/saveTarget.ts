/**
 * Where the Encrypt tool's output goes, streamed, never whole in the page's memory. The
 * page's main thread only transfers each piece's buffer (no copy) to a writer thread of
 * the output's own (saveWorker.ts), which writes it:
 * - File System Access (Chromium): `showSaveFilePicker` for one file, `showDirectoryPicker`
 *   for several (each written as its own file there). Bytes go to the browser's swap file
 *   and become the file only at `close()`; `abort()` discards them, and a file the picker
 *   created empty for this output is removed, so a failure leaves nothing.
 * - Otherwise a download streamed through the service worker: the writer thread and the
 *   service worker share a MessageChannel, and the page opens the download's address in a
 *   hidden frame; the browser saves the stream as it comes, asking for each piece.
 *   `abort()` errors the stream: the browser marks the download failed and drops the
 *   partial file.
 * - With neither (the page is not controlled by the service worker yet), a Blob the
 *   browser keeps outside the page's heap, downloaded only once whole (keys/download.ts).
 * Nothing is stored: no IndexedDB, no localStorage, no cache.
 */
import { blobSink } from "../keys/download.js"
import type { SaveReply, SaveRequest } from "./saveWorker.js"

export type SaveKind = "file-system-access" | "service-worker" | "blob"

export interface SaveTarget {
  readonly kind: SaveKind
  readonly name: string
  /** Resolves when the destination can take more (backpressure). */
  readonly write: (chunk: Uint8Array) => Promise<void>
  /** The output is whole: it becomes the file, or its download completes. */
  readonly close: () => Promise<void>
  /** Nothing is left at the destination. */
  readonly abort: (reason: string) => Promise<void>
}

/**
 * A chosen destination before anything is written: either opened here as a `SaveTarget`
 * (the page's writer thread), or handed whole to another thread (`handOver`: the file
 * handle or the download's port that thread writes to, then `settled` once it closed or
 * aborted it). Only one of the two, once.
 */
export interface Destination {
  readonly kind: SaveKind
  readonly name: string
  /** The writer thread's opening request and what it transfers; undefined for a Blob. */
  readonly handOver?: () => { readonly open: SaveRequest; readonly transfer: Array<Transferable>; readonly settled: (ok: boolean) => Promise<void> }
  readonly open: () => Promise<SaveTarget>
}

/** A person who closed the picker: not an error to show. */
export class SaveCancelled extends Error {
  constructor() {
    super("no destination was chosen")
  }
}

interface WritableLike {
  write(data: Uint8Array): Promise<void>
  close(): Promise<void>
  abort(reason?: unknown): Promise<void>
}
interface FileHandleLike {
  readonly name: string
  createWritable(): Promise<WritableLike>
  getFile(): Promise<{ readonly size: number }>
  remove?: () => Promise<void>
}
interface DirectoryHandleLike {
  getFileHandle(name: string, options: { create: boolean }): Promise<FileHandleLike>
  removeEntry(name: string): Promise<void>
}
type SaveFilePicker = (options: { suggestedName: string }) => Promise<FileHandleLike>
type DirectoryPicker = (options: { mode: "readwrite" }) => Promise<DirectoryHandleLike>

const fileSystemAccess = () => {
  const g = globalThis as { showSaveFilePicker?: SaveFilePicker; showDirectoryPicker?: DirectoryPicker }
  return typeof g.showSaveFilePicker === "function" && typeof g.showDirectoryPicker === "function"
    ? { saveFile: g.showSaveFilePicker.bind(globalThis), directory: g.showDirectoryPicker.bind(globalThis) }
    : undefined
}

const controller = (): ServiceWorker | undefined =>
  (globalThis.navigator as { serviceWorker?: ServiceWorkerContainer } | undefined)?.serviceWorker?.controller ?? undefined

/** How outputs will be saved in this browser, now. */
export const saveKind = (): SaveKind =>
  fileSystemAccess() !== undefined ? "file-system-access" : controller() !== undefined ? "service-worker" : "blob"

const cancelled = (error: unknown) => {
  if (error instanceof DOMException && error.name === "AbortError") return new SaveCancelled()
  return error
}

/** A writer thread for one output: `open` is its first request (a file handle or a port). */
const writerThread = async (name: string, kind: SaveKind, open: SaveRequest, transfer: Array<Transferable>): Promise<SaveTarget> => {
  const worker = new Worker(new URL("./saveWorker.ts", import.meta.url), { type: "module", name: "sluice-save" })
  let failure: Error | undefined
  const waiters: Array<{ readonly until: (reply: SaveReply) => boolean; readonly resolve: () => void; readonly reject: (error: Error) => void }> = []
  let acked = -1
  const settle = (reply: SaveReply) => {
    if (reply.type === "written") acked = reply.seq
    if (reply.type === "failed") failure = new Error(reply.message)
    for (const waiter of [...waiters]) {
      if (failure !== undefined && reply.type === "failed") waiter.reject(failure)
      else if (!waiter.until(reply)) continue
      else waiter.resolve()
      waiters.splice(waiters.indexOf(waiter), 1)
    }
  }
  worker.onmessage = (event: MessageEvent<SaveReply>) => settle(event.data)
  worker.onerror = (event) => settle({ type: "failed", message: `the writer thread failed${event.message ? `: ${event.message}` : ""}` })
  const until = (test: (reply: SaveReply) => boolean) =>
    failure !== undefined ? Promise.reject(failure) : new Promise<void>((resolve, reject) => waiters.push({ until: test, resolve, reject }))
  const opened = until((r) => r.type === "opened")
  worker.postMessage(open, transfer)
  try {
    await opened
  } catch (error) {
    worker.terminate()
    throw error
  }
  let seq = 0
  return {
    kind,
    name,
    write: async (chunk) => {
      if (failure !== undefined) throw failure
      // The buffer is transferred when the chunk is all of it (a worker's result); a view is copied.
      const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer
      const buffer = whole ? chunk.buffer as ArrayBuffer : chunk.slice().buffer
      const mine = seq++
      worker.postMessage({ type: "write", seq: mine, buffer } satisfies SaveRequest, [buffer])
      if (mine - acked > IN_FLIGHT) await until(() => mine - acked <= IN_FLIGHT)
    },
    close: async () => {
      const closed = until((r) => r.type === "closed")
      worker.postMessage({ type: "close" } satisfies SaveRequest)
      try {
        await closed
      } finally {
        worker.terminate()
      }
    },
    abort: async (reason) => {
      failure ??= new Error(reason)
      const aborted = new Promise<void>((resolve) => waiters.push({ until: (r) => r.type === "aborted", resolve, reject: () => resolve() }))
      worker.postMessage({ type: "abort", reason } satisfies SaveRequest)
      await Promise.race([aborted, new Promise((resolve) => setTimeout(resolve, 5_000))])
      worker.terminate()
    }
  }
}

/** Pieces written ahead of the destination's acknowledgement (each about 1 MiB). */
const IN_FLIGHT = 4

/** A file handle as a destination; `remove` removes the file on abort (one this output created empty). */
const handleDestination = (handle: FileHandleLike, remove: (() => Promise<void>) | undefined): Destination => ({
  kind: "file-system-access",
  name: handle.name,
  handOver: () => ({
    open: { type: "open-fsa", handle: handle as unknown as FileSystemFileHandle },
    transfer: [],
    settled: async (ok) => {
      if (!ok) await remove?.().catch(() => undefined)
    }
  }),
  open: async () => {
    const target = await writerThread(handle.name, "file-system-access", { type: "open-fsa", handle: handle as unknown as FileSystemFileHandle }, [])
    return {
      ...target,
      abort: async (reason) => {
        await target.abort(reason)
        await remove?.().catch(() => undefined)
      }
    }
  }
})

/** Removes `handle`'s file on abort only when it was empty before this output (never someone's existing file). */
const removerOf = async (handle: FileHandleLike, remove: () => Promise<void>) =>
  (await handle.getFile().then((f) => f.size, () => 1)) === 0 ? remove : undefined

/**
 * Opens the destinations of `names`, in the click's handler (the pickers need the user's
 * gesture): resolves to a function that opens the target of each name in turn.
 */
export const chooseDestination = async (names: ReadonlyArray<string>): Promise<(name: string) => Promise<Destination>> => {
  const fsa = fileSystemAccess()
  if (fsa !== undefined && names.length === 1) {
    let handle: FileHandleLike
    try {
      handle = await fsa.saveFile({ suggestedName: names[0]! })
    } catch (error) {
      throw cancelled(error)
    }
    const remove = handle.remove === undefined ? undefined : await removerOf(handle, () => handle.remove!())
    let used = false
    return async () => {
      if (used) throw new Error("the chosen file was already written")
      used = true
      return handleDestination(handle, remove)
    }
  }
  if (fsa !== undefined) {
    let directory: DirectoryHandleLike
    try {
      directory = await fsa.directory({ mode: "readwrite" })
    } catch (error) {
      throw cancelled(error)
    }
    return async (name) => {
      const handle = await directory.getFileHandle(name, { create: true })
      return handleDestination(handle, await removerOf(handle, () => directory.removeEntry(name)))
    }
  }
  return async (name) => {
    const worker = controller()
    return worker !== undefined ? serviceWorkerDownload(worker, name) : blobDestination(name)
  }
}

const blobDestination = (name: string): Destination => ({
  kind: "blob",
  name,
  open: async () => {
    const sink = blobSink(name, "application/octet-stream")
    return { kind: "blob", name, write: sink.write, close: sink.close, abort: () => sink.abort() }
  }
})

const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")

/**
 * A download the service worker streams, fed through a MessageChannel by the thread that
 * writes it; the page opens the download's address in a hidden frame once that thread has
 * the port (the service worker asks it for pieces as the browser saves them).
 */
export const serviceWorkerDownload = async (worker: ServiceWorker, name: string): Promise<Destination> => {
  const id = randomId()
  const data = new MessageChannel()
  const ack = new MessageChannel()
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the service worker did not take the download")), 10_000)
    ack.port1.onmessage = () => {
      clearTimeout(timer)
      resolve()
    }
  })
  worker.postMessage({ type: "sluice:download", id, name, port: data.port1, ack: ack.port2 }, [data.port1, ack.port2])
  await ready
  ack.port1.close()
  let frame: HTMLIFrameElement | undefined
  const startDownload = () => {
    frame = document.createElement("iframe")
    frame.hidden = true
    frame.src = new URL(`./__sluice-download/${id}/${encodeURIComponent(name)}`, location.href).href
    document.body.append(frame)
  }
  const dropFrame = () => {
    const f = frame
    if (f !== undefined) setTimeout(() => f.remove(), 30_000)
  }
  return {
    kind: "service-worker",
    name,
    handOver: () => {
      startDownload()
      return {
        open: { type: "open-port", port: data.port2 },
        transfer: [data.port2],
        settled: async () => dropFrame()
      }
    },
    open: async () => {
      const target = await writerThread(name, "service-worker", { type: "open-port", port: data.port2 }, [data.port2])
      startDownload()
      return {
        ...target,
        close: async () => {
          await target.close()
          dropFrame()
        },
        abort: async (reason) => {
          await target.abort(reason)
          dropFrame()
        }
      }
    }
  }
}
