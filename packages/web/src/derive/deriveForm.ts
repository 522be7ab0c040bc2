/**
 * The Derive tool's form, as text fields, and the `DeriveParams` it stands for. Numbers
 * are passed on as typed (a fraction, a huge value): core's `validateDerive` is what
 * refuses them, with its messages, before any work.
 */
import {
  type DeriveParams,
  type KdfAlgorithm,
  validateDerive
} from "@sluice/core/browser"
import { Cause, Effect, Exit } from "effect"
import { PAGE_MEMORY_CEILING } from "./deriveJob.js"

export type SaltEncoding = "hex" | "text"
export type OutputEncoding = "hex" | "base64" | "phc"

export interface DeriveForm {
  readonly algorithm: KdfAlgorithm
  readonly password: string
  readonly salt: string
  readonly saltEncoding: SaltEncoding
  readonly allowShortSalt: boolean
  readonly length: string
  readonly iterations: string
  readonly info: string
  readonly logN: string
  readonly r: string
  readonly p: string
  readonly memoryKiB: string
  readonly passes: string
  readonly parallelism: string
}

/** OWASP's password storage settings (2023): Argon2id m=19 MiB t=2 p=1, scrypt N=2^17 r=8 p=1, PBKDF2-SHA256 600,000. */
export const DEFAULT_FORM: DeriveForm = {
  algorithm: "argon2id",
  password: "",
  salt: "",
  saltEncoding: "hex",
  allowShortSalt: false,
  length: "32",
  iterations: "600000",
  info: "",
  logN: "17",
  r: "8",
  p: "1",
  memoryKiB: "19456",
  passes: "2",
  parallelism: "1"
}

const number = (text: string): number => (text.trim() === "" ? Number.NaN : Number(text))

/** Hex (spaces allowed) as bytes, or undefined when it is not hex. */
export const hexBytes = (text: string): Uint8Array | undefined => {
  const hex = text.replace(/\s+/g, "")
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16))
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** The parameters the form stands for, or why it stands for none. */
export const paramsOf = (form: DeriveForm): DeriveParams | string => {
  const salt = form.saltEncoding === "hex" ? hexBytes(form.salt) : utf8(form.salt)
  if (salt === undefined) return "The salt is not hexadecimal: pairs of 0-9 and a-f (or choose text)."
  const length = number(form.length)
  const allowShortSalt = form.allowShortSalt ? { allowShortSalt: true } : {}
  switch (form.algorithm) {
    case "pbkdf2-sha256":
    case "pbkdf2-sha512":
      return { algorithm: form.algorithm, password: utf8(form.password), salt, iterations: number(form.iterations), length, ...allowShortSalt }
    case "hkdf-sha256":
    case "hkdf-sha512":
      return { algorithm: form.algorithm, ikm: utf8(form.password), salt, info: utf8(form.info), length }
    case "scrypt":
      return { algorithm: "scrypt", password: utf8(form.password), salt, logN: number(form.logN), r: number(form.r), p: number(form.p), length, ...allowShortSalt }
    case "argon2id":
      return {
        algorithm: "argon2id",
        password: utf8(form.password),
        salt,
        memoryKiB: number(form.memoryKiB),
        passes: number(form.passes),
        parallelism: number(form.parallelism),
        length,
        ...allowShortSalt
      }
  }
}

const sentence = (message: string) => `${message.charAt(0).toUpperCase()}${message.slice(1)}.`

/** Why the form would be refused (core's rules and the page's memory ceiling), or undefined. */
export const formProblem = (form: DeriveForm): string | undefined => {
  if (form.algorithm.startsWith("hkdf") ? form.password.length === 0 : false) return "HKDF needs input key material."
  const params = paramsOf(form)
  if (typeof params === "string") return params
  const exit = Effect.runSyncExit(validateDerive(params, { maxMemoryBytes: PAGE_MEMORY_CEILING }))
  if (Exit.isSuccess(exit)) return undefined
  const error = Cause.squash(exit.cause)
  return sentence(error instanceof Error ? error.message : String(error))
}

/** The form with a calibration's parameters (its stand-in password and salt are not taken). */
export const withCalibrated = (form: DeriveForm, params: DeriveParams): DeriveForm => {
  switch (params.algorithm) {
    case "pbkdf2-sha256":
    case "pbkdf2-sha512":
      return { ...form, algorithm: params.algorithm, iterations: String(params.iterations) }
    case "scrypt":
      return { ...form, algorithm: "scrypt", logN: String(params.logN), r: String(params.r), p: String(params.p) }
    case "argon2id":
      return { ...form, algorithm: "argon2id", memoryKiB: String(params.memoryKiB), passes: String(params.passes), parallelism: String(params.parallelism) }
    default:
      return form
  }
}
