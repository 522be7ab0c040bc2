import { Context, Deferred, Effect, type Scope, Semaphore, Stream } from "effect"
import type { OutputFailed } from "./errors.js"
import type { Sink } from "./Sink.js"

/** An opened sink. A positional one takes writes at any offset, in any order. */
export interface ByteWriter {
  readonly positional: boolean
  /** Writes all of `bytes`: at `position` where the sink is positional, next otherwise. */
  readonly write: (bytes: Uint8Array, position?: number) => Effect.Effect<void, OutputFailed>
}

/**
 * Opens sinks where the work happens. In Node a worker opens the file it writes itself,
 * so the bytes it made never cross to the main thread; what makes the file whole or not at
 * all is the caller's `writeAtomically`, whose temporary file is the path handed out.
 */
export class ByteSink extends Context.Service<ByteSink, {
  readonly open: (sink: Sink) => Effect.Effect<ByteWriter, OutputFailed, Scope.Scope>
}>()("@sluice/core/ByteSink") {}

/**
 * Pieces that finish out of order (chunks sealed on different workers) written in order to
 * a stream: `put(index, bytes)` writes at once when it is the next piece, holds it
 * otherwise. At most `window` pieces are held: a put beyond the window waits until the
 * pieces before it have been written, so memory stays bounded whatever the pieces' order.
 * Indices start at 0 and each is put once.
 */
export const orderedWriter = <E>(write: (bytes: Uint8Array) => Effect.Effect<void, E>, window: number) =>
  Effect.sync(() => {
    const held = new Map<number, Uint8Array>()
    const waiting = new Map<number, Deferred.Deferred<void>>()
    let next = 0
    const wake = () => {
      for (const [index, gate] of waiting) {
        if (index < next + window) {
          waiting.delete(index)
          Deferred.doneUnsafe(gate, Effect.void)
        }
      }
    }
    const drain: Effect.Effect<void, E> = Effect.suspend(() => {
      const bytes = held.get(next)
      if (bytes === undefined) return Effect.void
      held.delete(next)
      return Effect.andThen(write(bytes), Effect.suspend(() => {
        next++
        wake()
        return drain
      }))
    })
    // One writer at a time: pieces are written by whoever completes the run, in order.
    const lock = Semaphore.makeUnsafe(1)
    const put = (index: number, bytes: Uint8Array): Effect.Effect<void, E> =>
      Effect.suspend(() => {
        if (index >= next + window) {
          const gate = Deferred.makeUnsafe<void>()
          waiting.set(index, gate)
          return Effect.andThen(Deferred.await(gate), put(index, bytes))
        }
        held.set(index, bytes)
        return Semaphore.withPermit(lock, drain)
      })
    return {
      put,
      /** Pieces held, waiting for an earlier one. */
      held: () => held.size,
      /** The index of the next piece to be written. */
      next: () => next
    }
  })

/**
 * Exact-size chunks from a stream of byte arrays of any sizes: every chunk is `size`
 * bytes but the last, which is shorter (or absent when the input is a multiple of `size`;
 * an empty input gives no chunk). Formats with fixed chunk sizes (age's 64 KiB STREAM
 * chunks) read through it. A chunk is a fresh array the consumer may keep.
 */
export const rechunk = (size: number) => <E, R>(stream: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Uint8Array, E, R> => {
  if (!(size > 0)) throw new RangeError(`rechunk: size must be positive, got ${size}`)
  return Stream.suspend(() => {
    let buffer = new Uint8Array(size)
    let filled = 0
    const chunks = stream.pipe(
      Stream.flatMap((input) =>
        Stream.fromIterable((function*() {
          let offset = 0
          while (offset < input.length) {
            const n = Math.min(size - filled, input.length - offset)
            buffer.set(input.subarray(offset, offset + n), filled)
            filled += n
            offset += n
            if (filled === size) {
              yield buffer
              buffer = new Uint8Array(size)
              filled = 0
            }
          }
        })())
      )
    )
    const rest = Stream.suspend(() => (filled > 0 ? Stream.make(buffer.slice(0, filled)) : Stream.empty))
    return Stream.concat(chunks, rest)
  })
}
