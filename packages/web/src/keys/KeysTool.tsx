/**
 * The Keys tool: a type, a count and forms; keys generated on the app's Web Worker pool
 * with progress and cancel. One key is shown (public forms and fingerprints; the private
 * forms only on demand), each with a copy button; many keys are streamed to a JSON Lines
 * file. Keys and the passphrase live only in this component's memory while shown:
 * nothing is stored, logged or sent.
 */
import {
  ENCRYPTED_FORMATS,
  formatSupports,
  type GeneratedKey,
  KEY_TYPES,
  type KeyFormat,
  type KeyType,
  MAX_KEY_STREAM_COUNT,
  validateKeygen
} from "@sluice/core/browser"
import { Cause, Effect, Exit } from "effect"
import { useEffect, useRef, useState } from "react"
import { useAnnounce } from "../components/Announcer.js"
import { CopyButton } from "../components/CopyButton.js"
import { formatCount, formatDuration } from "../format.js"
import { chunkedText, type KeyFileSink, openKeyFile, SaveCancelled, type SaveKind, saveKind } from "./download.js"
import { ZIP_MAX_KEYS } from "./zipLimits.js"
import { type KeyJob, type KeyProgress, type PoolRuntime, startKeyJob } from "./keyJob.js"
import {
  defaultFormats,
  FINGERPRINT_FORMATS,
  FORMAT_LABELS,
  formatsFor,
  formText,
  isSecret,
  jsonLine,
  requestedFormats,
  wipeSecrets
} from "./keyForms.js"

const TYPE_LABELS: Readonly<Record<KeyType, string>> = {
  "ed25519": "Ed25519",
  "x25519": "X25519",
  "ecdsa-p256": "ECDSA P-256",
  "ecdsa-p384": "ECDSA P-384",
  "ecdsa-p521": "ECDSA P-521",
  "rsa-2048": "RSA 2048",
  "rsa-3072": "RSA 3072",
  "rsa-4096": "RSA 4096",
  "ml-dsa-44": "ML-DSA-44",
  "ml-dsa-65": "ML-DSA-65",
  "ml-dsa-87": "ML-DSA-87",
  "ml-kem-512": "ML-KEM-512",
  "ml-kem-768": "ML-KEM-768",
  "ml-kem-1024": "ML-KEM-1024"
}

interface ShownForm {
  readonly format: KeyFormat
  readonly text: string
}

type Phase =
  | { readonly _tag: "idle" }
  | { readonly _tag: "running"; readonly count: number; readonly progress?: KeyProgress | undefined }
  | { readonly _tag: "done"; readonly message: string }
  | { readonly _tag: "cancelled" }
  | { readonly _tag: "failed"; readonly message: string }

/** The count typed, or why it is not one. */
export const parseCount = (text: string): number | string => {
  const n = Number(text.trim())
  if (text.trim() === "" || !Number.isSafeInteger(n) || n < 1 || n > MAX_KEY_STREAM_COUNT) {
    return `The count must be a whole number from 1 to ${formatCount(MAX_KEY_STREAM_COUNT)}.`
  }
  return n
}

/** Why the request would be refused, checked with core's own rules before any work. */
const refusal = (type: KeyType, formats: ReadonlyArray<KeyFormat>, passphrase: string): string | undefined => {
  if (formats.length === 0) return "Pick at least one form."
  const encrypted = formats.some((f) => ENCRYPTED_FORMATS.has(f))
  if (encrypted && passphrase.length === 0) return "The encrypted forms need a passphrase."
  const bytes = encrypted ? new TextEncoder().encode(passphrase) : undefined
  const exit = Effect.runSyncExit(validateKeygen({ type, count: 1, formats, ...(bytes === undefined ? {} : { passphrase: bytes }) }))
  bytes?.fill(0)
  if (Exit.isSuccess(exit)) return undefined
  const error = Cause.squash(exit.cause)
  const message = error instanceof Error ? error.message : String(error)
  return `${message.charAt(0).toUpperCase()}${message.slice(1)}.`
}

/** A file of many keys being written: JSON Lines or ZIP. */
interface KeysFile {
  readonly add: (key: GeneratedKey) => Promise<void>
  readonly finish: () => Promise<void>
  readonly abort: () => Promise<void>
}

const linesFile = (sink: KeyFileSink, type: KeyType): KeysFile => {
  const lines = chunkedText(sink)
  return { add: (key) => lines.add(jsonLine(type, key)), finish: lines.flush, abort: async () => undefined }
}

/** The ZIP writer (and client-zip) load with the first ZIP asked for. */
const zipFile = async (sink: KeyFileSink, count: number): Promise<KeysFile> => (await import("./zipKeys.js")).zipWriter(sink, count)

export type ManyKeysOutput = "jsonl" | "zip"

export interface KeysToolProps {
  readonly runtime: PoolRuntime
  /** Refuse a pool that is not made of Web Workers (default); off only where a test runs the handlers on its own thread. */
  readonly workersOnly?: boolean
}

