/** A file's fingerprint of sampled blocks (engine/cache/fingerprint.ts), without Effect: nodeIdentity.ts's and the CLI's lean hash's. */
import { closeSync, openSync, readSync } from "node:fs"
import { FINGERPRINT_HEX, sampleRanges } from "../engine/cache/fingerprint.js"

/** The fingerprint of the sampled blocks of the file at `path`, as it is now. */
export const fingerprintFile = (path: string | Buffer, size: number): string => {
  const fd = openSync(path, "r")
  try {
    // node:crypto as Node has it, loaded when first asked: the lean check's bundle holds this module and seldom needs it.
    const hash = process.getBuiltinModule("node:crypto").createHash("sha256")
    const buffer = Buffer.allocUnsafe(3 * 4096)
    for (const range of sampleRanges(size)) {
      let done = 0
      while (done < range.length) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, range.length - done), range.offset + done)
        if (n === 0) break
        hash.update(buffer.subarray(0, n))
        done += n
      }
    }
    return hash.digest("hex").slice(0, FINGERPRINT_HEX)
  } finally {
    closeSync(fd)
  }
}
