/**
 * `@sluice/core/node/check`: what a re-check answered by the check index needs, without
 * Effect: checksum lines (parsing, names as printed) and the index (checkIndex.ts). The
 * CLI's lean `check` (packages/cli/src/checkMain.ts) loads this alone; whatever the index
 * cannot answer goes to the full program, which loads `@sluice/core/node`. The same
 * modules as the full entries. The CLI's lean `hash` (hashMain.ts, hashWorker.ts) takes
 * its file hashing and the result cache's sync form from here too (leanHash.ts).
 */
export { formatChecksumLine, lengthHint, lineAlgorithm, parseAlgorithm, parseChecksumFileBytes, parseChecksumLine, printableName } from "../hash/checksumLine.js"
export type { ChecksumFileBytesEntry } from "../hash/checksumLine.js"
export type { HashAlgorithm } from "../hash/algorithms.js"
export { defaultCacheDir } from "./cacheDir.js"
export {
  checkIndexPath,
  digestNow,
  entryVerdicts,
  FIELDS,
  identityKeyNow,
  indexedKernel,
  indexEntries,
  lineAt,
  linesAt,
  nameAt,
  namesAt,
  nameSpans,
  plainVerdicts,
  readCheckIndex,
  recordVerdictsNative,
  type RecordHashing,
  type RecordVerdicts,
  rewriteCheckIndex,
  settledKey,
  updateEntry,
  Verdict,
  type VerdictCode,
  verdictsFromIndex,
  type Vouched,
  writeCheckIndex
} from "./checkIndex.js"
export { hashFileNow, hashShared, LEAN_BATCH, LEAN_READ_BYTES, type LeanBatch, leanAlgorithm, leanIdentity, type LeanIdentity, leanLevelKeyPrefix, makeLeanDigestCache } from "./leanHash.js"
export { hashFileNativeAsync, NATIVE_FILE_FROM_BYTES } from "./nativeBlake3Addon.js"
export { NATIVE_BLAKE_IMPLEMENTATION } from "./nativeBlake.js"
export { batchAlgorithm, type BatchHashed, BatchStat, type BatchStatHere, hashFilesNative, keyCtimeNs, keySize, nativeBatch, type RecordsReader, statManyNative } from "./nativeBatch.js"
