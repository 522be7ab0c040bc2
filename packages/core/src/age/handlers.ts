import { Effect, Option } from "effect"
import { ByteSink } from "../engine/ByteSink.js"
import { type ByteReader, ByteSource } from "../engine/ByteSource.js"
import { OutputFailed, ReadFailed, sourceError } from "../engine/errors.js"
import { type PathSink, sinkName } from "../engine/Sink.js"
import { type Source, sourceName } from "../engine/Source.js"
import type { PayloadFailure } from "./AgeError.js"
import { AgeRpcs } from "./AgeRpcs.js"
import { nobleAead } from "./nobleAead.js"
import { type Aead, chunkNonce, CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, openChunk, TAG_SIZE, AEAD_NONCE_SIZE } from "./stream.js"

/** Reads `buffer.length` bytes of `reader` at `position`; fewer only where the source ends. */
const readFully = (reader: ByteReader, buffer: Uint8Array, position: number): Effect.Effect<number, import("../engine/errors.js").SourceError> => {
  const readSync = reader.readSync
  if (readSync !== undefined) {
    return Effect.try({
      try: () => {
        let done = 0
        while (done < buffer.length) {
          const n = readSync(buffer.subarray(done), position + done, buffer.length - done)
          if (n === 0) break
          done += n
        }
        return done
      },
      catch: (e) => e as import("../engine/errors.js").SourceError
    })
  }
  return Effect.gen(function*() {
    let done = 0
    while (done < buffer.length) {
      const n = yield* reader.read(buffer.subarray(done), position + done, buffer.length - done)
      if (n === 0) break
      done += n
    }
    return done
  })
}

/**
 * Buffers kept for the next piece on this thread: a fresh 1 MiB array per piece (input and
 * output) left the collector ~1 s of work per 256 MiB here. Plaintext is wiped before a
 * buffer is kept; a kept buffer is only ever handed to the next task as scratch space.
 */
const spare: Array<Uint8Array<ArrayBuffer>> = []
const SPARE_LIMIT = 6

const take = (size: number): Uint8Array<ArrayBuffer> => {
  const i = spare.findIndex((b) => b.length >= size)
  return i >= 0 ? spare.splice(i, 1)[0]!.subarray(0, size) : new Uint8Array(size)
}

const giveBack = (buffer: Uint8Array, wipe: boolean) => {
  if (wipe) buffer.fill(0)
  if (spare.length < SPARE_LIMIT && buffer.byteOffset === 0 && buffer.buffer instanceof ArrayBuffer) spare.push(new Uint8Array(buffer.buffer))
}

/** A source that gave fewer bytes than its size promised changed while it was read. */
const changed = (source: Source) => sourceError(new ReadFailed({ path: sourceName(source), code: "ECHANGED" }))

/**
 * The worker's side of `AgeRpcs` with a platform's ChaCha20-Poly1305 (Node: `nodeAead()`;
 * a browser: its own kernel; anywhere: noble). Loaded lazily (`ageHandlersLazy`): a worker
 * that never encrypts never loads its cipher.
 */
