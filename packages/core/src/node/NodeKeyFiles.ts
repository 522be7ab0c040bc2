/** Key files written by the worker that made the keys (`KeyFileWriter`): one open, write and close each. */
import { Layer } from "effect"
import * as fs from "node:fs"
import { KeyFileWriter } from "../keys/KeyFiles.js"

const create = (path: string, mode: number): number => {
  try {
    return fs.openSync(path, "wx", mode)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    // Left by an earlier attempt of the same batch (a staging name is the caller's own).
    fs.unlinkSync(path)
    return fs.openSync(path, "wx", mode)
  }
}

const write = (path: string, bytes: Uint8Array, mode: number): void => {
  const fd = create(path, mode)
  try {
    let offset = 0
    while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset)
  } finally {
    fs.closeSync(fd)
  }
}

export const layer: Layer.Layer<KeyFileWriter> = Layer.succeed(KeyFileWriter)({ write })
