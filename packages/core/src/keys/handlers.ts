import { Clock, Effect, Option, Scheduler, Semaphore } from "effect"
import type { SealKernel } from "../age/sealKey.js"
import { OutputFailed } from "../engine/errors.js"
import { withRoom } from "./der.js"
import { encodeKey, encodeKeyNow, encodeKeyText } from "./encodeKey.js"
import { AgeSealKernel } from "./AgeSealKernel.js"
import { KeyFileWriter } from "./KeyFiles.js"
import { type KeyFormat, SECRET_FORMATS } from "./KeyFormat.js"
import { EncodingFailed, GenerationFailed, type KeygenError, keygenError } from "./KeyError.js"
import type { EncodeOptions } from "./KeyFormat.js"
import type { KeyType } from "./KeyType.js"
import type { EncodedKey, GeneratedKeys, GenerateKeysRequest } from "./KeygenRpcs.js"
import {
  BINARY_FORMATS,
  keyFileName,
  keyJsonLine,
  keyLineTemplate,
  keyManifestLine,
  type KeyManifestTemplate,
  keyManifestTemplate,
  lineValueOfBytes,
  lineValueOfText
} from "./keyLines.js"
import { KeygenRpcs } from "./KeygenRpcs.js"
import { type KeyLineWriter, keyLineWriter, LineValueFailed } from "./keyLineWriter.js"
import { KeyKernel, portableKeyKernel } from "./KeyKernel.js"
import { type KeyPair, wipe } from "./KeyPair.js"
import { validateKeygen } from "./validateKeygen.js"

/** Why a key of the hot path failed, carried out of its promise. */
class KeygenFailure {
  constructor(readonly error: KeygenError | OutputFailed) {}
}

type FilesLayout = NonNullable<GenerateKeysRequest["files"]>
type BatchFiles = NonNullable<GeneratedKeys["files"]>

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === "string" ? code : "EIO"
}

/**
 * A batch's files written where the request says (`layout.dir`), each under its name
 * (`keyFileName`), private forms 0600; the file bytes wiped once written, or at the
 * first failure (`KeygenFailure` with `OutputFailed`, naming the file). What goes back
 * is only the manifest lines.
 */
const writeFiles = (
  writer: KeyFileWriter["Service"] | undefined,
  layout: FilesLayout & { readonly dir: string },
  formats: ReadonlyArray<KeyFormat>,
  files: BatchFiles
): BatchFiles => {
  const { data, manifest } = files
  const sizes = new Uint32Array(files.sizes.buffer, files.sizes.byteOffset, files.sizes.byteLength / 4)
  const fields = layout.fields
  const dir = layout.dir.endsWith("/") ? layout.dir : layout.dir + "/"
  let path = layout.dir
  try {
    if (writer === undefined) throw Object.assign(new Error("no key file writer here"), { code: "ENOTSUP" })
    let offset = 0
    for (let k = 0; k < sizes.length / fields; k++) {
      for (let i = 0; i < fields; i++) {
        const size = sizes[k * fields + i]!
        path = dir + keyFileName(layout.first + k, layout.width, layout.suffixes[i]!)
        writer.write(path, data.subarray(offset, offset + size), SECRET_FORMATS.has(formats[i]!) ? 0o600 : 0o644)
        offset += size
      }
    }
  } catch (error) {
    throw new KeygenFailure(new OutputFailed({ path, code: codeOf(error) }))
  } finally {
    data.fill(0)
  }
  return { data: new Uint8Array(0), sizes: new Uint8Array(0), manifest }
}

/** The batch's files as the request asks: written here (`layout.dir`), else sent. */
const filesOut = (
  writer: KeyFileWriter["Service"] | undefined,
  layout: FilesLayout,
  formats: ReadonlyArray<KeyFormat>,
  files: BatchFiles
): BatchFiles => layout.dir === undefined ? files : writeFiles(writer, { ...layout, dir: layout.dir }, formats, files)

const encodingFailed = (type: KeyType, format: KeyFormat) => new KeygenFailure(keygenError(new EncodingFailed({ type, format })))

type Output = EncodedKey["outputs"][number]