export const ageHandlers = (aead: Aead) => AgeRpcs.toLayer(Effect.gen(function*() {
  const sources = yield* ByteSource
  // Optional: a platform with no positional files (a page) answers tasks that return their bytes.
  const sinks = yield* Effect.serviceOption(ByteSink)
  const openSink = (sink: PathSink) =>
    Option.isSome(sinks) ? sinks.value.open(sink) : Effect.fail(new OutputFailed({ path: sinkName(sink), code: "ENOTSUP" }))

  /** The piece's input: the bytes sent, or the worker's own read of its range. */
  const inputOf = (p: { readonly source?: Source | undefined; readonly input?: Uint8Array | undefined; readonly inOffset: number; readonly inLength: number }) =>
    Effect.gen(function*() {
      if (p.input !== undefined) return p.input
      if (p.source === undefined) return new Uint8Array(0)
      const buffer = take(p.inLength)
      if (p.inLength === 0) return buffer
      const reader = yield* sources.open(p.source)
      const n = yield* readFully(reader, buffer, p.inOffset)
      if (n !== p.inLength) return yield* Effect.fail(changed(p.source))
      return buffer
    })

  return {
    AgeProbe: ({ length, source }) =>
      Effect.scoped(Effect.gen(function*() {
        const reader = yield* sources.open(source)
        const buffer = new Uint8Array(reader.size === undefined ? length : Math.min(length, reader.size))
        let n: number
        if (reader.size !== undefined) n = yield* readFully(reader, buffer, 0)
        else {
          n = 0
          while (n < buffer.length) {
            const got = yield* reader.read(buffer.subarray(n), undefined, buffer.length - n)
            if (got === 0) break
            n += got
          }
        }
        return { size: reader.size, prefix: buffer.subarray(0, n) }
      })),

    AgeSeal: (p) => {
      let input: Uint8Array | undefined
      let out: Uint8Array<ArrayBuffer> | undefined
      return Effect.scoped(Effect.gen(function*() {
        input = yield* inputOf(p)
        // Returned bytes leave this thread (transferred): only a sink's output buffer is reused.
        const size = input.length + TAG_SIZE * p.chunks
        out = p.sink === undefined ? new Uint8Array(size) : take(size)
        const nonce = new Uint8Array(AEAD_NONCE_SIZE)
        for (let i = 0; i < p.chunks; i++) {
          const plain = input.subarray(i * CHUNK_SIZE, Math.min(input.length, (i + 1) * CHUNK_SIZE))
          const final = p.final && i === p.chunks - 1
          if (!final && plain.length !== CHUNK_SIZE) throw new RangeError("only the final chunk may be short")
          aead.seal(p.key, chunkNonce(p.firstChunk + i, final, nonce), plain, out.subarray(i * ENCRYPTED_CHUNK_SIZE, i * ENCRYPTED_CHUNK_SIZE + plain.length + TAG_SIZE))
        }
        const sealed = out
        if (p.sink === undefined) {
          out = undefined
          return { bytes: sealed.length, output: sealed }
        }
        const writer = yield* openSink(p.sink)
        if (p.header !== undefined) yield* writer.write(p.header, 0)
        yield* writer.write(sealed, p.outOffset)
        return { bytes: sealed.length }
      })).pipe(Effect.ensuring(Effect.sync(() => {
        p.key.fill(0)
        if (input !== undefined && input !== p.input) giveBack(input, true)
        p.input?.fill(0)
        if (out !== undefined) giveBack(out, false)
      })))
    },

    AgeOpen: (p) => {
      let out: Uint8Array<ArrayBuffer> | undefined
      let input: Uint8Array | undefined
      let keep = false
      return Effect.scoped(Effect.gen(function*() {
        input = yield* inputOf(p)
        const ciphertext_ = input
        const chunkSizes = (i: number) => Math.min(ENCRYPTED_CHUNK_SIZE, ciphertext_.length - i * ENCRYPTED_CHUNK_SIZE)
        let plainLength = 0
        for (let i = 0; i < p.chunks; i++) plainLength += Math.max(0, chunkSizes(i) - TAG_SIZE)
        // Returned plaintext leaves this thread; a sink's is written, wiped and reused.
        out = p.sink === undefined ? new Uint8Array(plainLength) : take(plainLength)
        const total = p.final ? p.firstChunk + p.chunks : Number.MAX_SAFE_INTEGER
        const nonce = new Uint8Array(AEAD_NONCE_SIZE)
        let released = 0
        let failure: PayloadFailure | undefined
        for (let i = 0; i < p.chunks && failure === undefined; i++) {
          const size = chunkSizes(i)
          const index = p.firstChunk + i
          const ciphertext = ciphertext_.subarray(i * ENCRYPTED_CHUNK_SIZE, i * ENCRYPTED_CHUNK_SIZE + size)
          const target = out.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + Math.max(0, size - TAG_SIZE))
          const outcome = openChunk(index, total, size, (final) => aead.open(p.key, chunkNonce(index, final, nonce), ciphertext, target))
          if (outcome.release) released += target.length
          else target.fill(0)
          failure = outcome.failure
        }
        if (p.sink === undefined) {
          keep = true
          return failure === undefined ? { released, output: out.subarray(0, released) } : { released, output: out.subarray(0, released), failure }
        }
        if (failure !== undefined) return { released, failure }
        const writer = yield* openSink(p.sink)
        yield* writer.write(out, p.outOffset)
        return { released }
      })).pipe(Effect.ensuring(Effect.sync(() => {
        p.key.fill(0)
        if (input !== undefined && input !== p.input) giveBack(input, false)
        if (!keep && out !== undefined) {
          if (p.sink !== undefined) giveBack(out, true)
          else out.fill(0)
        }
      })))
    }
  }
}))

/** The handlers over noble's cipher: where a platform gives no kernel of its own. */
export const AgeHandlersPortable = ageHandlers(nobleAead)
