/**
 * Where the Encrypt tool's output goes, streamed, never whole in the page's memory:
 * - File System Access (Chromium): `showSaveFilePicker` for one file, `showDirectoryPicker`
 *   for several (each written as its own file there). Bytes go to the browser's swap file
 *   and become the file only at `close()`; `abort()` discards them, and a file the picker
 *   created empty for this output is removed, so a failure leaves nothing.
 * - Otherwise a download streamed through the service worker: the page transfers a
 *   ReadableStream to it and opens its download address in a hidden frame; the browser
 *   saves the stream as it comes. `abort()` errors the stream: the browser marks the
 *   download failed and drops the partial file.
 * - With neither (the page is not controlled by the service worker yet), a Blob the
 *   browser keeps outside the page's heap, downloaded only once whole (keys/download.ts).
 * Nothing is stored: no IndexedDB, no localStorage, no cache.
 */
import { blobSink } from "../keys/download.js"

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

/** A file handle's writable as a target; `removeOnAbort` removes the file (one this output created empty). */
const handleTarget = async (handle: FileHandleLike, remove: (() => Promise<void>) | undefined): Promise<SaveTarget> => {
  const writable = await handle.createWritable()
  return {
    kind: "file-system-access",
    name: handle.name,
    write: (chunk) => writable.write(chunk),
    close: () => writable.close(),
    abort: async (reason) => {
      await writable.abort(reason).catch(() => undefined)
      await remove?.().catch(() => undefined)
    }
  }
}

/** Removes `handle`'s file on abort only when it was empty before this output (never someone's existing file). */
const removerOf = async (handle: FileHandleLike, remove: () => Promise<void>) =>
  (await handle.getFile().then((f) => f.size, () => 1)) === 0 ? remove : undefined

/**
 * Opens the destinations of `names`, in the click's handler (the pickers need the user's
 * gesture): resolves to a function that opens the target of each name in turn.
 */
export const chooseDestination = async (names: ReadonlyArray<string>): Promise<(name: string) => Promise<SaveTarget>> => {
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
      return handleTarget(handle, remove)
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
      return handleTarget(handle, await removerOf(handle, () => directory.removeEntry(name)))
    }
  }
  return async (name) => {
    const worker = controller()
    return worker !== undefined ? serviceWorkerDownload(worker, name) : blobTarget(name)
  }
}

const blobTarget = (name: string): SaveTarget => {
  const sink = blobSink(name, "application/octet-stream")
  return { kind: "blob", name, write: sink.write, close: sink.close, abort: () => sink.abort() }
}

const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")

/** Chunks queued toward the service worker before a write waits (each about 1 MiB). */
const QUEUED_CHUNKS = 4

/** A download the service worker streams from a ReadableStream this page writes. */
export const serviceWorkerDownload = async (worker: ServiceWorker, name: string): Promise<SaveTarget> => {
  const id = randomId()
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: QUEUED_CHUNKS }, { highWaterMark: 0 })
  const channel = new MessageChannel()
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the service worker did not take the download")), 10_000)
    channel.port1.onmessage = () => {
      clearTimeout(timer)
      resolve()
    }
  })
  worker.postMessage({ type: "sluice:download", id, name, stream: readable }, [readable as unknown as Transferable, channel.port2])
  await ready
  channel.port1.close()
  const frame = document.createElement("iframe")
  frame.hidden = true
  frame.src = new URL(`./__sluice-download/${id}/${encodeURIComponent(name)}`, location.href).href
  document.body.append(frame)
  const writer = writable.getWriter()
  const dropFrame = () => setTimeout(() => frame.remove(), 30_000)
  return {
    kind: "service-worker",
    name,
    write: async (chunk) => {
      await writer.ready
      void writer.write(chunk).catch(() => undefined)
    },
    close: async () => {
      await writer.close()
      dropFrame()
    },
    abort: async (reason) => {
      await writer.abort(new Error(reason)).catch(() => undefined)
      dropFrame()
    }
  }
}
