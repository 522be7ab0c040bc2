/**
 * Keys as JSON Lines, the shape `sluice keygen --jsonl` writes and the web app downloads:
 * one object per key, `{"index":N,"type":T,<form>:<value>...,"sshFingerprint":...,
 * "jwkThumbprint":...}`, built as text (no object per key, no re-parse of a JWK) with the
 * same bytes as `JSON.stringify` of that object, key for key. A form's value is its text,
 * a DER form's is its base64, a JWK's is the object itself.
 */
import { base64 } from "@scure/base"
import type { KeyFormat } from "./KeyFormat.js"
import type { KeyType } from "./KeyType.js"

/** The forms held as bytes, written in a line as base64. */
export const BINARY_FORMATS: ReadonlySet<KeyFormat> = new Set(["pkcs8-der", "pkcs8-encrypted-der", "spki-der"])

/**
 * Which of a batch's forms go in its lines: each key's outputs come in `formats`' order,
 * and the first `fields` are the forms written under their own names; the fingerprints are
 * then taken from the `ssh-fingerprint` and `jwk-thumbprint` outputs wherever they are.
 */
export interface KeyLineLayout {
  readonly type: KeyType
  readonly formats: ReadonlyArray<KeyFormat>
  readonly fields: number
}

const decoder = new TextDecoder()

/** A text form's value in a line, as JSON text: the JWK object itself, any other text as a JSON string. */
export const lineValueOfText = (format: KeyFormat, text: string): string =>
  format === "jwk" || format === "jwk-public" ? text.trimEnd() : JSON.stringify(text)

/** A form's value in a line from its bytes: base64 for DER, else as `lineValueOfText`. */
export const lineValueOfBytes = (format: KeyFormat, bytes: Uint8Array): string =>
  BINARY_FORMATS.has(format) ? `"${base64.encode(bytes)}"` : lineValueOfText(format, decoder.decode(bytes))

/** The pieces of a layout's lines that are the same for every key. */
export interface KeyLineTemplate {
  /** `,"type":"ed25519"` */
  readonly type: string
  /** Each field's `,"name":`, in turn. */
  readonly names: ReadonlyArray<string>
  /** Where in the outputs the fingerprints are, or -1. */
  readonly ssh: number
  readonly jwk: number
}

export const keyLineTemplate = (layout: KeyLineLayout): KeyLineTemplate => ({
  type: `,"type":${JSON.stringify(layout.type)}`,
  names: layout.formats.slice(0, layout.fields).map((format) => `,${JSON.stringify(format)}:`),
  ssh: layout.formats.indexOf("ssh-fingerprint"),
  jwk: layout.formats.indexOf("jwk-thumbprint")
})

/**
 * Key `index`'s line (counted from 0; the line says `index + 1`), with its newline, from
 * the values of its outputs (`lineValueOfText`/`lineValueOfBytes`), in the layout's order.
 */
export const keyJsonLine = (template: KeyLineTemplate, index: number, values: ReadonlyArray<string>): string => {
  let line = `{"index":${index + 1}${template.type}`
  for (let i = 0; i < template.names.length; i++) line += template.names[i]! + values[i]!
  if (template.ssh !== -1) line += `,"sshFingerprint":${values[template.ssh]!}`
  if (template.jwk !== -1) line += `,"jwkThumbprint":${values[template.jwk]!}`
  return line + "}\n"
}

/**
 * The pieces of a manifest's lines (`sluice keygen --out-dir`) that are the same for every
 * key: each file's `"form":"key-` and its `suffix"`, and where the manifest's values are in
 * a key's outputs (-1: not there, left out of the line).
 */