/** One form of a key: its text where it is text (`encodeKeyText`), else its bytes. */
type Form = { readonly text: string; readonly bytes?: undefined } | { readonly text?: undefined; readonly bytes: Uint8Array<ArrayBuffer> }

type Seal = NonNullable<GenerateKeysRequest["seal"]>

/**
 * A private form sealed with age (`--seal-to`): its bytes become a whole age file (armored
 * text for JSON lines and standard output, binary for files), and the plaintext bytes are
 * wiped here. A text form's string cannot be wiped; it is dropped at once.
 */
interface Sealer {
  readonly form: (form: Form) => Form
  readonly bytes: (bytes: Uint8Array) => Uint8Array<ArrayBuffer>
}

type Sealing = typeof import("./sealing.js")

const makeSealer = (seal: Seal, kernel: SealKernel, { armor, sealRecipientsProblem, sealToAge }: Sealing): Sealer => {
  if (sealRecipientsProblem(seal.recipients) !== undefined) throw new Error("bad seal recipients")
  const sealed = (plain: Uint8Array): Uint8Array<ArrayBuffer> => {
    try {
      const file = sealToAge(plain, seal.recipients, kernel)
      return seal.armor ? armor(file) as Uint8Array<ArrayBuffer> : file
    } finally {
      plain.fill(0)
    }
  }
  return {
    bytes: sealed,
    form: (form) => {
      const file = sealed(form.bytes ?? encoder.encode(form.text))
      return seal.armor ? { text: decoder.decode(file) } : { bytes: file }
    }
  }
}

/** One form, at once where it can be made so (`encodeKeyText`, `encodeKeyNow`), else through a promise. */
const formOf = (pair: KeyPair, type: KeyType, format: KeyFormat, options: EncodeOptions): Form | Promise<Form> => {
  try {
    const text = encodeKeyText(pair, format, options)
    if (text !== undefined) return { text }
    const bytes = encodeKeyNow(pair, format, options)
    if (bytes !== undefined) return { bytes: bytes as Uint8Array<ArrayBuffer> }
    return encodeKey(pair, format, options).then((bytes) => ({ bytes: bytes as Uint8Array<ArrayBuffer> }), () => {
      throw encodingFailed(type, format)
    })
  } catch {
    throw encodingFailed(type, format)
  }
}

/**
 * Every form of one key pair, in order, each given to `use`; the pair wiped whatever happens.
 * Where every form is made at once (the hot path: no passphrase to derive), no promise is
 * made at all and `undefined` is returned; else a promise of the end.
 */
const encodeForms = (
  pair: KeyPair,
  type: KeyType,
  formats: ReadonlyArray<KeyFormat>,
  options: EncodeOptions,
  use: (i: number, format: KeyFormat, form: Form) => void,
  sealer?: Sealer
): Promise<void> | undefined => {
  const sealed = (format: KeyFormat, form: Form): Form => {
    if (sealer === undefined || !SECRET_FORMATS.has(format)) return form
    try {
      return sealer.form(form)
    } catch {
      throw encodingFailed(type, format)
    }
  }
  const from = (start: number): Promise<void> | undefined => {
    for (let i = start; i < formats.length; i++) {
      const form = formOf(pair, type, formats[i]!, options)
      if (form instanceof Promise) return form.then((f) => (use(i, formats[i]!, sealed(formats[i]!, f)), from(i + 1)))
      use(i, formats[i]!, sealed(formats[i]!, form))
    }
    return undefined
  }
  let pending: Promise<void> | undefined
  try {
    pending = from(0)
  } finally {
    if (pending === undefined) wipe(pair)
  }
  return pending?.finally(() => wipe(pair))
}

/** A form's bytes: its text as UTF-8, or the bytes it was made as. */
const bytesOf = (form: Form): Uint8Array<ArrayBuffer> => form.bytes ?? encoder.encode(form.text) as Uint8Array<ArrayBuffer>

/**
 * A form's value in a JSON line (`keyLines.ts`): text forms go straight from their text, with
 * no bytes between. A sealed private form is its armored age file, as a JSON string.
 */
const lineValueOf = (format: KeyFormat, form: Form, sealed = false): string =>
  sealed && SECRET_FORMATS.has(format)
    ? JSON.stringify(form.text ?? decoder.decode(form.bytes))
    : form.text !== undefined
    ? lineValueOfText(format, form.text)
    : lineValueOfBytes(format, form.bytes)

