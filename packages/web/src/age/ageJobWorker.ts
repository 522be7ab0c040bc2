/**
 * The job thread of the Encrypt / Decrypt tool: one Web Worker that runs a whole job, so
 * the page's main thread only shows progress. It reads the `File`'s header, dispatches the
 * pieces to a pool of Web Workers of its own (nested workers; on this thread where a
 * worker cannot start workers), armors or dearmors, and writes the output itself to the
 * File System Access file or the service worker's download port it was handed (no byte
 * of payload goes through the page). Recipients and identities come as their text and are
 * parsed here; the passphrase's bytes and the parsed identities are wiped when the job
 * ends. The pool is made once and kept for the next jobs.
 */
import {
  BlobSource,
  encrypt,
  forgetIdentities,
  layer,
  layerInline,
  layerScheduler,
  parseIdentityFile,
  parseRecipientsFile,
  webCryptoAgeKeyKernel,
  type WorkerPool
} from "@sluice/core/browser"
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { type AgeJob, type AgeJobOutcome, type AgeJobRequest, type AgeProgress, startAgeJob } from "./ageJob.js"
import { fsaSink, portSink, type Sink } from "./saveSinks.js"
import type { SaveRequest } from "./saveWorker.js"

/** A job as the page sends it: the keys as text (parsed here), the destination to open. */
export type ThreadJob =
  | Omit<Extract<AgeJobRequest, { readonly mode: "encrypt" }>, "recipients">
  | Omit<Extract<AgeJobRequest, { readonly mode: "decrypt" }>, "identities">

export type ThreadRequest =
  | { readonly type: "warm" }
  | { readonly type: "start"; readonly id: number; readonly job: ThreadJob; readonly open: SaveRequest }
  | { readonly type: "cancel"; readonly id: number }

export type ThreadReply =
  | { readonly type: "progress"; readonly id: number; readonly progress: AgeProgress }
  | { readonly type: "outcome"; readonly id: number; readonly outcome: AgeJobOutcome }

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ThreadRequest>) => void) | null
  postMessage(message: ThreadReply): void
}

const nestedWorkers = typeof (globalThis as { readonly Worker?: unknown }).Worker === "function"

const poolLayer: Layer.Layer<WorkerPool> = nestedWorkers
  ? layer({ spawn: () => new Worker(new URL("../worker.ts", import.meta.url), { type: "module" }) })
  : layerInline

/** Built on the first job (or the page's warm request), then kept: its workers have their cipher loaded. */
const runtime = ManagedRuntime.make(Layer.mergeAll(poolLayer, layerScheduler))
const runtimeOf = () => runtime

/**
 * The pool's workers started and their cipher loaded (the WebAssembly SIMD kernel, or
 * libsodium's where SIMD is missing, compiled on a worker's first age task) before the first job: two one-chunk pieces of
 * zeros sealed to a random public key, the output dropped. Nothing secret is made or kept.
 */
const warm = encrypt(new BlobSource({ name: "warm-up", blob: new Blob([new Uint8Array(2 * 64 * 1024)]) }), {
  recipients: [{ kind: "X25519", publicKey: crypto.getRandomValues(new Uint8Array(32)) }],
  armor: false,
  chunksPerPiece: 1,
  kernel: webCryptoAgeKeyKernel
}).pipe(Stream.runDrain, Effect.ignore)

/** The job's request with its keys parsed here; a problem is a sentence (never a key's text). */
const requestOf = (job: ThreadJob): AgeJobRequest | string => {
  if (job.mode === "encrypt") {
    if (job.passphrase !== undefined) return { mode: "encrypt", file: job.file, passphrase: job.passphrase, armor: job.armor }
    const parsed = parseRecipientsFile(job.recipientsText ?? "")
    if (parsed._tag === "BadRecipient") return `Recipients${parsed.line === undefined ? "" : `, line ${parsed.line}`}: ${parsed.problem}`
    return { mode: "encrypt", file: job.file, recipients: parsed.recipients, armor: job.armor }
  }
  const text = job.identitiesText ?? ""
  const parsed = text.trim() === "" ? { _tag: "Identities" as const, identities: [] } : parseIdentityFile(text, { name: "the identity" })
  if (parsed._tag === "BadIdentityFile") return `Identities${parsed.line === undefined ? "" : `, line ${parsed.line}`}: ${parsed.problem}`
  return { mode: "decrypt", file: job.file, identities: parsed.identities, ...(job.passphrase === undefined ? {} : { passphrase: job.passphrase }) }
}

const openSink = (open: SaveRequest): Promise<Sink> => {
  if (open.type === "open-fsa") return fsaSink(open.handle)
  if (open.type === "open-port") return Promise.resolve(portSink(open.port))
  return Promise.reject(new Error(`not a destination: ${open.type}`))
}

const running = new Map<number, AgeJob>()
const cancelled = new Set<number>()

const run = async (id: number, job: ThreadJob, open: SaveRequest): Promise<AgeJobOutcome> => {
  const request = requestOf(job)
  const wipe = () => {
    job.passphrase?.fill(0)
    if (typeof request !== "string" && request.mode === "decrypt") forgetIdentities(request.identities)
  }
  try {
    if (typeof request === "string") return { _tag: "failed", message: `${request}. Nothing was saved.` }
    let sink: Sink
    try {
      sink = await openSink(open)
    } catch (error) {
      return { _tag: "failed", message: `${error instanceof Error ? error.message : String(error)}. Nothing was saved.` }
    }
    if (cancelled.has(id)) {
      await sink.abort("cancelled")
      return { _tag: "cancelled" }
    }
    const started = startAgeJob(
      runtimeOf(),
      request,
      sink,
      (progress) => scope.postMessage({ type: "progress", id, progress }),
      { inline: !nestedWorkers }
    )
    running.set(id, started)
    return await started.outcome
  } finally {
    running.delete(id)
    cancelled.delete(id)
    wipe()
  }
}

scope.onmessage = (event) => {
  const message = event.data
  switch (message.type) {
    case "warm":
      // The pool's workers start now, so the first job does not wait for them.
      void runtime.runPromise(warm).catch(() => undefined)
      return
    case "start":
      void run(message.id, message.job, message.open).then(
        (outcome) => scope.postMessage({ type: "outcome", id: message.id, outcome }),
        (error: unknown) =>
          scope.postMessage({ type: "outcome", id: message.id, outcome: { _tag: "failed", message: `${error instanceof Error ? error.message : String(error)}. Nothing was saved.` } })
      )
      return
    case "cancel":
      cancelled.add(message.id)
      running.get(message.id)?.cancel()
      return
  }
}
