import { type Dirent, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { fromOsBytes, fsName } from "../names.js"

/**
 * `hash -r`: each argument that is a directory becomes the regular files under it, in
 * byte order of their names at every level, named from the argument down. Symbolic links are not followed; other arguments
 * stay as they are, so a missing file is still reported as missing. Names are OS strings
 * (names.ts): read as the bytes the directory holds, whether or not they are UTF-8.
 */
export const expandDirectories = (args: ReadonlyArray<string>): Array<string> =>
  args.flatMap((arg) => {
    if (arg === "-") return [arg]
    try {
      return statSync(fsName(arg)).isDirectory() ? filesUnder(arg) : [arg]
    } catch {
      return [arg]
    }
  })

const byName = (a: Dirent<Buffer>, b: Dirent<Buffer>) => Buffer.compare(a.name, b.name)

const filesUnder = (dir: string): Array<string> => {
  const files: Array<string> = []
  const visit = (path: string) => {
    for (const entry of readdirSync(fsName(path), { encoding: "buffer", withFileTypes: true }).sort(byName)) {
      const child = join(path, fromOsBytes(entry.name))
      if (entry.isDirectory()) visit(child)
      else if (entry.isFile()) files.push(child)
    }
  }
  visit(dir)
  return files
}