const encoder = new TextEncoder()

/**
 * A batch's bytes (its JSON lines, its files, its manifest lines) in one buffer, written
 * as each piece is made: once the first key is in, sized for the whole batch from it (a
 * key type's keys differ by a few bytes at most, `sizeFor`), grown by doubling past that,
 * an outgrown buffer wiped (it may hold private forms).
 */
class ByteBuilder {
  private bytes: Uint8Array<ArrayBuffer>
  private used = 0
  constructor(initial = 4096) {
    this.bytes = new Uint8Array(initial)
  }
  get length(): number {
    return this.used
  }
  private room(n: number): void {
    this.bytes = withRoom(this.bytes, this.used, n)
  }
  /** After the first of `count` keys: room for all of them at its size (and a sixteenth). */
  sizeFor(count: number): void {
    this.room(Math.ceil(this.used * (count - 1) * 1.0625) + 1024)
  }
  /** Appends `text` as UTF-8; returns its size. */
  append(text: string): number {
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    this.room(3 * text.length)
    const { written } = encoder.encodeInto(text, this.bytes.subarray(this.used))
    this.used += written
    return written
  }
  /** The buffer, with room for `n` bytes from `length` (`LineSink`). */
  reserve(n: number): Uint8Array {
    this.room(n)
    return this.bytes
  }
  /** The bytes up to `end` are written (after `reserve`). */
  advanceTo(end: number): void {
    this.used = end
  }
  appendBytes(bytes: Uint8Array): number {
    this.room(bytes.length)
    this.bytes.set(bytes, this.used)
    this.used += bytes.length
    return bytes.length
  }
  /** What was written, a view of the buffer (transferred whole). */
  take(): Uint8Array<ArrayBuffer> {
    return this.bytes.subarray(0, this.used)
  }
  wipe(): void {
    this.bytes.fill(0)
  }
}

/** A batch's files and manifest lines, as `GeneratedKeys.files` carries them. */
class FileBytes {
  readonly data = new ByteBuilder()
  readonly manifest = new ByteBuilder()
  readonly sizes: Uint32Array<ArrayBuffer>
  /** Each output's text (undefined for a DER form or a file's private form), for the manifest. */
  private readonly texts: Array<string | undefined> = []
  private keys = 0
  constructor(
    private readonly count: number,
    private readonly formats: ReadonlyArray<KeyFormat>,
    private readonly template: KeyManifestTemplate,
    private readonly first: number,
    private readonly sealer?: Sealer
  ) {
    this.sizes = new Uint32Array(count * template.heads.length)
  }
  /** One key's files and its manifest line, from its forms (text, else bytes), in the layout's order. */
  add(pair: KeyPair, type: KeyType, options: EncodeOptions): Promise<void> | undefined {
    const pending = encodeForms(pair, type, this.formats, options, (i, format, form) => this.put(i, format, form), this.sealer)
    if (pending !== undefined) return pending.then(() => this.line())
    this.line()
    return undefined
  }
  /** Output `i` of the key: its file (for the first fields), and its text kept for the line. */
  private put(i: number, format: KeyFormat, form: Form): void {
    const fields = this.template.heads.length
    if (i < fields) {
      if (form.text !== undefined) this.sizes[this.keys * fields + i] = this.data.append(form.text)
      else {
        this.sizes[this.keys * fields + i] = this.data.appendBytes(form.bytes)
        if (SECRET_FORMATS.has(format)) form.bytes.fill(0)
      }
    }
    this.texts[i] = i < fields && SECRET_FORMATS.has(format) ? undefined : form.text
  }
  private line(): void {
    this.manifest.append(keyManifestLine(this.template, this.first + this.keys, this.texts))
    if (++this.keys === 1) {
      this.data.sizeFor(this.count)
      this.manifest.sizeFor(this.count)
    }
  }
  take(): NonNullable<GeneratedKeys["files"]> {
    return { data: this.data.take(), sizes: new Uint8Array(this.sizes.buffer, 0, 4 * this.keys * this.template.heads.length), manifest: this.manifest.take() }
  }
  wipe(): void {
    this.data.wipe()
  }
}

