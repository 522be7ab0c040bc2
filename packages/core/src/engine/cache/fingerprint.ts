/**
 * The fingerprint of sampled blocks that goes into a content identity: the head, the
 * middle and the tail, so a rewrite that kept a file's size and timestamps is still seen
 * in most cases. A file no larger than the three samples is read whole, so its identity
 * covers every byte.
 */
export const SAMPLE_BYTES = 4096

export interface SampleRange {
  readonly offset: number
  readonly length: number
}

/** Where to read the samples of a file of `size` bytes. */
export const sampleRanges = (size: number): ReadonlyArray<SampleRange> => {
  if (size <= 3 * SAMPLE_BYTES) return [{ offset: 0, length: size }]
  const middle = Math.floor(size / 2) - SAMPLE_BYTES / 2
  return [
    { offset: 0, length: SAMPLE_BYTES },
    { offset: middle, length: SAMPLE_BYTES },
    { offset: size - SAMPLE_BYTES, length: SAMPLE_BYTES }
  ]
}

/** Bytes of a fingerprint written as hex. */
export const FINGERPRINT_HEX = 32

/** What a fingerprint is when the samples cannot be read: it matches no stored one. */
export const UNREADABLE_FINGERPRINT = "unreadable"
