import { execFileSync } from "node:child_process"
import { createHash, generateKeyPairSync } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { parseAuthorizedKey, parseOpensshPrivateKey, opensshPrivateKeyHeader } from "../../keys/formats/openssh.js"
import { nodeAgeKeyKernel as kernel } from "../../node/NodeAgeKeyKernel.js"
import type { RsaKeyPair, RsaPublicKey } from "../AgeKeyKernel.js"
import { encodeBase64 } from "../base64.js"
import { type Ed25519KeyPair, type Ed25519PublicKey, unwrap as unwrapEd25519, wrap as wrapEd25519 } from "./sshEd25519.js"
import { rsaBits, unwrap as unwrapRsa, wrap as wrapRsa } from "./sshRsa.js"
import { sshTag } from "./sshTag.js"

/** SSH keys made by ssh-keygen (the peer scripts/peers.sh installs). */
const dir = mkdtempSync(join(tmpdir(), "sluice-age-ssh-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const keygen = (name: string, ...args: Array<string>) => {
  const path = join(dir, name)
  execFileSync("ssh-keygen", ["-q", "-N", "", "-C", "age@test", "-f", path, ...args])
  return { privateText: readFileSync(path, "utf8"), publicLine: readFileSync(`${path}.pub`, "utf8") }
}

/** age's tag computed apart from the code under test: SHA-256 over the .pub line's base64 blob, 4 bytes, unpadded base64. */
const expectedTag = (publicLine: string) =>
  createHash("sha256").update(Buffer.from(publicLine.split(" ")[1]!, "base64")).digest().subarray(0, 4).toString("base64").replace(/=+$/, "")

const ed = keygen("id_ed25519", "-t", "ed25519")
const edOther = keygen("id_ed25519_other", "-t", "ed25519")
const rsa = keygen("id_rsa", "-t", "rsa", "-b", "2048")
const edPair = parseOpensshPrivateKey(ed.privateText).pair as Ed25519KeyPair
const edOtherPair = parseOpensshPrivateKey(edOther.privateText).pair as Ed25519KeyPair
const edPublic = parseAuthorizedKey(ed.publicLine).key as Ed25519PublicKey
const rsaPair = parseOpensshPrivateKey(rsa.privateText).pair as RsaKeyPair
const rsaPublic = parseAuthorizedKey(rsa.publicLine).key as RsaPublicKey
const fileKey = Uint8Array.from({ length: 16 }, (_, i) => i * 3)

describe("SSH keys' tags", () => {
  it("are age's for keys ssh-keygen made, from the public line and from the private file alike", () => {
    expect(sshTag(edPublic)).toBe(expectedTag(ed.publicLine))
    expect(sshTag(edPair)).toBe(expectedTag(ed.publicLine))
    expect(sshTag(rsaPublic)).toBe(expectedTag(rsa.publicLine))
    expect(sshTag(rsaPair)).toBe(expectedTag(rsa.publicLine))
    expect(sshTag(edPublic)).toHaveLength(6)
  })

  it("can be read from an encrypted OpenSSH key without its passphrase", () => {
    const path = join(dir, "id_locked")
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "secret words", "-C", "", "-f", path])
    const header = opensshPrivateKeyHeader(readFileSync(path, "utf8"))
    expect(header.encrypted).toBe(true)
    expect(sshTag(header.publicKey)).toBe(expectedTag(readFileSync(`${path}.pub`, "utf8")))
    expect(opensshPrivateKeyHeader(ed.privateText).encrypted).toBe(false)
  })
})

describe("the ssh-ed25519 stanza", () => {
  it("unwraps what it wraps to the .pub line with the private file", () => {
    const stanza = wrapEd25519(fileKey, edPublic)
    expect(stanza.type).toBe("ssh-ed25519")
    expect(stanza.args[0]).toBe(expectedTag(ed.publicLine))
    expect(stanza.body).toHaveLength(32)
    expect(unwrapEd25519(stanza, edPair)).toEqual({ _tag: "FileKey", fileKey })
  })

  it("is no match for another key's tag, and an error for our tag with a body that does not open", () => {
    const stanza = wrapEd25519(fileKey, edPublic)
    expect(unwrapEd25519(stanza, edOtherPair)).toEqual({ _tag: "NoMatch" })
    const body = new Uint8Array(stanza.body)
    body[0]! ^= 1
    expect(unwrapEd25519({ ...stanza, body }, edPair)).toEqual({ _tag: "Undecryptable", stanza: "ssh-ed25519" })
    expect(unwrapEd25519({ ...stanza, body: stanza.body.subarray(1) }, edPair)._tag).toBe("Malformed")
  })

  it("rejects a wrong argument count or share, even for another key's stanza, as agessh does", () => {
    const stanza = wrapEd25519(fileKey, edPublic)
    expect(unwrapEd25519({ ...stanza, args: [stanza.args[0]!] }, edOtherPair)._tag).toBe("Malformed")
    expect(unwrapEd25519({ ...stanza, args: [stanza.args[0]!, encodeBase64(new Uint8Array(31))] }, edOtherPair)._tag).toBe("Malformed")
    expect(unwrapEd25519({ ...stanza, args: [stanza.args[0]!, encodeBase64(new Uint8Array(32))] }, edPair)._tag).toBe("Malformed")
    expect(unwrapEd25519({ ...stanza, type: "SSH-ED25519" }, edPair)).toEqual({ _tag: "NoMatch" })
  })
})

describe("the ssh-rsa stanza", () => {
  it("unwraps what it wraps to the .pub line with the private file", async () => {
    expect(rsaBits(rsaPublic)).toBe(2048)
    const stanza = await wrapRsa(fileKey, rsaPublic, kernel)
    expect(stanza.args).toEqual([expectedTag(rsa.publicLine)])
    expect(stanza.body).toHaveLength(256)
    expect(await unwrapRsa(stanza, rsaPair, kernel)).toEqual({ _tag: "FileKey", fileKey })
  })

  it("is no match for another key's tag, an error for our tag with a bad body or a wrong argument count", async () => {
    const stanza = await wrapRsa(fileKey, rsaPublic, kernel)
    expect(await unwrapRsa({ ...stanza, args: ["AAAAAA"] }, rsaPair, kernel)).toEqual({ _tag: "NoMatch" })
    const body = new Uint8Array(stanza.body)
    body[7]! ^= 1
    expect(await unwrapRsa({ ...stanza, body }, rsaPair, kernel)).toEqual({ _tag: "Undecryptable", stanza: "ssh-rsa" })
    expect((await unwrapRsa({ ...stanza, args: [] }, rsaPair, kernel))._tag).toBe("Malformed")
    expect(await unwrapRsa({ ...stanza, type: "ssh-ed25519" }, rsaPair, kernel)).toEqual({ _tag: "NoMatch" })
  })

  it("refuses to encrypt to a key under 2048 bits", async () => {
    // Sluice's key parsers read RSA of 2048, 3072 and 4096 bits only: the small key is made here.
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 })
    const jwk = publicKey.export({ format: "jwk" })
    const small: RsaPublicKey = { family: "rsa", type: "rsa-2048", n: new Uint8Array(Buffer.from(jwk.n!, "base64url")), e: new Uint8Array(Buffer.from(jwk.e!, "base64url")) }
    expect(rsaBits(small)).toBe(1024)
    await expect(wrapRsa(fileKey, small, kernel)).rejects.toThrow("2048")
  })
})