/** A batch's JSON lines, one key at a time. */
class LineBytes {
  private readonly bytes = new ByteBuilder()
  private keys = 0
  constructor(private readonly count: number) {}
  append(line: string): void {
    this.bytes.append(line)
    if (++this.keys === 1) this.bytes.sizeFor(this.count)
  }
  /** Key `index`'s line, written by `writer` straight into the buffer. */
  appendKey(writer: KeyLineWriter, index: number, pair: KeyPair): void {
    writer.write(this.bytes, index, pair)
    if (++this.keys === 1) this.bytes.sizeFor(this.count)
  }
  take(): Uint8Array<ArrayBuffer> {
    return this.bytes.take()
  }
  wipe(): void {
    this.bytes.wipe()
  }
}

/** Keys already made, as the batch's files (the slow path, as `linesOf`). */
const filesOf = (request: GenerateKeysRequest, layout: FilesLayout, keys: ReadonlyArray<EncodedKey>): BatchFiles => {
  const template = manifestTemplate(request, layout)
  const data = new ByteBuilder()
  const manifest = new ByteBuilder()
  const sizes = new Uint32Array(keys.length * layout.fields)
  const texts: Array<string | undefined> = []
  for (let k = 0; k < keys.length; k++) {
    const outputs = keys[k]!.outputs
    for (let i = 0; i < outputs.length; i++) {
      const { format, bytes } = outputs[i]!
      if (i < layout.fields) sizes[k * layout.fields + i] = data.appendBytes(bytes)
      texts[i] = SECRET_FORMATS.has(format) || BINARY_FORMATS.has(format) ? undefined : decoder.decode(bytes)
      if (SECRET_FORMATS.has(format)) bytes.fill(0)
    }
    manifest.append(keyManifestLine(template, layout.first + k, texts))
  }
  return { data: data.take(), sizes: new Uint8Array(sizes.buffer), manifest: manifest.take() }
}
const decoder = new TextDecoder()

const manifestTemplate = (request: GenerateKeysRequest, layout: FilesLayout) =>
  keyManifestTemplate({
    type: request.type,
    formats: request.formats,
    fields: layout.fields,
    width: layout.width,
    shardWidth: layout.shardWidth,
    suffixes: layout.suffixes
  })

/** Keys already made, as the batch's lines (the slow path: RSA, or a kernel without `generateNow`). */
const linesOf = (request: GenerateKeysRequest, layout: { readonly first: number; readonly fields: number }, keys: ReadonlyArray<EncodedKey>): Uint8Array<ArrayBuffer> => {
  const sealed = request.seal !== undefined
  const template = keyLineTemplate({ type: request.type, formats: request.formats, fields: layout.fields })
  const lines = new LineBytes(keys.length)
  for (let k = 0; k < keys.length; k++) {
    const outputs = keys[k]!.outputs
    lines.append(keyJsonLine(template, layout.first + k, outputs.map((o) => lineValueOf(o.format, { bytes: o.bytes as Uint8Array<ArrayBuffer> }, sealed))))
    for (const output of outputs) if (SECRET_FORMATS.has(output.format)) output.bytes.fill(0)
  }
  return lines.take()
}

/**
 * The worker's side of key generation: checks the request again (a worker trusts no
 * caller), generates each key with the environment's kernel, writes it in every form
 * asked, and wipes the key's parts and the passphrase and derived key it was sent. The
 * caller sends copies of both (`generateKeys` does), so its own bytes are untouched. With
 * a derived key, each encrypted PKCS#8 key is encrypted under it with its own IV, and no
 * KDF runs here; without one, each derives its own (as encrypted OpenSSH keys always do).
 *
 * The kernel is the platform's `KeyKernel` (node:crypto, WebCrypto) where its worker entry
 * provides one, noble's otherwise (every type but RSA).
 */
