import { Effect, Stream } from "effect"

/** A piece of one source: `length` bytes from `offset`. */
export interface Range {
  readonly offset: number
  readonly length: number
}

/**
 * `[0, size)` in ranges of `length` bytes, the last shorter; one empty range for an empty
 * source (a format that seals an empty payload still has one chunk).
 */
export const splitRanges = (size: number, length: number): ReadonlyArray<Range> => {
  if (!(length > 0)) throw new RangeError(`splitRanges: length must be positive, got ${length}`)
  if (size === 0) return [{ offset: 0, length: 0 }]
  const ranges: Array<Range> = []
  for (let offset = 0; offset < size; offset += length) ranges.push({ offset, length: Math.min(length, size - offset) })
  return ranges
}

/**
 * One source spread over the pool (DESIGN.md, "chunk-parallel formats": BLAKE3 subtrees,
 * age STREAM chunks): `f` runs on up to `concurrency` ranges at once, on any free worker,
 * and the results come out in range order. A result that finishes early waits for the
 * ones before it, and no range starts while `concurrency` results are waiting or running,
 * so memory is bounded by `concurrency`, never by the size of the source.
 */
export const orderedRangeMap = <R extends Range, A, E, Env>(
  ranges: Iterable<R>,
  concurrency: number,
  f: (range: R, index: number) => Effect.Effect<A, E, Env>
): Stream.Stream<A, E, Env> =>
  Stream.fromIterable(ranges).pipe(
    Stream.zipWithIndex,
    Stream.mapEffect(([range, index]) => f(range, index), { concurrency: Math.max(1, concurrency) })
  )
