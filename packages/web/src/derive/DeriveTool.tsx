/**
 * The Derive tool: a key from a password with PBKDF2, HKDF, scrypt or Argon2id, every
 * parameter explicit and checked by core before any work, derived on a Web Worker (never
 * the main thread), shown in hex, base64 or as a PHC string with a copy button. A
 * calibration picks parameters for a target time and memory ceiling by timing real
 * derivations on a worker. The password and the key live only in this component while
 * shown; inputs changed clear the key. Nothing is stored, logged or sent.
 */
import {
  CALIBRATED_ALGORITHMS,
  type CalibratedAlgorithm,
  KDF_ALGORITHMS,
  type KdfAlgorithm,
  phcString,
  phcSupported,
  type WorkerPool
} from "@sluice/core/browser"
import { Cause, type Effect, Exit, Fiber } from "effect"
import { useEffect, useRef, useState } from "react"
import { useAnnounce } from "../components/Announcer.js"
import { CopyButton } from "../components/CopyButton.js"
import { formatMs } from "../format.js"
import { calibrateOnWorker, deriveOnWorker } from "./deriveJob.js"
import { DEFAULT_FORM, type DeriveForm, formProblem, type OutputEncoding, paramsOf, withCalibrated } from "./deriveForm.js"
import { estimateStrength } from "./passwordStrength.js"

const ALGORITHM_LABELS: Readonly<Record<KdfAlgorithm, string>> = {
  "pbkdf2-sha256": "PBKDF2-HMAC-SHA-256",
  "pbkdf2-sha512": "PBKDF2-HMAC-SHA-512",
  "hkdf-sha256": "HKDF-SHA-256",
  "hkdf-sha512": "HKDF-SHA-512",
  "scrypt": "scrypt",
  "argon2id": "Argon2id"
}

/** What runs an effect on the app's pool (the app's ManagedRuntime). */
export interface DeriveRuntime {
  readonly runFork: <A, E>(effect: Effect.Effect<A, E, WorkerPool>) => Fiber.Fiber<A, unknown>
}

type Run = { readonly _tag: "idle" } | { readonly _tag: "deriving" } | { readonly _tag: "calibrating" }

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))

const messageOf = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const message = error instanceof Error ? error.message : String(error)
  return `${message.charAt(0).toUpperCase()}${message.slice(1)}`
}

/** Runs an effect on the pool; resolves to its exit, and `cancel` interrupts it. */
const forked = <A,>(runtime: DeriveRuntime, effect: Effect.Effect<A, unknown, WorkerPool>) => {
  const fiber = runtime.runFork(effect)
  const exit = new Promise<Exit.Exit<A, unknown>>((resolve) => fiber.addObserver(resolve))
  return { exit, fiber }
}