export const KeygenHandlersLive = KeygenRpcs.toLayer(Effect.gen(function*() {
  const kernel = Option.getOrElse(yield* Effect.serviceOption(KeyKernel), () => portableKeyKernel)
  const fileWriter = Option.getOrUndefined(yield* Effect.serviceOption(KeyFileWriter))
  const loadSealKernel = Option.getOrUndefined(yield* Effect.serviceOption(AgeSealKernel))
  // A worker given two batches at once (the pool's `tasksPerWorker`) makes quick keys in
  // turn, not interleaved: the second batch starts as the first ends, while the first's
  // answer crosses. (Each batch's first key is made before its turn: it decides the path.)
  const inTurn = Semaphore.makeUnsafe(1)
  return KeygenRpcs.of({
    GenerateKeys: (request) =>
      Effect.gen(function*() {
        yield* validateKeygen(request)
        const createdMillis = yield* Clock.currentTimeMillis
        const options = { passphrase: request.passphrase, pbes2Key: request.pbes2Key, comment: request.comment, pbe: request.pbe, createdMillis }
        const seal = request.seal
        const sealer = seal === undefined ? undefined : yield* Effect.tryPromise({
          try: async () => {
            const sealing = await import("./sealing.js")
            const kernel = loadSealKernel === undefined ? sealing.nobleSealKernel : await loadSealKernel()
            return makeSealer(seal, kernel, sealing)
          },
          catch: () => keygenError(new EncodingFailed({ type: request.type, format: "age-sealed private keys (recipients that cannot be sealed to)" }))
        })
        /** A private form's bytes sealed (the plaintext wiped), when the request seals. */
        const sealBytes = (format: KeyFormat, bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> =>
          sealer === undefined || !SECRET_FORMATS.has(format) ? bytes : sealer.bytes(bytes)
        const one = Effect.acquireUseRelease(
          kernel.generate(request.type),
          (pair) =>
            Effect.forEach(request.formats, (format: KeyFormat) =>
              Effect.tryPromise({
                try: async () => sealBytes(format, await encodeKey(pair, format, options) as Uint8Array<ArrayBuffer>),
                catch: () => keygenError(new EncodingFailed({ type: request.type, format }))
              }).pipe(Effect.map((bytes) => ({ format, bytes })))),
          (pair) => Effect.sync(() => wipe(pair))
        )
        const now = kernel.generateNow
        // The hot path's turns of the event loop go through Effect's scheduler: setImmediate
        // in Node (setTimeout(0) waits at least 1 ms there: 5% of a worker's time at a turn
        // every 20 ms), the page's own where one is provided.
        const dispatcher = (yield* Scheduler.Scheduler).makeDispatcher()
        const first = yield* Effect.try({
          try: () => now?.(request.type),
          catch: () => keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name }))
        })
        if (now !== undefined && first !== undefined) {
          // The hot path (curves, ML-*): the whole batch in one promise, no Effect per key.
          // It makes keys for ~20 ms at a time, then lets the event loop turn and checks for
          // an interrupt, so a cancel or a deadline still stops it within about that long.
          const layout = request.lines
          const template = layout === undefined ? undefined : keyLineTemplate({ type: request.type, formats: request.formats, fields: layout.fields })
          const filesLayout = request.files
          // Lines written as bytes where every form of the line is made at once (no passphrase to derive per key).
          const writer = layout === undefined || filesLayout !== undefined || sealer !== undefined
            ? undefined
            : keyLineWriter({ type: request.type, formats: request.formats, fields: layout.fields }, options, kernel.sha256Into)
          return yield* Semaphore.withPermit(inTurn, Effect.tryPromise({
            try: async (signal): Promise<GeneratedKeys> => {
              const keys: Array<EncodedKey> = []
              const lines = new LineBytes(request.count)
              const files = filesLayout === undefined ? undefined : new FileBytes(
                request.count,
                request.formats,
                manifestTemplate(request, filesLayout),
                filesLayout.first,
                sealer
              )
              const values: Array<string> = []
              /** Key `i` in every form asked, into the batch: undefined when done at once, else its promise. */
              const one = (i: number): Promise<void> | undefined => {
                let pair: KeyPair | undefined
                try {
                  pair = i === 0 ? first : now(request.type)
                } catch {
                  throw new KeygenFailure(keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name })))
                }
                if (pair === undefined) throw new KeygenFailure(keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name })))
                if (files !== undefined) return files.add(pair, request.type, options)
                if (writer !== undefined) {
                  try {
                    lines.appendKey(writer, layout!.first + i, pair)
                  } catch (error) {
                    throw error instanceof LineValueFailed ? encodingFailed(request.type, error.format) : error
                  } finally {
                    wipe(pair)
                  }
                  return undefined
                }
                if (template === undefined) {
                  const outputs: Array<Output> = []
                  keys.push({ outputs })
                  return encodeForms(pair, request.type, request.formats, options, (i, format, form) => {
                    outputs[i] = { format, bytes: bytesOf(form) }
                  }, sealer)
                }
                const index = layout!.first + i
                const pending = encodeForms(pair, request.type, request.formats, options, (i, format, form) => {
                  values[i] = lineValueOf(format, form, sealer !== undefined)
                }, sealer)
                if (pending === undefined) {
                  lines.append(keyJsonLine(template, index, values))
                  return undefined
                }
                return pending.then(() => lines.append(keyJsonLine(template, index, values)))
              }
              /**
               * Keys from `from` on, in one plain loop, until the batch ends, ~20 ms pass or a
               * key's forms need a promise: the index reached and that promise. A small
               * synchronous function, which V8 optimises once and quickly, where the loop
               * inside this async function was compiled again and again (on-stack replacement
               * of a resumable function: ~90 ms of its compiler's time a batch's first
               * seconds, twice on two workers).
               */
              const run = (from: number): { readonly next: number; readonly pending: Promise<void> | undefined } => {
                const until = Date.now() + 20
                let i = from
                while (i < request.count) {
                  const pending = one(i++)
                  if (pending !== undefined) return { next: i, pending }
                  if (Date.now() >= until) break
                }
                return { next: i, pending: undefined }
              }
              try {
                // An interrupt or a deadline is seen between runs, when the event loop has turned.
                for (let i = 0; i < request.count && !signal.aborted;) {
                  const reached = run(i)
                  i = reached.next
                  if (reached.pending !== undefined) await reached.pending
                  else if (i < request.count) await new Promise<void>((resolve) => dispatcher.scheduleTask(resolve, 0))
                }
              } catch (error) {
                lines.wipe()
                files?.wipe()
                throw error
              }
              if (files !== undefined) return { keys: [], files: filesOut(fileWriter, filesLayout!, request.formats, files.take()) }
              return template === undefined ? { keys } : { keys: [], lines: lines.take() }
            },
            catch: (error) => error instanceof KeygenFailure ? error.error : keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name }))
            // The first key is wiped here too, should the batch stop before it was written.
          })).pipe(Effect.ensuring(Effect.sync(() => wipe(first))))
        }
        const keys: Array<EncodedKey> = []
        for (let i = 0; i < request.count; i++) {
          keys.push({ outputs: yield* one })
          // A batch of RSA keys is long: let an interrupt in between keys.
          yield* Effect.yieldNow
        }
        const layout = request.files
        if (layout !== undefined) {
          return yield* Effect.try({
            try: () => ({ keys: [], files: filesOut(fileWriter, layout, request.formats, filesOf(request, layout, keys)) }),
            catch: (error) => error instanceof KeygenFailure ? error.error : keygenError(new GenerationFailed({ type: request.type, kernel: kernel.name }))
          })
        }
        return request.lines === undefined ? { keys } : { keys: [], lines: linesOf(request, request.lines, keys) }
      }).pipe(Effect.ensuring(Effect.sync(() => {
        request.passphrase?.fill(0)
        request.pbes2Key?.key.fill(0)
      }))),
    // age-keygen -pq's key file: ML-KEM-768 key generation (~2-5 ms warm, ~60 ms cold in
    // noble) on this worker; its code loads with the first such request.
    GenerateAgeHybridKeyFile: () =>
      Effect.gen(function*() {
        const createdMillis = yield* Clock.currentTimeMillis
        return yield* Effect.tryPromise({
          try: async () => {
            const { newHybridAgeKeyFile } = await import("./ageKeyFiles.js")
            const made = newHybridAgeKeyFile(createdMillis)
            return { file: new TextEncoder().encode(made.file), recipient: made.recipient }
          },
          catch: () => keygenError(new GenerationFailed({ type: "ml-kem-768", kernel: "@noble/post-quantum" }))
        })
      })
  })
}))
