/**
 * How much the lean programs take on before they leave a job to the full program: the lean
 * hash (hashMain.ts) and the lean check (checkMain.ts), which reads the files its cache
 * does not answer as the lean hash does. A module of its own so that the lean check's
 * build does not take in the lean hash, which it loads only when it has files to hash.
 */
export const LEAN_LIMITS = {
  /**
   * A file the cache does not answer is hashed here up to this size (through a 1 MiB
   * buffer); a larger one is the pool's, whose reads overlap its hashing on a worker.
   */
  fileBytes: 64 * 1024 * 1024,
  /** A worker shares the files from this many (its start-up costs about as much as hashing ~1,500 small files here). */
  workerFiles: 1_500,
  /** ...or this many bytes to read. */
  workerBytes: 48 * 1024 * 1024,
  /**
   * More files than this go to the full program, whose memory does not grow with the count:
   * this one holds every file's stat and digest until it prints (~0.9 KiB a file here:
   * 125 MiB peak for 50,000 files against 89 MiB for 10,000, one thread).
   */
  maxFiles: 100_000,
  /**
   * Where @sluice/native loads, the files to hash go to it in calls of this many (core's
   * nativeBatch.ts): this thread stores one call's entries while the addon hashes the next
   * on every core...
   */
  nativePart: 1_024,
  /** ...of which this many are queued at a time. */
  nativeAhead: 2,
  /**
   * From this many files, on a cache that can answer nothing (or none), the addon stats each
   * file as it opens it (`LeanPlan.statHere`), not a call before: a file too large for this
   * program is found only then (the hash stops at the first part that has one, and the
   * full program runs it, its worker started late). Fewer files are stat'ed first, so
   * the full program's worker starts at once for a large one.
   */
  statHereFiles: 1_000,
  /** On a terminal, more files than this go to the full program, which shows progress... */
  ttyFiles: 50_000,
  /** ...or more bytes to read than this. */
  ttyBytes: 256 * 1024 * 1024
}
