import { Effect, Option } from "effect"
import { ByteSink } from "../engine/ByteSink.js"
import { type ByteReader, ByteSource } from "../engine/ByteSource.js"
import { OutputFailed, ReadFailed, sourceError } from "../engine/errors.js"
import { type PathSink, sinkName } from "../engine/Sink.js"
import { type Source, sourceName } from "../engine/Source.js"
import type { Rpc } from "effect/rpc"
import { type AgeOpen, AgeRpcs, type AgeSeal } from "./AgeRpcs.js"
import { nobleAead } from "./nobleAead.js"
import { type Aead, CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, openRun, sealRun, TAG_SIZE } from "./stream.js"

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
 * `buffer.length` bytes of `reader` at `position` through its `forEachRange` (each chunk
 * copied to its place), or undefined where the reader does not stream that range. A source
 * that gives more than the range is cut at its end; fewer is reported as read.
 */
const streamInto = (reader: ByteReader, buffer: Uint8Array, position: number) => {
  let at = 0
  const streamed = reader.forEachRange?.<never>(position, buffer.length, (chunk) => {
    const take = Math.min(chunk.length, buffer.length - at)
    buffer.set(take === chunk.length ? chunk : chunk.subarray(0, take), at)
    at += take
  })
  return streamed === undefined ? undefined : Effect.map(streamed, () => at)
}

/**
 * Buffers kept for the next piece on this thread: a fresh array per piece left the
 * collector ~1 s of work per 256 MiB here. A piece is sealed or opened in one buffer (read
 * into it, sealed or opened there, written from it), so a worker holds one per task in
 * flight. Plaintext is wiped before a buffer is kept; a kept buffer is only ever handed to
 * the next task as scratch space, and returned bytes (transferred) are never kept.
 */
const spare: Array<Uint8Array<ArrayBuffer>> = []
const SPARE_LIMIT = 1

const take = (size: number): Uint8Array<ArrayBuffer> => {
  const i = spare.findIndex((b) => b.length >= size)
  return i >= 0 ? spare.splice(i, 1)[0]!.subarray(0, size) : new Uint8Array(size)
}

const giveBack = (buffer: Uint8Array<ArrayBuffer>, wipe: boolean) => {
  const whole = new Uint8Array(buffer.buffer)
  if (wipe) whole.fill(0)
  if (spare.length < SPARE_LIMIT) spare.push(whole)
}

/** One chunk's room: chunks opened, and chunks sealed by an AEAD that cannot seal in place; wiped after each piece. */
let scratchBuffer: Uint8Array | undefined
const scratch = (size: number) => (scratchBuffer ??= new Uint8Array(CHUNK_SIZE)).subarray(0, size)

/** A source that gave fewer bytes than its size promised changed while it was read. */
const changed = (source: Source) => sourceError(new ReadFailed({ path: sourceName(source), code: "ECHANGED" }))

type SealPiece = Rpc.Payload<typeof AgeSeal>
type OpenPiece = Rpc.Payload<typeof AgeOpen>

/**
 * Chunks a worker reads, seals or opens and writes at a time when a task reads its range of a
 * source and writes into a sink itself: a task may then hold many more (the caller sends
 * few, large tasks: each one costs both threads an RPC), and the worker goes through it in
 * steps of this many chunks, one buffer reused: its memory is one step whatever the task's
 * size, and each step's bytes are still in the CPU's cache when they are sealed and written.
 */
export const STEP_CHUNKS = 16

/**
 * `p` in steps of `STEP_CHUNKS` chunks when it reads a source and writes a sink (otherwise
 * whole): each step a piece of its own (`outChunk`, `inChunk`: a chunk's size in the output
 * and the input), written as soon as it is done. A step that fails stops the task with the
 * bytes released before it.
 */
