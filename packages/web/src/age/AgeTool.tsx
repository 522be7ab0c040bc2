/**
 * The Encrypt / Decrypt tool: age files (C2SP age v1) made and opened on the app's Web
 * Worker pool. Encrypt to recipients (age1…, age1pq1…, ssh-ed25519 and ssh-rsa public keys, pasted or
 * from a recipients file) or to a passphrase (a strength meter, or ten generated words as
 * age makes them), armored or not; decrypt with identities (AGE-SECRET-KEY-1…, -PQ-1…,
 * OpenSSH private keys, pasted or from a file) or a passphrase. Each output is written
 * streamed (saveTarget.ts) and only kept once whole and authenticated. Identities and
 * passphrases live only in this component until the run that used them starts, then are
 * dropped from its state and their bytes wiped when it ends: never stored, logged or sent.
 */
import {
  type AgeIdentity,
  type AgeRecipient,
  checkRecipients,
  forgetIdentities,
  parseIdentityFile,
  parseRecipientsFile
} from "@sluice/core/browser"
import { useEffect, useRef, useState } from "react"
import { useAnnounce } from "../components/Announcer.js"
import { CopyButton } from "../components/CopyButton.js"
import { estimateStrength } from "../derive/passwordStrength.js"
import { formatBytes, formatPercent, formatRate } from "../format.js"
import type { PoolRuntime } from "../keys/keyJob.js"
import { type AgeJob, type AgeJobRequest, type AgeProgress, startAgeJob } from "./ageJob.js"
import type { ThreadJob } from "./ageJobWorker.js"
import { jobThreadAvailable, startThreadJob, warmJobThread } from "./ageThread.js"
import { generatePassphrase } from "./passphrase.js"
import { chooseDestination, SaveCancelled, saveKind } from "./saveTarget.js"

type Mode = "encrypt" | "decrypt"
type Lock = "recipients" | "passphrase"

interface Row {
  readonly name: string
  readonly output: string
  readonly status: "waiting" | "running" | "done" | "failed" | "cancelled"
  readonly done: number
  readonly total: number
  readonly rate?: number
  readonly message?: string
}

/** A key file is small: anything larger is not one (age reads at most 16 MiB of key lines). */
const KEY_FILE_LIMIT = 16 * 1024 * 1024

/** The output's name: `NAME.age` when encrypting; NAME without `.age` when decrypting (else NAME.decrypted). */
export const outputName = (mode: Mode, name: string, armor: boolean): string => {
  if (mode === "encrypt") return `${name}${armor ? ".age.asc" : ".age"}`
  for (const suffix of [".age.asc", ".age"]) if (name.endsWith(suffix) && name.length > suffix.length) return name.slice(0, -suffix.length)
  return `${name}.decrypted`
}

/** Recipients of the pasted text, or the problem (naming the line, never its text). */
export const recipientsOf = (text: string): ReadonlyArray<AgeRecipient> | string => {
  if (text.trim() === "") return "Give at least one recipient, or choose a passphrase."
  const parsed = parseRecipientsFile(text)
  if (parsed._tag === "BadRecipient") return `Recipients${parsed.line === undefined ? "" : `, line ${parsed.line}`}: ${parsed.problem}.`
  const mixed = checkRecipients(parsed.recipients)
  if (mixed !== undefined) return `${mixed.message.charAt(0).toUpperCase()}${mixed.message.slice(1)}.`
  return parsed.recipients
}

/** Identities of the pasted or picked text, or the problem (naming the line, never its text). */
export const identitiesOf = (text: string): ReadonlyArray<AgeIdentity> | string => {
  const parsed = parseIdentityFile(text, { name: "the identity" })
  if (parsed._tag === "BadIdentityFile") return `Identities${parsed.line === undefined ? "" : `, line ${parsed.line}`}: ${parsed.problem}.`
  return parsed.identities
}

