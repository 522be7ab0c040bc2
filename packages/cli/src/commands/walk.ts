import { type Dirent, readdirSync, statSync } from "node:fs"
import { join } from "node:path"

/**
 * `hash -r`: each argument that is a directory becomes the regular files under it, in
 * byte order of their names at every level, named from the argument down. Symbolic links are not followed; other arguments
 * stay as they are, so a missing file is still reported as missing.
 */
export const expandDirectories = (args: ReadonlyArray<string>): Array<string> =>
  args.flatMap((arg) => {
    if (arg === "-") return [arg]
    try {
      return statSync(arg).isDirectory() ? filesUnder(arg) : [arg]
    } catch {
      return [arg]
    }
  })

const byName = (a: Dirent, b: Dirent) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name))

const filesUnder = (dir: string): Array<string> => {
  const files: Array<string> = []
  const visit = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort(byName)) {
      const child = join(path, entry.name)
      if (entry.isDirectory()) visit(child)
      else if (entry.isFile()) files.push(child)
    }
  }
  visit(dir)
  return files
}
