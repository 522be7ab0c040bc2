/**
 * The words the system gives an output's errors (strerror's), by Node's code: what Sluice
 * prints after a path (`sluice: out.age: No space left on device`). Plain data, no Effect:
 * the full program's errors and the CLI's lean programs print the same words.
 */
export const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOSPC: "No space left on device",
  EDQUOT: "Disk quota exceeded",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EROFS: "Read-only file system",
  EIO: "Input/output error",
  EFBIG: "File too large"
}