/** The request as the job thread takes it (keys as text, parsed there), when it can. */
export const threadJobOf = (request: AgeJobRequest): ThreadJob | undefined => {
  const passphrase = request.passphrase === undefined ? {} : { passphrase: request.passphrase }
  if (request.mode === "encrypt") {
    if (request.passphrase !== undefined) return { mode: "encrypt", file: request.file, passphrase: request.passphrase, armor: request.armor }
    return request.recipientsText === undefined ? undefined : { mode: "encrypt", file: request.file, recipientsText: request.recipientsText, armor: request.armor }
  }
  if (request.identitiesText === undefined && request.identities.length > 0) return undefined
  return { mode: "decrypt", file: request.file, ...(request.identitiesText === undefined ? {} : { identitiesText: request.identitiesText }), ...passphrase }
}

const STATUS_LABEL: Readonly<Record<Row["status"], string>> = {
  waiting: "Waiting",
  running: "Working",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled"
}

export const AgeTool = ({ runtime }: { readonly runtime: PoolRuntime }) => {
  const announce = useAnnounce()
  const [mode, setMode] = useState<Mode>("encrypt")
  const [files, setFiles] = useState<ReadonlyArray<File>>([])
  const [lock, setLock] = useState<Lock>("recipients")
  const [recipients, setRecipients] = useState("")
  const [passphrase, setPassphrase] = useState("")
  const [confirm, setConfirm] = useState("")
  const [generated, setGenerated] = useState<string | undefined>(undefined)
  const [armor, setArmor] = useState(false)
  const [identities, setIdentities] = useState("")
  const [identityFile, setIdentityFile] = useState<{ readonly name: string; readonly text: string } | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [rows, setRows] = useState<ReadonlyArray<Row>>([])
  const [busy, setBusy] = useState(false)
  const [dragging, setDragging] = useState(false)
  const job = useRef<AgeJob | undefined>(undefined)
  const stopped = useRef(false)

  // Leaving the tool stops its run (which aborts its output); the secrets go with the component's state.
  useEffect(() => {
    warmJobThread()
    return () => {
      stopped.current = true
      job.current?.cancel()
    }
  }, [])

  const forgetSecrets = () => {
    setPassphrase("")
    setConfirm("")
    setGenerated(undefined)
    setIdentities("")
    setIdentityFile(undefined)
  }

  const switchMode = (next: Mode) => {
    if (busy) return
    setMode(next)
    setProblem(undefined)
    setRows([])
    forgetSecrets()
  }

  /** A button that picks a recipients or identity file and hands over its name and text. */
  const keyFileButton = (label: string, testId: string, use: (name: string, text: string) => void) => (
    <label className="button small">
      {label}
      <input
        type="file"
        hidden
        data-testid={testId}
        disabled={busy}
        onChange={async (event) => {
          const file = event.target.files?.[0]
          event.target.value = ""
          if (file === undefined) return
          if (file.size > KEY_FILE_LIMIT) return setProblem(`${file.name} is too large to be a key file.`)
          use(file.name, await file.text())
        }}
      />
    </label>
  )

  const strength = estimateStrength(passphrase)
  const kind = saveKind()

  const start = async () => {
    if (busy || files.length === 0) return
    setProblem(undefined)
    // Everything is checked before the destination is asked for.
    let request: (file: File) => AgeJobRequest
    let wipe: () => void
    if (mode === "encrypt") {
      if (lock === "passphrase") {
        if (passphrase === "") return setProblem("Type a passphrase, or generate one.")
        if (generated === undefined && passphrase !== confirm) return setProblem("The passphrases differ: type the same one twice.")
        const bytes: Array<Uint8Array> = []
        const text = passphrase
        request = (file) => {
          const secret = new TextEncoder().encode(text)
          bytes.push(secret)
          return { mode, file, passphrase: secret, armor }
        }
        wipe = () => bytes.forEach((b) => b.fill(0))
      } else {
        const parsed = recipientsOf(recipients)
        if (typeof parsed === "string") return setProblem(parsed)
        const text = recipients
        request = (file) => ({ mode, file, recipients: parsed, recipientsText: text, armor })
        wipe = () => undefined
      }
    } else {
      const text = [identities, identityFile?.text ?? ""].filter((t) => t.trim() !== "").join("\n")
      if (text === "" && passphrase === "") return setProblem("Give an identity (paste it or pick its file), or the passphrase of a passphrase-encrypted file.")
      const parsed = text === "" ? [] : identitiesOf(text)
      if (typeof parsed === "string") return setProblem(parsed)
      const bytes: Array<Uint8Array> = []
      const typed = passphrase
      request = (file) => {
        const secret = typed === "" ? undefined : new TextEncoder().encode(typed)
        if (secret !== undefined) bytes.push(secret)
        return { mode, file, identities: parsed, identitiesText: text, ...(secret === undefined ? {} : { passphrase: secret }) }
      }
      wipe = () => {
        forgetIdentities(parsed)
        bytes.forEach((b) => b.fill(0))
      }
    }
    const names = files.map((file) => outputName(mode, file.name, armor))
    let open: Awaited<ReturnType<typeof chooseDestination>>
    try {
      open = await chooseDestination(names)
    } catch (error) {
      wipe()
      if (!(error instanceof SaveCancelled)) setProblem(error instanceof Error ? error.message : String(error))
      return
    }
    // The secrets leave the form now: the run holds the only copies, wiped when it ends.
    forgetSecrets()
    setBusy(true)
    stopped.current = false
    const list = files
    setRows(list.map((file, i) => ({ name: file.name, output: names[i]!, status: "waiting", done: 0, total: file.size })))
    const update = (i: number, change: Partial<Row>) => setRows((current) => current.map((row, at) => (at === i ? { ...row, ...change } : row)))
    let failures = 0
    try {
      for (let i = 0; i < list.length; i++) {
        if (stopped.current) {
          update(i, { status: "cancelled" })
          continue
        }
        const file = list[i]!
        update(i, { status: "running" })
        let outcome
        try {
          const destination = await open(names[i]!)
          const asked = request(file)
          const onThread = threadJobOf(asked)
          const progress = (p: AgeProgress) => update(i, { done: p.done, rate: p.bytesPerSecond })
          const running = destination.handOver !== undefined && onThread !== undefined && jobThreadAvailable()
            ? startThreadJob(onThread, { ...destination, handOver: destination.handOver }, progress)
            : startAgeJob(runtime, asked, await destination.open(), progress)
          job.current = running
          outcome = await running.outcome
        } catch (error) {
          outcome = { _tag: "failed" as const, message: `${error instanceof Error ? error.message : String(error)}. Nothing was saved.` }
        }
        job.current = undefined
        if (outcome._tag === "done") update(i, { status: "done", done: file.size })
        else if (outcome._tag === "cancelled") update(i, { status: "cancelled", message: "Cancelled: nothing was saved." })
        else {
          failures++
          update(i, { status: "failed", message: outcome.message })
        }
      }
    } finally {
      wipe()
      setBusy(false)
    }
    announce(failures === 0 ? `${mode === "encrypt" ? "Encrypted" : "Decrypted"} ${list.length === 1 ? "the file" : `${list.length} files`}.` : `${failures} of ${list.length} failed.`)
  }

  const pick = (picked: FileList | null) => {
    if (picked === null || picked.length === 0 || busy) return
    setFiles(Array.from(picked))
    setRows([])
    setProblem(undefined)
  }

  return (
    <div className="tool age-tool">
      <form
        className="panel"
        aria-label={mode === "encrypt" ? "Encryption" : "Decryption"}
        autoComplete="off"
        onSubmit={(event) => {
          event.preventDefault()
          void start()
        }}
      >
        <h2>{mode === "encrypt" ? "Encrypt files" : "Decrypt files"}</h2>
        <fieldset className="inline" disabled={busy}>
          <legend>Mode</legend>
          <label className="check">
            <input type="radio" name="age-mode" checked={mode === "encrypt"} onChange={() => switchMode("encrypt")} />
            Encrypt
          </label>
          <label className="check">
            <input type="radio" name="age-mode" checked={mode === "decrypt"} onChange={() => switchMode("decrypt")} />
            Decrypt
          </label>
        </fieldset>

        <section
          className={`dropzone${dragging ? " dragging" : ""}`}
          aria-label="Files to process"
          onDragOver={(event) => {
            event.preventDefault()
            setDragging(true)
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(event) => {
            event.preventDefault()
            setDragging(false)
            pick(event.dataTransfer.files)
          }}
        >
          <p className="dropzone-title">{mode === "encrypt" ? "Drop files to encrypt" : "Drop age files to decrypt"}</p>
          <div className="dropzone-actions">
            <label className="button">
              Choose files
              <input
                type="file"
                multiple
                hidden
                data-testid="age-pick-files"
                disabled={busy}
                onChange={(event) => {
                  pick(event.target.files)
                  event.target.value = ""
                }}
              />
            </label>
          </div>
          {files.length > 0 ? (
            <p className="hint" data-testid="age-files">
              {files.length === 1 ? `${files[0]!.name} (${formatBytes(files[0]!.size)})` : `${files.length} files (${formatBytes(files.reduce((n, f) => n + f.size, 0))})`}
            </p>
          ) : null}
        </section>

        {mode === "encrypt" ? (
          <>
            <fieldset className="inline" disabled={busy}>
              <legend>Encrypt to</legend>
              <label className="check">
                <input type="radio" name="age-lock" checked={lock === "recipients"} onChange={() => setLock("recipients")} />
                Recipients
              </label>
              <label className="check">
                <input type="radio" name="age-lock" checked={lock === "passphrase"} onChange={() => setLock("passphrase")} />
                A passphrase
              </label>
            </fieldset>
            {lock === "recipients" ? (
              <>
                <label>
                  Recipients, one a line (age1…, age1pq1…, ssh-ed25519 …, ssh-rsa …; # comments)
                  <textarea
                    className="mono"
                    rows={4}
                    spellCheck={false}
                    value={recipients}
                    onChange={(event) => setRecipients(event.target.value)}
                    disabled={busy}
                  />
                </label>
                {keyFileButton("Add a recipients file", "age-pick-recipients", (_, text) =>
                  setRecipients((current) => `${current}${current === "" || current.endsWith("\n") ? "" : "\n"}${text}`))}
              </>
            ) : (
              <>
                <label>
                  Passphrase
                  <input
                    type="password"
                    autoComplete="new-password"
                    value={passphrase}
                    onChange={(event) => {
                      setGenerated(undefined)
                      setPassphrase(event.target.value)
                    }}
                    disabled={busy}
                  />
                </label>
                {generated === undefined ? (
                  <label>
                    Passphrase again
                    <input type="password" autoComplete="new-password" value={confirm} onChange={(event) => setConfirm(event.target.value)} disabled={busy} />
                  </label>
                ) : null}
                <div className="strength">
                  <meter min={0} max={110} low={40} high={60} optimum={110} value={Math.min(strength.bits, 110)} aria-label="Passphrase strength" />
                  <span>
                    Strength: {generated !== undefined ? "very strong (10 random words: 110 bits)" : strength.label}
                    {generated === undefined && strength.bits > 0 ? ` (about ${strength.bits} bits if chosen at random; words or a known phrase are far weaker)` : ""}
                  </span>
                </div>
                <div className="tool-actions">
                  <button
                    type="button"
                    className="button small"
                    disabled={busy}
                    onClick={async () => {
                      const words = await generatePassphrase()
                      setGenerated(words)
                      setPassphrase(words)
                      setConfirm("")
                    }}
                  >
                    Generate a passphrase
                  </button>
                </div>
                {generated !== undefined ? (
                  <section className="key-shown" aria-label="Generated passphrase">
                    <p className="hint">Write it down or copy it now: it is not kept, and the file cannot be opened without it.</p>
                    <pre><code data-testid="age-generated">{generated}</code></pre>
                    <CopyButton text={generated} what="the passphrase" />
                  </section>
                ) : null}
              </>
            )}
            <label className="check">
              <input type="checkbox" checked={armor} onChange={(event) => setArmor(event.target.checked)} disabled={busy} />
              ASCII armor (a text file, -----BEGIN AGE ENCRYPTED FILE-----)
            </label>
          </>
        ) : (
          <>
            <label>
              Identities, one a line (AGE-SECRET-KEY-1…, AGE-SECRET-KEY-PQ-1…), or an OpenSSH private key
              <textarea
                className="mono"
                rows={3}
                spellCheck={false}
                autoComplete="off"
                value={identities}
                onChange={(event) => setIdentities(event.target.value)}
                disabled={busy}
              />
            </label>
            <div className="tool-actions">
              {keyFileButton("Pick an identity file", "age-pick-identity", (name, text) => setIdentityFile({ name, text }))}
              {identityFile !== undefined ? (
                <span className="hint">
                  {identityFile.name}{" "}
                  <button type="button" className="button quiet small" onClick={() => setIdentityFile(undefined)} disabled={busy}>Forget</button>
                </span>
              ) : null}
            </div>
            <label>
              Passphrase (for a passphrase-encrypted file)
              <input type="password" autoComplete="off" value={passphrase} onChange={(event) => setPassphrase(event.target.value)} disabled={busy} />
            </label>
          </>
        )}

        {problem !== undefined ? <p className="error" role="alert">{problem}</p> : null}
        <div className="tool-actions">
          <button type="submit" className="button primary" disabled={busy || files.length === 0}>
            {mode === "encrypt" ? "Encrypt" : "Decrypt"}
          </button>
          {busy ? (
            <button type="button" className="button" onClick={() => {
              stopped.current = true
              job.current?.cancel()
            }}>
              Cancel
            </button>
          ) : null}
          <button type="button" className="button quiet" onClick={forgetSecrets} disabled={busy}>Forget keys and passphrases</button>
        </div>
        <p className="hint">
          {kind === "file-system-access"
            ? "Each output is written to the file you choose, and becomes that file only once it is whole; a failure leaves nothing."
            : kind === "service-worker"
            ? "Each output is streamed to your downloads; a failure stops the download, and the browser drops it."
            : "Each output is downloaded once whole (this page is not controlled by its service worker yet: reload to stream downloads)."}
          {" "}Files never leave this device: the work runs on this page's Web Workers.
        </p>
      </form>

      {rows.length > 0 ? (
        <section className="panel" aria-label="Results">
          <h2>Results</h2>
          <ul className="age-rows">
            {rows.map((row) => (
              <li key={row.name} aria-label={row.name} data-status={row.status}>
                <div className="row-head">
                  <span className="name">{row.name}</span>
                  <span className="arrow" aria-hidden="true">→</span>
                  <span className="name">{row.output}</span>
                  <span className="status">{STATUS_LABEL[row.status]}</span>
                </div>
                {row.status === "running" ? (
                  <div className="row-progress">
                    <progress max={Math.max(1, row.total)} value={row.done} />
                    <span>{formatPercent(row.total === 0 ? 1 : row.done / row.total)}{row.rate !== undefined ? `, ${formatRate(row.rate)}` : ""}</span>
                  </div>
                ) : null}
                {row.message !== undefined ? <p className={row.status === "failed" ? "error" : "hint"} role={row.status === "failed" ? "alert" : undefined}>{row.message}</p> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  )
}

export default AgeTool