export const KeysTool = ({ runtime, workersOnly = true }: KeysToolProps) => {
  const announce = useAnnounce()
  const [type, setType] = useState<KeyType>("ed25519")
  const [countText, setCountText] = useState("1")
  const [formats, setFormats] = useState<ReadonlyArray<KeyFormat>>(() => defaultFormats("ed25519"))
  const [passphrase, setPassphrase] = useState("")
  const [output, setOutput] = useState<ManyKeysOutput>("jsonl")
  const [phase, setPhase] = useState<Phase>({ _tag: "idle" })
  const [key, setKey] = useState<ReadonlyArray<ShownForm> | undefined>(undefined)
  const [showPrivate, setShowPrivate] = useState(false)
  const job = useRef<KeyJob | undefined>(undefined)
  const [kind] = useState<SaveKind>(saveKind)

  // Leaving the page ends a generation; nothing of it is kept.
  useEffect(() => () => job.current?.cancel(), [])

  const count = parseCount(countText)
  const available = formatsFor(type)
  const picked = formats.filter((f) => available.includes(f))
  const encrypted = picked.some((f) => ENCRYPTED_FORMATS.has(f))
  const problem = typeof count === "string"
    ? count
    : count > 1 && output === "zip" && count > ZIP_MAX_KEYS
    ? `A ZIP holds up to ${formatCount(ZIP_MAX_KEYS)} keys here: choose JSON Lines for more.`
    : refusal(type, picked, passphrase)
  const running = phase._tag === "running"

  const chooseType = (next: KeyType) => {
    setType(next)
    setFormats(defaultFormats(next))
  }
  const toggle = (format: KeyFormat, on: boolean) =>
    setFormats((current) => on ? [...current.filter((f) => f !== format), format] : current.filter((f) => f !== format))

  const start = async () => {
    if (problem !== undefined || typeof count === "string" || running) return
    setKey(undefined)
    setShowPrivate(false)
    const request = {
      type,
      count,
      formats: requestedFormats(type, picked),
      ...(encrypted ? { passphrase: new TextEncoder().encode(passphrase) } : {})
    }
    const wipe = () => request.passphrase?.fill(0)
    if (count === 1) {
      let shown: Array<ShownForm> = []
      setPhase({ _tag: "running", count })
      const current = startKeyJob(runtime, request, {
        onKey: (generated: GeneratedKey) => {
          shown = generated.outputs.map(({ bytes, format }) => ({ format, text: formText(format, bytes) }))
          wipeSecrets(generated)
        },
        onProgress: (progress) => setPhase({ _tag: "running", count, progress })
      }, { workersOnly })
      job.current = current
      const outcome = await current.outcome
      wipe()
      job.current = undefined
      if (outcome._tag === "done") {
        setKey(shown)
        setPhase({ _tag: "done", message: `Generated one ${TYPE_LABELS[type]} key.` })
        announce(`Generated one ${TYPE_LABELS[type]} key.`)
      } else setPhase(outcome._tag === "failed" ? { _tag: "failed", message: outcome.message } : { _tag: "cancelled" })
      return
    }
    const name = `sluice-${type}-${count}-keys.${output === "zip" ? "zip" : "jsonl"}`
    let sink: KeyFileSink
    try {
      sink = await openKeyFile(name, output === "zip" ? "application/zip" : "application/jsonl")
    } catch (error) {
      wipe()
      if (error instanceof SaveCancelled) return
      setPhase({ _tag: "failed", message: `The file could not be opened: ${(error as Error).message}` })
      return
    }
    const file = output === "zip" ? await zipFile(sink, count) : linesFile(sink, type)
    setPhase({ _tag: "running", count })
    const current = startKeyJob(runtime, request, {
      onKey: async (generated) => {
        try {
          await file.add(generated)
        } finally {
          wipeSecrets(generated)
        }
      },
      onProgress: (progress) => setPhase({ _tag: "running", count, progress })
    }, { workersOnly })
    job.current = current
    const outcome = await current.outcome
    wipe()
    job.current = undefined
    if (outcome._tag === "done") {
      try {
        await file.finish()
        await sink.close()
      } catch (error) {
        await file.abort()
        await sink.abort()
        setPhase({ _tag: "failed", message: `${name} could not be written: ${(error as Error).message}` })
        return
      }
      const where = sink.kind === "blob" ? "downloaded" : "saved"
      const message = `${formatCount(outcome.keys)} ${TYPE_LABELS[type]} keys ${where} as ${name}.`
      setPhase({ _tag: "done", message })
      announce(message)
      return
    }
    await file.abort()
    await sink.abort()
    setPhase(outcome._tag === "failed" ? { _tag: "failed", message: `${outcome.message}. Nothing was saved.` } : { _tag: "cancelled" })
  }

  const progress = phase._tag === "running" ? phase.progress : undefined
  const shownPublic = key?.filter((f) => !isSecret(f.format)) ?? []
  const shownSecret = key?.filter((f) => isSecret(f.format)) ?? []
  return (
    <div className="tool keys-tool">
      <form
        className="panel"
        aria-label="Key generation"
        onSubmit={(event) => {
          event.preventDefault()
          void start()
        }}
      >
        <h2>Generate keys</h2>
        <div className="field-row">
          <label>
            Type
            <select value={type} onChange={(event) => chooseType(event.target.value as KeyType)} disabled={running}>
              {KEY_TYPES.map((t) => <option key={t} value={t}>{TYPE_LABELS[t]}</option>)}
            </select>
          </label>
          <label>
            Count
            <input
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_KEY_STREAM_COUNT}
              value={countText}
              onChange={(event) => setCountText(event.target.value)}
              disabled={running}
            />
          </label>
        </div>
        <fieldset>
          <legend>Forms</legend>
          <div className="form-options">
            {available.map((format) => (
              <label key={format} className="check">
                <input
                  type="checkbox"
                  checked={picked.includes(format)}
                  onChange={(event) => toggle(format, event.target.checked)}
                  disabled={running}
                />
                {FORMAT_LABELS[format]}
              </label>
            ))}
          </div>
          <p className="hint">
            Always included: {[...FINGERPRINT_FORMATS].filter((f) => formatSupports(f, type)).map((f) => FORMAT_LABELS[f]).join(", ")}.
          </p>
        </fieldset>
        {typeof count === "number" && count > 1 ? (
          <fieldset className="inline">
            <legend>File</legend>
            <label className="check">
              <input type="radio" name="keys-output" checked={output === "jsonl"} onChange={() => setOutput("jsonl")} disabled={running} />
              JSON Lines (one line per key)
            </label>
            <label className="check">
              <input type="radio" name="keys-output" checked={output === "zip"} onChange={() => setOutput("zip")} disabled={running} />
              ZIP (one file per key per form)
            </label>
          </fieldset>
        ) : null}
        {encrypted ? (
          <label>
            Passphrase for the encrypted forms
            <input
              type="password"
              autoComplete="new-password"
              value={passphrase}
              onChange={(event) => setPassphrase(event.target.value)}
              disabled={running}
            />
          </label>
        ) : null}
        {problem !== undefined ? <p className="error" role="alert">{problem}</p> : null}
        <div className="tool-actions">
          <button type="submit" className="button primary" disabled={problem !== undefined || running}>
            {typeof count === "number" && count > 1 ? "Generate and save" : "Generate"}
          </button>
          {running ? (
            <button type="button" className="button" onClick={() => job.current?.cancel()}>Cancel</button>
          ) : null}
        </div>
        <p className="hint">
          {typeof count === "number" && count > 1
            ? kind === "file-system-access"
              ? "Many keys are written to a file you choose as they are made."
              : "Many keys are collected into one file, downloaded when the last one is made."
            : "Keys are made on this device's worker threads; nothing is sent or stored."}
        </p>
      </form>
      <div aria-live="polite">
        {phase._tag === "running" ? (
          <section className="panel" aria-label="Progress">
            <progress max={phase.count} value={progress?.done ?? 0} aria-label="Keys generated" />
            <p className="hint">
              {formatCount(progress?.done ?? 0)} of {formatCount(phase.count)} keys
              {progress !== undefined && progress.keysPerSecond > 0
                ? ` · ${formatCount(Math.round(progress.keysPerSecond))} keys/s`
                : ""}
              {progress?.secondsLeft !== undefined && progress.done < phase.count ? ` · ${formatDuration(progress.secondsLeft)} left` : ""}
            </p>
          </section>
        ) : phase._tag === "done" ? (
          <p className="status-line">{phase.message}</p>
        ) : phase._tag === "cancelled" ? (
          <p className="status-line">Cancelled: nothing was kept.</p>
        ) : phase._tag === "failed" ? (
          <p className="error" role="alert">{phase.message}</p>
        ) : null}
      </div>
      {key !== undefined ? (
        <section className="panel key-shown" aria-label="The key">
          <h2>The key</h2>
          {shownPublic.map(({ format, text }) => <KeyForm key={format} format={format} text={text} />)}
          {shownSecret.length > 0 ? (
            showPrivate ? (
              <>
                {shownSecret.map(({ format, text }) => <KeyForm key={format} format={format} text={text} />)}
                <button type="button" className="button quiet" onClick={() => setShowPrivate(false)}>Hide the private key</button>
              </>
            ) : (
              <div className="tool-actions">
                <button type="button" className="button" onClick={() => setShowPrivate(true)}>Show the private key</button>
                {shownSecret.map(({ format, text }) => (
                  <CopyButton key={format} text={text} what={FORMAT_LABELS[format]} />
                ))}
              </div>
            )
          ) : null}
          <button type="button" className="button quiet" onClick={() => setKey(undefined)}>Forget this key</button>
        </section>
      ) : null}
    </div>
  )
}

const KeyForm = ({ format, text }: ShownForm) => (
  <section className="key-form" aria-label={FORMAT_LABELS[format]}>
    <div className="key-form-head">
      <h3>{FORMAT_LABELS[format]}</h3>
      <CopyButton text={text} what={FORMAT_LABELS[format]} />
    </div>
    <pre><code>{text.trimEnd()}</code></pre>
  </section>
)

export default KeysTool
