/** Keys in one ZIP at most: client-zip keeps a record (about 100 bytes) per file for the central directory. */
export const ZIP_MAX_KEYS = 10_000
