/**
 * Where a file of many keys goes, streamed: the page never builds it whole in its heap.
 * - `showSaveFilePicker` (File System Access, Chromium): chunks go to the browser's swap
 *   file beside the destination, moved into place by `close()`; `abort()` on a cancel or
 *   a failure leaves the destination as it was (nothing partial).
 * - Otherwise a `Blob` built from chunks, folded every few MiB into one Blob (the browser
 *   keeps Blob data outside the JS heap and pages large ones to disk), handed to the
 *   browser as a download only once the last key is written. The app has no service
 *   worker download route, so this is the fallback.
 * Nothing is stored: no IndexedDB, no localStorage, and the object URL is revoked.
 */

export type SaveKind = "file-system-access" | "blob"

export interface KeyFileSink {
  readonly kind: SaveKind
  readonly write: (chunk: Uint8Array) => Promise<void>
  /** The file is whole: moved into place, or handed to the browser as a download. */
  readonly close: () => Promise<void>
  /** Nothing is written to the destination. */
  readonly abort: () => Promise<void>
}

interface WritableLike {
  write(data: Uint8Array): Promise<void>
  close(): Promise<void>
  abort(): Promise<void>
}
interface FileHandleLike {
  createWritable(): Promise<WritableLike>
}
type SaveFilePicker = (options: {
  suggestedName: string
  types?: ReadonlyArray<{ description: string; accept: Record<string, ReadonlyArray<string>> }>
}) => Promise<FileHandleLike>

const picker = (): SaveFilePicker | undefined =>
  (globalThis as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker

/** Which way a download will go in this browser. */
export const saveKind = (): SaveKind => (typeof picker() === "function" ? "file-system-access" : "blob")

/** A person who closed the file picker: not an error to show. */
export class SaveCancelled extends Error {
  constructor() {
    super("no file was chosen")
  }
}

/**
 * Opens the destination: asks where to save (must run in the click's handler: the picker
 * needs the user's gesture), or prepares the Blob fallback.
 */
export const openKeyFile = async (name: string, mime: string): Promise<KeyFileSink> => {
  const pick = picker()
  if (typeof pick === "function") {
    let handle: FileHandleLike
    try {
      const extension = name.slice(name.lastIndexOf("."))
      handle = await pick({ suggestedName: name, types: [{ description: name, accept: { [mime]: [extension] } }] })
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw new SaveCancelled()
      throw error
    }
    const writable = await handle.createWritable()
    return {
      kind: "file-system-access",
      write: (chunk) => writable.write(chunk),
      close: () => writable.close(),
      abort: () => writable.abort().catch(() => undefined)
    }
  }
  return blobSink(name, mime)
}

/** Pending chunks are folded into the Blob past this many bytes. */
const FOLD_BYTES = 4 * 1024 * 1024

export const blobSink = (name: string, mime: string, download: (blob: Blob, name: string) => void = downloadBlob): KeyFileSink => {
  let blob: Blob | undefined = new Blob([], { type: mime })
  let pending: Array<Uint8Array<ArrayBuffer>> = []
  let pendingBytes = 0
  const fold = () => {
    if (blob === undefined) throw new Error("the download was already closed")
    blob = new Blob([blob, ...pending], { type: mime })
    pending = []
    pendingBytes = 0
  }
  return {
    kind: "blob",
    write: async (chunk) => {
      pending.push(chunk.slice())
      pendingBytes += chunk.length
      if (pendingBytes >= FOLD_BYTES) fold()
    },
    close: async () => {
      fold()
      const whole = blob!
      blob = undefined
      download(whole, name)
    },
    abort: async () => {
      blob = undefined
      pending = []
    }
  }
}

/** Hands a Blob to the browser as a download of `name`; the URL is revoked once it is taken. */
export const downloadBlob = (blob: Blob, name: string): void => {
  const url = URL.createObjectURL(blob)
  const link = document.createElement("a")
  link.href = url
  link.download = name
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/**
 * Text in chunks of about `size` bytes: many small lines become few writes (each write to
 * a File System Access stream is a round trip to the browser process).
 */
export const chunkedText = (sink: Pick<KeyFileSink, "write">, size = 256 * 1024) => {
  const encoder = new TextEncoder()
  let parts: Array<string> = []
  let length = 0
  const flush = async () => {
    if (parts.length === 0) return
    const text = parts.join("")
    parts = []
    length = 0
    await sink.write(encoder.encode(text))
  }
  return {
    add: async (text: string) => {
      parts.push(text)
      length += text.length
      if (length >= size) await flush()
    },
    flush
  }
}

/**
 * Small writes gathered into writes of about `size` bytes (a ZIP writer hands over every
 * header and file on its own); `flush` writes what is gathered.
 */
export const gathered = (sink: Pick<KeyFileSink, "write">, size = 256 * 1024) => {
  let parts: Array<Uint8Array> = []
  let length = 0
  const flush = async () => {
    if (length === 0) return
    const whole = new Uint8Array(length)
    let offset = 0
    for (const part of parts) {
      whole.set(part, offset)
      offset += part.length
    }
    parts = []
    length = 0
    await sink.write(whole)
  }
  return {
    write: async (chunk: Uint8Array) => {
      parts.push(chunk.slice())
      length += chunk.length
      if (length >= size) await flush()
    },
    flush
  }
}