const steps = <P extends SealPiece | OpenPiece, A extends { readonly bytes?: number; readonly released?: number; readonly failure?: unknown }, E, R>(
  p: P,
  outChunk: number,
  inChunk: number,
  piece: (step: P) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  if (p.sink === undefined || p.input !== undefined || p.source === undefined || p.chunks <= STEP_CHUNKS) return piece(p)
  return Effect.gen(function*() {
    let bytes = 0
    let released = 0
    let last: A | undefined
    for (let first = 0; first < p.chunks; first += STEP_CHUNKS) {
      const chunks = Math.min(STEP_CHUNKS, p.chunks - first)
      const final = first + chunks === p.chunks
      const inOffset = p.inOffset + first * inChunk
      const step = {
        ...p,
        firstChunk: p.firstChunk + first,
        chunks,
        final: p.final && final,
        inOffset,
        inLength: final ? p.inOffset + p.inLength - inOffset : chunks * inChunk,
        outOffset: p.outOffset + first * outChunk,
        ...("header" in p && first > 0 ? { header: undefined } : {})
      }
      last = yield* piece(step)
      bytes += last.bytes ?? 0
      released += last.released ?? 0
      if (last.failure !== undefined) break
    }
    return { ...last!, ...(last!.bytes === undefined ? {} : { bytes }), ...(last!.released === undefined ? {} : { released }) }
  })
}

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

  /** Reads `p`'s range of its source into `buffer` (`p.inLength` bytes). */
  const readRange = (p: { readonly source?: Source | undefined; readonly inOffset: number; readonly inLength: number }, buffer: Uint8Array) =>
    Effect.gen(function*() {
      if (p.source === undefined || p.inLength === 0) return
      const reader = yield* sources.open(p.source)
      // A Blob (a page's worker) streams the range: in Chromium its bytes cost ~0.15 s less
      // of the browser's CPU per 256 MiB than as `arrayBuffer()` slices (0.65 s against 0.80 s,
      // medians of 6 alternated runs). Files with blocking reads (Node) read as before.
      const streamed = reader.readSync === undefined ? streamInto(reader, buffer, p.inOffset) : undefined
      const n = yield* (streamed ?? readFully(reader, buffer, p.inOffset))
      if (n !== p.inLength) return yield* Effect.fail(changed(p.source))
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

    AgeSeal: (p) => steps(p, ENCRYPTED_CHUNK_SIZE, CHUNK_SIZE, sealPiece).pipe(Effect.ensuring(Effect.sync(() => p.key.fill(0)))),

    AgeOpen: (p) => steps(p, CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, openPiece).pipe(Effect.ensuring(Effect.sync(() => p.key.fill(0))))
  }

  /** One step of a seal task: its chunks read (or given), sealed and written or returned. The caller wipes the key. */
  function sealPiece(p: SealPiece) {
    let buffer: Uint8Array<ArrayBuffer> | undefined
    let sealed = false
    return Effect.scoped(Effect.gen(function*() {
      const size = p.inLength + TAG_SIZE * p.chunks
      // Returned bytes leave this thread (transferred): only a sink's buffer is reused.
      const out = buffer = p.sink === undefined ? new Uint8Array(size) : take(size)
      // A range the worker reads goes to the buffer's tail; each chunk is then moved down
      // to its place (its tag's room ahead of it) and sealed there, over its plaintext.
      const tail = size - p.inLength
      const plaintext = p.input ?? out.subarray(tail)
      if (p.input === undefined) yield* readRange(p, plaintext)
      sealRun(aead, p.key, p.firstChunk, p.final, plaintext, out, scratch(CHUNK_SIZE))
      // Every byte of the buffer is ciphertext now.
      sealed = true
      if (p.sink === undefined) {
        buffer = undefined
        return { bytes: out.length, output: out }
      }
      const writer = yield* openSink(p.sink)
      if (p.header !== undefined) yield* writer.write(p.header, 0)
      yield* writer.write(out, p.outOffset)
      return { bytes: out.length }
    })).pipe(Effect.ensuring(Effect.sync(() => {
      p.input?.fill(0)
      scratchBuffer?.fill(0)
      if (buffer !== undefined) {
        if (p.sink !== undefined) giveBack(buffer, !sealed)
        else buffer.fill(0)
      }
    })))
  }

  /** One step of an open task: its chunks opened by `openChunk`'s rules, written (only whole) or returned. The caller wipes the key. */
  function openPiece(p: OpenPiece) {
    let buffer: Uint8Array<ArrayBuffer> | undefined
    let keep = false
    return Effect.scoped(Effect.gen(function*() {
      // A range the worker reads is opened in its own buffer: each chunk through the scratch
      // buffer, its plaintext then put down over the tags before it. Bytes sent get a buffer of plaintext.
      let ciphertext_: Uint8Array
      if (p.input !== undefined) ciphertext_ = p.input
      else {
        ciphertext_ = buffer = p.sink === undefined ? new Uint8Array(p.inLength) : take(p.inLength)
        yield* readRange(p, ciphertext_)
      }
      const ciphertextAll = ciphertext_
      const chunkSizes = (i: number) => Math.min(ENCRYPTED_CHUNK_SIZE, ciphertextAll.length - i * ENCRYPTED_CHUNK_SIZE)
      let plainLength = 0
      for (let i = 0; i < p.chunks; i++) plainLength += Math.max(0, chunkSizes(i) - TAG_SIZE)
      // Returned plaintext leaves this thread; a sink's is written, wiped and reused.
      const out = buffer ??= p.sink === undefined ? new Uint8Array(plainLength) : take(plainLength)
      const { released, failure } = openRun(aead, p.key, p.firstChunk, p.final, ciphertextAll, out, scratch(CHUNK_SIZE))
      if (p.sink === undefined) {
        keep = true
        const output = out.subarray(0, released)
        return failure === undefined ? { released, output } : { released, output, failure }
      }
      if (failure !== undefined) return { released, failure }
      const writer = yield* openSink(p.sink)
      yield* writer.write(out.subarray(0, plainLength), p.outOffset)
      return { released }
    })).pipe(Effect.ensuring(Effect.sync(() => {
      scratchBuffer?.fill(0)
      if (!keep && buffer !== undefined) {
        if (p.sink !== undefined) giveBack(buffer, true)
        else buffer.fill(0)
      }
    })))
  }
}))

/** The handlers over noble's cipher: where a platform gives no kernel of its own. */
export const AgeHandlersPortable = ageHandlers(nobleAead)
