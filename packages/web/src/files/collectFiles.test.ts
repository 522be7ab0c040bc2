import { describe, expect, it } from "vitest"
import { collectDropped, collectPicked } from "./collectFiles.js"

// Just enough of the File and Directory Entries API (https://wicg.github.io/entries-api/).
const fileEntry = (path: string, content = "x", error?: DOMException): FileSystemEntry => {
  const name = path.split("/").at(-1)!
  return {
    isFile: true,
    isDirectory: false,
    name,
    fullPath: `/${path}`,
    file: (ok: (file: File) => void, fail: (error: DOMException) => void) =>
      error === undefined ? ok(new File([content], name)) : fail(error)
  } as unknown as FileSystemEntry
}

const directoryEntry = (path: string, children: Array<FileSystemEntry>, batch = 2): FileSystemEntry => ({
  isFile: false,
  isDirectory: true,
  name: path.split("/").at(-1)!,
  fullPath: `/${path}`,
  createReader: () => {
    let offset = 0
    return {
      readEntries: (ok: (entries: Array<FileSystemEntry>) => void) => {
        ok(children.slice(offset, offset + batch))
        offset += batch
      }
    }
  }
}) as unknown as FileSystemEntry

const dropOf = (entries: Array<FileSystemEntry>): DataTransfer =>
  ({
    items: entries.map((entry) => ({ kind: "file", webkitGetAsEntry: () => entry })),
    files: []
  }) as unknown as DataTransfer

describe("collectDropped", () => {
  it("walks folders recursively, reading every batch of entries, with paths from the dropped folder", async () => {
    const tree = directoryEntry("photos", [
      fileEntry("photos/c.jpg"),
      directoryEntry("photos/2024", [fileEntry("photos/2024/x.raw"), fileEntry("photos/2024/y.raw", "yy")]),
      fileEntry("photos/a.jpg"),
      fileEntry("photos/b.jpg")
    ])
    const { files, unlisted } = await collectDropped(dropOf([tree, fileEntry("notes.txt")]))
    expect(files.map((f) => f.path)).toEqual([
      "photos/2024/x.raw",
      "photos/2024/y.raw",
      "photos/a.jpg",
      "photos/b.jpg",
      "photos/c.jpg",
      "notes.txt"
    ])
    expect(files[1]!.file.size).toBe(2)
    expect(unlisted).toEqual([])
  })

  it("reports an entry that cannot be opened and keeps the rest", async () => {
    const locked = fileEntry("dir/locked", "x", new DOMException("A requested file could not be read", "NotReadableError"))
    const { files, unlisted } = await collectDropped(dropOf([directoryEntry("dir", [locked, fileEntry("dir/ok")])]))
    expect(files.map((f) => f.path)).toEqual(["dir/ok"])
    expect(unlisted).toEqual([{ path: "dir/locked", message: "NotReadableError: A requested file could not be read" }])
  })
})

describe("collectPicked", () => {
  it("names files from a folder picker by their relative path", () => {
    const inFolder = new File(["a"], "a.txt")
    Object.defineProperty(inFolder, "webkitRelativePath", { value: "folder/a.txt" })
    const alone = new File(["b"], "b.txt")
    const list = [inFolder, alone] as unknown as FileList
    expect(collectPicked(list).files.map((f) => f.path)).toEqual(["folder/a.txt", "b.txt"])
  })
})
