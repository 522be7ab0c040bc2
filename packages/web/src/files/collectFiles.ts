import type { PickedFile } from "../jobs/HashJobs.js"

/** Something dropped that could not be listed or opened, with the browser's reason. */
export interface Unlisted {
  readonly path: string
  readonly message: string
}

export interface Collected {
  readonly files: ReadonlyArray<PickedFile>
  readonly unlisted: ReadonlyArray<Unlisted>
}

const errorMessage = (error: unknown): string =>
  error instanceof DOMException ? `${error.name}: ${error.message}` : error instanceof Error ? error.message : String(error)

const stripSlash = (path: string): string => path.replace(/^\/+/, "")

const fileOf = (entry: FileSystemFileEntry): Promise<File> =>
  new Promise((resolve, reject) => entry.file(resolve, reject))

// readEntries returns at most a batch (100 in Chromium) per call; an empty batch ends the listing.
const readAll = async (directory: FileSystemDirectoryEntry): Promise<Array<FileSystemEntry>> => {
  const reader = directory.createReader()
  const entries: Array<FileSystemEntry> = []
  for (;;) {
    const batch = await new Promise<Array<FileSystemEntry>>((resolve, reject) => reader.readEntries(resolve, reject))
    if (batch.length === 0) return entries
    entries.push(...batch)
  }
}

const isFile = (entry: FileSystemEntry): entry is FileSystemFileEntry => entry.isFile
const isDirectory = (entry: FileSystemEntry): entry is FileSystemDirectoryEntry => entry.isDirectory

const walk = async (entry: FileSystemEntry, files: Array<PickedFile>, unlisted: Array<Unlisted>): Promise<void> => {
  const path = stripSlash(entry.fullPath) || entry.name
  try {
    if (isFile(entry)) {
      files.push({ path, file: await fileOf(entry) })
    } else if (isDirectory(entry)) {
      const children = await readAll(entry)
      children.sort((a, b) => a.name.localeCompare(b.name))
      for (const child of children) await walk(child, files, unlisted)
    }
  } catch (error) {
    unlisted.push({ path, message: errorMessage(error) })
  }
}

/**
 * The files of a drop, folders walked recursively (`webkitGetAsEntry`, in every current
 * browser). Entries must be taken while the drop event runs; the walk may finish later.
 */
export const collectDropped = (dataTransfer: DataTransfer): Promise<Collected> => {
  const items = Array.from(dataTransfer.items).filter((item) => item.kind === "file")
  const entries = items.map((item) => item.webkitGetAsEntry?.() ?? null)
  if (entries.length === 0 || entries.some((entry) => entry === null)) {
    return Promise.resolve(collectPicked(dataTransfer.files))
  }
  return (async () => {
    const files: Array<PickedFile> = []
    const unlisted: Array<Unlisted> = []
    for (const entry of entries) await walk(entry!, files, unlisted)
    return { files, unlisted }
  })()
}

/** Files from `<input type=file>`, with or without `webkitdirectory`: paths relative to the picked folder. */
export const collectPicked = (list: FileList | null): Collected => ({
  files: Array.from(list ?? [], (file) => ({ path: file.webkitRelativePath || file.name, file })),
  unlisted: []
})

/** True when a drag carries files (not text or a link), so the drop zone can say so while dragging. */
export const carriesFiles = (dataTransfer: DataTransfer | null): boolean =>
  dataTransfer !== null && Array.from(dataTransfer.types).includes("Files")
