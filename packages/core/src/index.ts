/** `@sluice/core`: the platform-neutral API. Platform layers live in `@sluice/core/node`. */
export * from "./hash/HashAlgorithm.js"
export * from "./hash/HashError.js"
export * from "./hash/HashEvent.js"
export * from "./hash/HashJob.js"
export * from "./engine/Source.js"
export * from "./hash/hashFiles.js"
export { WorkerPool, layerWorkers, layerInline, healthyPool } from "./engine/pool/WorkerPool.js"
export type { GroupClient, PoolClient, PoolHealth, Served, SupervisionOptions, TaskHints, Terminable } from "./engine/pool/WorkerPool.js"
export { Deadline } from "./engine/pool/TaskPolicy.js"
export type { TaskPolicy } from "./engine/pool/TaskPolicy.js"
export * from "./engine/errors.js"
export { OperationHandlers, Operations } from "./operations.js"
export { HashRequests, hashRequestsOf, HashPolicy } from "./hash/hashRequests.js"
export type { BreakerState } from "./engine/pool/CircuitBreaker.js"
export { HashRpcs, NAME_SEPARATOR, packList, unpackList } from "./hash/HashRpcs.js"
export { HashHandlersLive } from "./hash/handlers.js"
export { HashKernel, layerPortable as layerPortableKernel } from "./hash/kernels/HashKernel.js"
export { ByteSource, forEachChunk } from "./engine/ByteSource.js"
export type { ByteReader } from "./engine/ByteSource.js"
export * from "./engine/Sink.js"
export { ByteSink, orderedWriter, rechunk } from "./engine/ByteSink.js"
export type { ByteWriter } from "./engine/ByteSink.js"
export { JobProgress } from "./engine/job/JobProgress.js"
export { runOrdered } from "./engine/job/runOrdered.js"
export type { Advance, Batching, OrderedJob, Outcome, OutcomeKind } from "./engine/job/runOrdered.js"
export { orderedRangeMap, splitRanges } from "./engine/job/rangeMap.js"
export type { Range } from "./engine/job/rangeMap.js"
export type { IncrementalHasher } from "./hash/kernels/IncrementalHasher.js"
export { toHex } from "./hash/kernels/IncrementalHasher.js"
export * from "./hash/checksumLine.js"
export * as ResultCache from "./engine/cache/ResultCache.js"
export type { CacheKey, CacheStats, ContentIdentity, Identify, LevelStats } from "./engine/cache/ResultCache.js"
export { CacheFailed } from "./engine/cache/CacheLevel.js"
export type { CacheLevel, LevelLimits, LevelSize } from "./engine/cache/CacheLevel.js"
export { DEFAULT_MEMORY_LIMITS, makeMemoryLevel } from "./engine/cache/MemoryLevel.js"
export { digestKey, lookupDigests, storeDigests } from "./hash/digestCache.js"
export { sampleRanges, SAMPLE_BYTES, UNREADABLE_FINGERPRINT } from "./engine/cache/fingerprint.js"
export * as Checkpoints from "./engine/checkpoints/Checkpoints.js"
export type { CheckpointsService, JobCheckpoint, Unfinished } from "./engine/checkpoints/Checkpoints.js"
export * as CheckpointPolicy from "./engine/checkpoints/CheckpointPolicy.js"
export type { CheckpointContent, CheckpointKind, PublicContent, SecretContent } from "./engine/checkpoints/CheckpointPolicy.js"
export { CHECKPOINT_FORMAT, CheckpointFailed } from "./engine/checkpoints/CheckpointLevel.js"
export type { CheckpointLevel, StoredCheckpoint } from "./engine/checkpoints/CheckpointLevel.js"
export { makeMemoryCheckpointLevel } from "./engine/checkpoints/MemoryCheckpointLevel.js"
export type { MemoryCheckpointLevel } from "./engine/checkpoints/MemoryCheckpointLevel.js"
export { fromHashRecord, HashCheckpointKind, hashJob, toHashRecord } from "./hash/hashCheckpoint.js"
export type { HashRecord } from "./hash/hashCheckpoint.js"
export { CORE_VERSION } from "./version.js"
export { formatBytes } from "./engine/format.js"
export type { ByteUnit, FormatBytesOptions } from "./engine/format.js"
export * as Metrics from "./engine/metrics/Metrics.js"
export { rates, snapshot as metricsSnapshot } from "./engine/metrics/Snapshot.js"
export type { BreakerName, PerformanceSnapshot, Quantiles, Rates } from "./engine/metrics/Snapshot.js"
export { recommend, RULES as RECOMMENDATION_RULES } from "./engine/metrics/recommendations.js"
export type { Observed, Recommendation } from "./engine/metrics/recommendations.js"
export * from "./derive/DeriveParams.js"
export * from "./derive/DeriveError.js"
export * from "./derive/DeriveErrorSchema.js"
export { Derive, DeriveRpcs } from "./derive/DeriveRpcs.js"
export { DeriveHandlersLive } from "./derive/handlers.js"
export { KdfKernel, layerPortable as layerPortableKdfKernel, makeKdfKernel, NOBLE_KERNEL } from "./derive/KdfKernel.js"
export type { KdfFunctions } from "./derive/KdfKernel.js"
export { DERIVE_LIMITS, estimateCpu as deriveCpuEstimate, maxHkdfLength, memoryCeiling, validateDerive } from "./derive/validateDerive.js"
export type { DeriveLimitsOptions } from "./derive/validateDerive.js"
export { checkDerive, type DeriveProblem } from "./derive/checkDerive.js"
export { derive, derivePolicy } from "./derive/derive.js"
export { base64Unpadded, phcString, phcSupported } from "./derive/phc.js"
export { calibrate, CALIBRATED_ALGORITHMS } from "./derive/calibrate.js"
export type { CalibratedAlgorithm, Calibration, CalibrateOptions, CalibrationTrial } from "./derive/calibrate.js"
export * from "./keys/KeyType.js"
export * from "./keys/KeyError.js"
export { BCRYPT_ROUNDS, ENCRYPTED_FORMATS, formatSupports, isKeyFormat, KEY_FORMATS, KeyFormat, SECRET_FORMATS } from "./keys/KeyFormat.js"
export type { EncodeOptions } from "./keys/KeyFormat.js"
export type { KeyPair, PublicKey } from "./keys/KeyPair.js"
export { EncodedKey, GenerateAgeHybridKeyFile, GeneratedKeys, GenerateKeys, GenerateKeysRequest, KeygenRpcs } from "./keys/KeygenRpcs.js"
export { derivePbes2Key, generateAgeHybridKeyFile, generateKeyBatch, generateKeys, keygenPolicy } from "./keys/keygen.js"
export { KeyFileWriter } from "./keys/KeyFiles.js"
export {
  BINARY_FORMATS,
  KEY_SHARD_KEYS,
  keyFileName,
  keyJsonLine,
  keyLineTemplate,
  keyManifestLine,
  keyManifestTemplate,
  keyShardName,
  keyShardWidth,
  lineValueOfBytes,
  lineValueOfText
} from "./keys/keyLines.js"
export type { KeyLineLayout, KeyLineTemplate, KeyManifestTemplate } from "./keys/keyLines.js"
export { Pbes2Key } from "./keys/Pbes2Key.js"
export type { Pbes2Kdf } from "./keys/Pbes2Key.js"
export { BATCHES_PER_WORKER, generateKeyBatches, generateKeyStream, keyBatchSizes, MAX_KEY_STREAM_COUNT } from "./keys/keyStream.js"
export type { GeneratedKey, GeneratedKeyBatch, KeyStreamRequest } from "./keys/keyStream.js"
export { estimateCpuMillis as keygenCpuEstimate, KEYGEN_LIMITS, validateKeygen } from "./keys/validateKeygen.js"
export {
  AgeError,
  ageError,
  AgeErrorReason,
  BadHeaderMac,
  BadIdentity,
  BadPassphrase as AgeBadPassphrase,
  BadRecipient,
  EmptyLastChunk,
  IncompatibleRecipients,
  MalformedArmor,
  MalformedHeader,
  NoIdentityMatch,
  Tampered,
  TrailingData,
  Truncated,
  UndecryptableFileKey,
  UnsupportedVersion,
  WorkFactorTooLarge
} from "./age/AgeError.js"
export type { PayloadFailure } from "./age/AgeError.js"
export * from "./age/AgeOptions.js"
export { encrypt, encryptToSink, type EncryptError } from "./age/encrypt.js"
export { decrypt, decryptToSink, type DecryptError } from "./age/decrypt.js"
export { checkRecipients, parseRecipient, parseRecipientsFile } from "./age/recipients.js"
export type { AgeRecipient, ParsedRecipient, RecipientsFile } from "./age/recipients.js"
export { forgetIdentities, parseIdentityFile, recipientsOfIdentities, scryptIdentity, x25519Identity } from "./age/identities.js"
export type { AgeIdentity, IdentityFile, IdentityFileOptions, LockedSshIdentity, PassphrasePrompt } from "./age/identities.js"
export type { IdentityFilePassphrase, LockedIdentityFile } from "./age/encryptedIdentity.js"
export type { AgeKeyKernel } from "./age/AgeKeyKernel.js"
export type { Aead } from "./age/stream.js"
export { nobleAead } from "./age/nobleAead.js"
export { ARMOR_DETECTION_BYTES, isArmored, armorStream, dearmorStream } from "./age/armor.js"
