import { type DragEvent, useRef, useState } from "react"
import { carriesFiles, type Collected, collectDropped, collectPicked } from "../files/collectFiles.js"

export interface DropZoneProps {
  readonly onFiles: (collected: Collected) => void
}

/** Files and whole folders, dropped or picked; both buttons work from the keyboard. */
export const DropZone = ({ onFiles }: DropZoneProps) => {
  const [dragging, setDragging] = useState(false)
  const [listing, setListing] = useState(false)
  const filesInput = useRef<HTMLInputElement>(null)
  const folderInput = useRef<HTMLInputElement>(null)

  const onDragOver = (event: DragEvent) => {
    if (!carriesFiles(event.dataTransfer)) return
    event.preventDefault()
    event.dataTransfer.dropEffect = "copy"
    setDragging(true)
  }
  const onDragLeave = (event: DragEvent) => {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false)
  }
  const onDrop = (event: DragEvent) => {
    event.preventDefault()
    setDragging(false)
    setListing(true)
    collectDropped(event.dataTransfer)
      .then(onFiles)
      .finally(() => setListing(false))
  }
  const onPicked = (input: HTMLInputElement | null) => {
    if (input === null) return
    onFiles(collectPicked(input.files))
    // The same file picked again is a new change.
    input.value = ""
  }

  return (
    <section
      className={dragging ? "dropzone dragging" : "dropzone"}
      aria-labelledby="dropzone-title"
      data-dropzone=""
      onDragEnter={onDragOver}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <h2 id="dropzone-title" className="dropzone-title">
        {dragging ? "Drop to hash" : "Drop files or folders here"}
      </h2>
      <p className="hint">They are read on this device and never uploaded.</p>
      <div className="dropzone-actions">
        <button type="button" className="button primary" onClick={() => filesInput.current?.click()}>
          Choose files
        </button>
        <button type="button" className="button" onClick={() => folderInput.current?.click()}>
          Choose folder
        </button>
      </div>
      {listing ? <p className="hint" role="status">Listing folders…</p> : null}
      <input
        ref={filesInput}
        type="file"
        multiple
        hidden
        data-testid="pick-files"
        onChange={(event) => onPicked(event.currentTarget)}
      />
      <input
        ref={(input) => {
          folderInput.current = input
          // Not a React prop: set on the element (HTMLInputElement.webkitdirectory).
          if (input !== null) input.webkitdirectory = true
        }}
        type="file"
        multiple
        hidden
        data-testid="pick-folder"
        onChange={(event) => onPicked(event.currentTarget)}
      />
    </section>
  )
}