export const DeriveTool = ({ runtime }: { readonly runtime: DeriveRuntime }) => {
  const announce = useAnnounce()
  // A fresh random salt to start from: the right thing for a new key, replaced to reproduce one.
  const [form, setForm] = useState<DeriveForm>(() => ({ ...DEFAULT_FORM, salt: hex(crypto.getRandomValues(new Uint8Array(16))) }))
  const [encoding, setEncoding] = useState<OutputEncoding>("hex")
  const [result, setResult] = useState<string | undefined>(undefined)
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [run, setRun] = useState<Run>({ _tag: "idle" })
  const [targetMs, setTargetMs] = useState("500")
  const [ceilingMiB, setCeilingMiB] = useState("64")
  const [calibration, setCalibration] = useState<string | undefined>(undefined)
  const fiber = useRef<Fiber.Fiber<unknown, unknown> | undefined>(undefined)

  useEffect(() => () => {
    const running = fiber.current
    if (running !== undefined) void runtime.runFork(Fiber.interrupt(running) as Effect.Effect<void, never, WorkerPool>)
  }, [runtime])

  const edit = (change: Partial<DeriveForm>) => {
    setResult(undefined)
    setFailure(undefined)
    setForm((current) => ({ ...current, ...change }))
  }

  const problem = formProblem(form)
  const params = paramsOf(form)
  const phc = typeof params !== "string" && phcSupported(params)
  const shownEncoding: OutputEncoding = encoding === "phc" && !phc ? "hex" : encoding
  const busy = run._tag !== "idle"
  const isHkdf = form.algorithm.startsWith("hkdf")
  const strength = estimateStrength(form.password)
  const calibrated = (CALIBRATED_ALGORITHMS as ReadonlyArray<string>).includes(form.algorithm)

  const derive = async () => {
    if (problem !== undefined || typeof params === "string" || busy) return
    setRun({ _tag: "deriving" })
    setFailure(undefined)
    const { exit, fiber: running } = forked(runtime, deriveOnWorker(params))
    fiber.current = running
    const done = await exit
    fiber.current = undefined
    setRun({ _tag: "idle" })
    for (const secret of "password" in params ? [params.password] : [params.ikm]) secret.fill(0)
    if (Exit.isSuccess(done)) {
      const key = done.value
      const text = shownEncoding === "phc" && phcSupported(params) ? phcString(params, key) : shownEncoding === "base64" ? base64(key) : hex(key)
      key.fill(0)
      setResult(text)
      announce("Key derived.")
    } else if (!Cause.hasInterruptsOnly(done.cause)) setFailure(messageOf(done.cause))
  }

  const calibrate = async () => {
    if (!calibrated || busy) return
    const target = Number(targetMs)
    const ceiling = Number(ceilingMiB)
    if (!Number.isFinite(target) || target < 10 || target > 60_000) return setFailure("The target time must be from 10 to 60,000 ms.")
    if (!Number.isFinite(ceiling) || ceiling < 1 || ceiling > 1024) return setFailure("The memory ceiling must be from 1 to 1,024 MiB.")
    setRun({ _tag: "calibrating" })
    setFailure(undefined)
    setCalibration(undefined)
    const { exit, fiber: running } = forked(runtime, calibrateOnWorker({
      algorithm: form.algorithm as CalibratedAlgorithm,
      targetMs: target,
      maxMemoryBytes: Math.floor(ceiling * 1024 * 1024),
      ...(form.algorithm === "argon2id" ? { parallelism: Number(form.parallelism) || 1 } : {})
    }))
    fiber.current = running
    const done = await exit
    fiber.current = undefined
    setRun({ _tag: "idle" })
    if (Exit.isSuccess(done)) {
      const found = done.value
      edit(withCalibrated(form, found.params))
      const note = `Calibrated: ${formatMs(found.ms)} on a worker here, limited by ${found.limitedBy === "memory" ? "the memory ceiling" : "the target time"} (${found.trials.length} trial derivations).`
      setCalibration(note)
      announce(note)
    } else if (!Cause.hasInterruptsOnly(done.cause)) setFailure(messageOf(done.cause))
  }

  const field = (label: string, key: keyof DeriveForm, hint?: string) => (
    <label>
      {label}
      <input
        type="text"
        inputMode="numeric"
        value={form[key] as string}
        onChange={(event) => edit({ [key]: event.target.value } as Partial<DeriveForm>)}
        disabled={busy}
      />
      {hint !== undefined ? <span className="hint">{hint}</span> : null}
    </label>
  )

  return (
    <div className="tool derive-tool">
      <form
        className="panel"
        aria-label="Key derivation"
        autoComplete="off"
        onSubmit={(event) => {
          event.preventDefault()
          void derive()
        }}
      >
        <h2>Derive a key</h2>
        <label>
          Algorithm
          <select value={form.algorithm} onChange={(event) => edit({ algorithm: event.target.value as KdfAlgorithm })} disabled={busy}>
            {KDF_ALGORITHMS.map((a) => <option key={a} value={a}>{ALGORITHM_LABELS[a]}</option>)}
          </select>
        </label>
        <label>
          {isHkdf ? "Input key material (already strong: not a password)" : "Password"}
          <input
            type="password"
            autoComplete="off"
            value={form.password}
            onChange={(event) => edit({ password: event.target.value })}
            disabled={busy}
          />
        </label>
        {!isHkdf ? (
          <div className="strength">
            <meter min={0} max={100} low={40} high={60} optimum={100} value={Math.min(strength.bits, 100)} aria-label="Password strength" />
            <span>
              Strength: {strength.label}
              {strength.bits > 0 ? ` (about ${strength.bits} bits if chosen at random; a word or a known password is far weaker)` : ""}
            </span>
          </div>
        ) : null}
        <div className="field-row">
          <label className="grow">
            Salt
            <input type="text" className="mono" value={form.salt} onChange={(event) => edit({ salt: event.target.value })} disabled={busy} />
          </label>
          <label>
            Salt as
            <select value={form.saltEncoding} onChange={(event) => edit({ saltEncoding: event.target.value as DeriveForm["saltEncoding"] })} disabled={busy}>
              <option value="hex">hex</option>
              <option value="text">text (UTF-8)</option>
            </select>
          </label>
          <button
            type="button"
            className="button small"
            disabled={busy}
            onClick={() => edit({ salt: hex(crypto.getRandomValues(new Uint8Array(16))), saltEncoding: "hex" })}
          >
            Random salt
          </button>
        </div>
        {!isHkdf ? (
          <label className="check">
            <input type="checkbox" checked={form.allowShortSalt} onChange={(event) => edit({ allowShortSalt: event.target.checked })} disabled={busy} />
            Allow a salt under 16 bytes (to reproduce a key made elsewhere)
          </label>
        ) : null}
        <div className="field-row">
          {form.algorithm.startsWith("pbkdf2") ? field("Iterations", "iterations") : null}
          {isHkdf ? (
            <label className="grow">
              Info (text)
              <input type="text" value={form.info} onChange={(event) => edit({ info: event.target.value })} disabled={busy} />
            </label>
          ) : null}
          {form.algorithm === "scrypt" ? (
            <>
              {field("log2 N", "logN")}
              {field("r", "r")}
              {field("p", "p")}
            </>
          ) : null}
          {form.algorithm === "argon2id" ? (
            <>
              {field("Memory (KiB)", "memoryKiB")}
              {field("Passes", "passes")}
              {field("Lanes", "parallelism")}
            </>
          ) : null}
          {field("Length (bytes)", "length")}
        </div>
        <label>
          Output
          <select value={shownEncoding} onChange={(event) => {
            setResult(undefined)
            setEncoding(event.target.value as OutputEncoding)
          }} disabled={busy}>
            <option value="hex">hex</option>
            <option value="base64">base64</option>
            {phc ? <option value="phc">PHC string</option> : null}
          </select>
        </label>
        {problem !== undefined ? <p className="error" role="alert">{problem}</p> : null}
        <div className="tool-actions">
          <button type="submit" className="button primary" disabled={problem !== undefined || busy}>Derive</button>
          {busy ? (
            <button type="button" className="button" onClick={() => {
              const running = fiber.current
              if (running !== undefined) void runtime.runFork(Fiber.interrupt(running) as Effect.Effect<void, never, WorkerPool>)
            }}>
              Cancel
            </button>
          ) : null}
          {run._tag === "deriving" ? <span className="hint">Deriving on a worker…</span> : null}
        </div>
      </form>
      <div className="secondary">
        {failure !== undefined ? <p className="error" role="alert">{failure}</p> : null}
        {result !== undefined ? (
          <section className="panel key-shown" aria-label="Derived key">
            <div className="key-form-head">
              <h2>Derived key</h2>
              <CopyButton text={result} what="the derived key" />
            </div>
            <pre><code data-testid="derived-key">{result}</code></pre>
            <button type="button" className="button quiet" onClick={() => setResult(undefined)}>Forget this key</button>
          </section>
        ) : null}
        {calibrated ? (
          <section className="panel" aria-label="Calibration">
            <h2>Calibrate</h2>
            <p className="hint">Times real derivations on a worker here and picks the costliest parameters that fit.</p>
            <div className="field-row">
              <label>
                Target time (ms)
                <input type="text" inputMode="numeric" value={targetMs} onChange={(event) => setTargetMs(event.target.value)} disabled={busy} />
              </label>
              {form.algorithm === "argon2id" || form.algorithm === "scrypt" ? (
                <label>
                  Memory ceiling (MiB)
                  <input type="text" inputMode="numeric" value={ceilingMiB} onChange={(event) => setCeilingMiB(event.target.value)} disabled={busy} />
                </label>
              ) : null}
            </div>
            <div className="tool-actions">
              <button type="button" className="button" onClick={() => void calibrate()} disabled={busy}>
                {run._tag === "calibrating" ? "Calibrating…" : "Calibrate"}
              </button>
            </div>
            {calibration !== undefined ? <p className="status-line">{calibration}</p> : null}
          </section>
        ) : null}
      </div>
    </div>
  )
}

export default DeriveTool
