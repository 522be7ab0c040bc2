/** derive's quick reading of its command line (`quickArgs`) against commander's, option by option. */
import { describe, expect, it } from "vitest"
import { type DeriveCommandOptions, quickArgs } from "./derive.js"
import { addDeriveCommand } from "./deriveCommand.js"
import { rootCommand } from "../options.js"

/** What commander's derive command hands its action for `argv`: the KDF and the options. */
const commanderArgs = async (argv: ReadonlyArray<string>) => {
  let read: { kdf: string; options: DeriveCommandOptions } | undefined
  const program = rootCommand().helpOption(false)
  const command = addDeriveCommand(program, () => {}, "")
  command.action((kdf: string, options: DeriveCommandOptions) => {
    read = { kdf, options: { ...options } }
  })
  await program.parseAsync([...argv], { from: "user" })
  return read
}

const SALT = ["--salt-hex", "00112233445566778899aabbccddeeff"]

describe("quickArgs reads a plain command line as commander does", () => {
  it.each([
    [["derive", "argon2id", "--memory", "64MiB", "--passes", "3", "--parallelism", "4", ...SALT, "--length", "32", "--password-file", "pw"]],
    [["derive", "--ln", "17", "--r", "8", "--p", "1", "scrypt", ...SALT, "--length", "32"]],
    [["derive", "pbkdf2", "--hash", "sha256", "--iterations", "600000", "--salt", "NaCl", "--length", "64", "--encoding", "base64", "--json"]],
    [["derive", "hkdf", "--hash", "sha512", "--info", "app v1", "--info-hex", "0102", "--length", "32", "--encoding", "raw", "-o", "key.bin"]],
    [["derive", "scrypt", "--n", "16", "--r", "1", "--p", "1", "--salt-base64", "AAEC", "--allow-short-salt", "--length", "16", "--max-memory", "1GiB"]],
    [["derive", "argon2id", "--memory", "8", "--passes", "1", "--parallelism", "1", "--ad-hex", "ff", ...SALT, "--length", "4", "--output", "k"]],
    [["derive", "nokdf"]]
  ])("%j", async (argv) => {
    const quick = quickArgs(argv)
    expect(quick).toBeDefined()
    expect(quick).toEqual(await commanderArgs(argv))
  })
})

describe("quickArgs leaves to commander what is not plain", () => {
  it.each([
    [["derive"]],
    [["hash", "argon2id"]],
    [["derive", "argon2id", "scrypt"]],
    [["derive", "argon2id", "--password", "pw"]],
    [["derive", "argon2id", "--length"]],
    [["derive", "argon2id", "--length", "--json"]],
    [["derive", "argon2id", "--length", "32", "--length", "16"]],
    [["derive", "argon2id", "--length=32"]],
    [["derive", "argon2id", "-w", "0"]],
    [["derive", "argon2id", "--salt", "-x"]],
    [["derive", "argon2id", "--"]],
    [["derive", "argon2id", "--help"]]
  ])("%j", (argv) => {
    expect(quickArgs(argv)).toBeUndefined()
  })
})