export interface KeyManifestTemplate {
  readonly type: string
  readonly width: number
  /** With subdirectories of `KEY_SHARD_KEYS` keys: their names' width (`keyShardWidth`); else undefined. */
  readonly shardWidth: number | undefined
  /** Per file: `,"form":"` (the first without its comma). */
  readonly heads: ReadonlyArray<string>
  /** Per file: `suffix"`. */
  readonly tails: ReadonlyArray<string>
  readonly ssh: number
  readonly sshFingerprint: number
  readonly jwk: number
  readonly jwkThumbprint: number
}

export const keyManifestTemplate = (
  layout: KeyLineLayout & { readonly width: number; readonly shardWidth?: number | undefined; readonly suffixes: ReadonlyArray<string> }
): KeyManifestTemplate => ({
  type: `,"type":${JSON.stringify(layout.type)}`,
  width: layout.width,
  shardWidth: layout.shardWidth,
  heads: layout.formats.slice(0, layout.fields).map((format, i) => `${i === 0 ? "" : ","}${JSON.stringify(format)}:"`),
  tails: layout.suffixes.map((suffix) => `${JSON.stringify(suffix).slice(1, -1)}"`),
  ssh: layout.formats.indexOf("openssh-public"),
  sshFingerprint: layout.formats.indexOf("ssh-fingerprint"),
  jwk: layout.formats.indexOf("jwk-public"),
  jwkThumbprint: layout.formats.indexOf("jwk-thumbprint")
})

/** A file's name: `key-` and the key's number (from 1), padded to `width`, then the suffix. */
export const keyFileName = (index: number, width: number, suffix: string): string => `key-${String(index + 1).padStart(width, "0")}${suffix}`

/**
 * Keys per subdirectory of a large directory of keys (`sluice keygen --out-dir`, more keys
 * than this): `0000/` holds keys 1 to 1,000, `0001/` keys 1,001 to 2,000, and so on. A
 * directory of millions of files is slow to list, to glob and to copy; and each
 * subdirectory is written whole and moved into place in one rename.
 */
export const KEY_SHARD_KEYS = 1000

/** The digits of a run's subdirectory names: its last key's shard number, at least 4. */
export const keyShardWidth = (count: number): number => Math.max(4, String(Math.floor((count - 1) / KEY_SHARD_KEYS)).length)

/** Key `index`'s subdirectory (counted from 0): its shard number, padded to `width`. */
export const keyShardName = (index: number, width: number): string => String(Math.floor(index / KEY_SHARD_KEYS)).padStart(width, "0")

/**
 * Key `index`'s manifest line (counted from 0; the line says `index + 1`), with its
 * newline: `{"index":N,"type":T,"files":{form:path...},"ssh":...,"sshFingerprint":...,
 * "jwk":{...},"jwkThumbprint":...}`, the same bytes as `JSON.stringify` of that object.
 * A path is the file's name, under its subdirectory (`0001/key-0001001.pem`) where the
 * run has them.
 * `texts` are the key's outputs as text, in the layout's order (the manifest's are all
 * text forms).
 */
export const keyManifestLine = (template: KeyManifestTemplate, index: number, texts: ReadonlyArray<string | undefined>): string => {
  const number = (template.shardWidth === undefined ? "key-" : `${keyShardName(index, template.shardWidth)}/key-`) + String(index + 1).padStart(template.width, "0")
  let line = `{"index":${index + 1}${template.type},"files":{`
  for (let i = 0; i < template.heads.length; i++) line += template.heads[i]! + number + template.tails[i]!
  line += "}"
  if (template.ssh !== -1) line += `,"ssh":${JSON.stringify(texts[template.ssh]!.trimEnd())}`
  if (template.ssh !== -1 && template.sshFingerprint !== -1) line += `,"sshFingerprint":${JSON.stringify(texts[template.sshFingerprint]!)}`
  if (template.jwk !== -1) line += `,"jwk":${texts[template.jwk]!.trimEnd()}`
  if (template.jwkThumbprint !== -1) line += `,"jwkThumbprint":${JSON.stringify(texts[template.jwkThumbprint]!)}`
  return line + "}\n"
}
