/**
 * Many keys as a ZIP, one file per key per form (`key-000001.pem`, `key-000001.pub`...,
 * in folders of 1,000 keys past 1,000, `0001/key-001001.pem`, as `sluice keygen --out-dir`
 * lays them out), streamed: client-zip (store only, ZIP64) writes each file as it is handed over, and the
 * next key is asked for only once the writer has taken the files before it. client-zip
 * keeps a small record per file for the central directory at the end, so a ZIP is offered
 * up to `ZIP_MAX_KEYS` keys; JSON Lines has no such bound. Private files handed over are
 * copies, wiped once the writer has moved past them. Loaded with the first ZIP.
 */
import { type GeneratedKey, KEY_SHARD_KEYS, type KeyFormat, keyShardName, keyShardWidth } from "@sluice/core/browser"
import { isSecret } from "./keyForms.js"
import { gathered, type KeyFileSink } from "./download.js"

export { ZIP_MAX_KEYS } from "./zipLimits.js"

/** Each form's file name after `key-000001`, as `sluice keygen --out-dir` names them (encrypted forms marked, so both fit). */
export const ZIP_SUFFIX: { readonly [F in KeyFormat]: string } = {
  "pkcs8-pem": ".pem",
  "pkcs8-encrypted-pem": ".encrypted.pem",
  "pkcs8-der": ".der",
  "pkcs8-encrypted-der": ".encrypted.der",
  "spki-pem": ".pub.pem",
  "spki-der": ".pub.der",
  "jwk": ".jwk",
  "jwk-public": ".pub.jwk",
  "openssh-private": "",
  "openssh-private-encrypted": ".encrypted",
  "openssh-public": ".pub",
  "age-identity": ".age",
  "age-recipient": ".age.pub",
  "ssh-fingerprint": ".ssh-fingerprint",
  "jwk-thumbprint": ".jwk-thumbprint"
}

interface Entry {
  readonly name: string
  readonly input: Uint8Array
  readonly lastModified: Date
  readonly secret: boolean
}

/** The files of one key of `count`: copies of its forms' bytes (the caller wipes the originals). */
export const zipEntries = (key: GeneratedKey, count: number, at = new Date()): Array<Entry> => {
  const folder = count > KEY_SHARD_KEYS ? `${keyShardName(key.index, keyShardWidth(count))}/` : ""
  const name = `${folder}key-${String(key.index + 1).padStart(Math.max(6, String(count).length), "0")}`
  return key.outputs.map(({ bytes, format }) => ({
    name: name + ZIP_SUFFIX[format],
    input: bytes.slice(),
    lastModified: at,
    secret: isSecret(format)
  }))
}

/** A queue between the key job (pushing) and the ZIP writer (pulling), at most `high` files ahead. */
const entryQueue = (high = 64) => {
  const items: Array<Entry> = []
  let ended = false
  let wake: (() => void) | undefined
  let room: (() => void) | undefined
  const iterable: AsyncIterable<Entry> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const item = items.shift()
        if (item !== undefined) {
          if (items.length < high) room?.()
          yield item
          // Asked for the next one: the writer has taken this one whole.
          if (item.secret) item.input.fill(0)
          continue
        }
        if (ended) return
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
      }
    }
  }
  return {
    iterable,
    push: async (entries: ReadonlyArray<Entry>) => {
      items.push(...entries)
      wake?.()
      if (items.length >= high) await new Promise<void>((resolve) => (room = resolve))
      room = undefined
    },
    end: () => {
      ended = true
      wake?.()
      room?.()
    },
    /** Drops what is waiting, wiping its private files. */
    drop: () => {
      for (const item of items.splice(0)) if (item.secret) item.input.fill(0)
      ended = true
      wake?.()
      room?.()
    }
  }
}

export interface ZipWriter {
  readonly add: (key: GeneratedKey) => Promise<void>
  /** Writes the central directory; resolves once every byte is with the sink. */
  readonly finish: () => Promise<void>
  readonly abort: () => Promise<void>
}

export const zipWriter = async (destination: Pick<KeyFileSink, "write">, count: number): Promise<ZipWriter> => {
  const { makeZip } = await import("client-zip")
  const sink = gathered(destination)
  const queue = entryQueue()
  const reader = makeZip(queue.iterable, { buffersAreUTF8: true }).getReader()
  let stopped = false
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read()
      if (stopped) return
      if (done) return sink.flush()
      await sink.write(value)
    }
  })()
  // A failed write ends the job's pushes too (room is made, nothing more is taken).
  pump.catch(() => queue.drop())
  return {
    add: (key) => queue.push(zipEntries(key, count)),
    finish: async () => {
      queue.end()
      await pump
    },
    abort: async () => {
      stopped = true
      queue.drop()
      await reader.cancel().catch(() => undefined)
      await pump.catch(() => undefined)
    }
  }
}
