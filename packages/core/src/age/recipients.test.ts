import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { ageHybridIdentity, ageHybridRecipient, ageRecipient } from "../keys/formats/age.js"
import { nodeAgeKeyKernel as kernel } from "../node/NodeAgeKeyKernel.js"
import { type AgeIdentity, parseIdentityFile, scryptIdentity } from "./identities.js"
import { type AgeRecipient, checkRecipients, MIXED_PQ_MESSAGE, parseRecipient, parseRecipientsFile, wrapFileKey } from "./recipients.js"
import { hybridPublicKey } from "./stanzas/hybrid.js"
import { unwrapFileKey } from "./unwrap.js"

// The spec's example recipients [C2SP age §The X25519 recipient type, §The MLKEM768-X25519 hybrid recipient type].
const X25519_RECIPIENT = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
const PQ_RECIPIENT =
  "age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshfg87pzf5zrqtzdxz95paef6caq5aapdmwjjqpjfdyxnzr2zampc3uxy0dg4z2n2gm9su72p0pc3u0jvev55l694v78snxg3yzvcl7yda0eyytqj6a0ec477lnhcy5hzpz4zq3pxanve4cn62gqj3pjy5lqj9c6kyj4v2z8alktn8zh99970x79gjkv7522hv9kfz35zsnxhsx8wwtmu9cy3ftzjgwcp4sshn3llnylnpdsyz5jm72vefv4x5vfwytrefxg4wq3mv42wcrvkj742479zrxzpvp2p3e9fed9f0739vcu80r7ma28qfhnvlv4gfzel9q654dj3zmuvvz893azhxdvs9fxd0r7jzchzcfcs5mkyyjxhw0n2z6dvp9yn9qfdp29h0azxqyjw6v7fhyuzj7zel0uq6j9rd7wgrpz7mf5dnj43jwsgvrc8qcnhy7tu6dkdujuxzkp9xj43xe8h92ktre2a3u3s8mm5mrp9nr9pwkgtz4mdlq9hgn4fps4k57ff6wddn2fy23t47sm20r8km8sd2pcyyafnet8f0dajsrlyjeah4n3mssr6aseevuuskdvq5lzguyvpgwpta742c6698vgutzqgny8usfg0w2he7kq5vyxjd0f9hqg8xk26y9e4th0gezq92q4cpp5p2y9hf5f2cje5l0c3sa3a2qxmm38pxxvhxh99yzmfz0zk7r2s64nnwjhkfgfr3gf8xnmppcgmaykvh5sh6g7vk9790rf8ws0axmr2t7z8aae5fq2029uvcn2ghgt4fu4wgwdc0k0cz52qkvwmuzj8p8k5jgf3xzk5zmrkavjekjrpeq408xz3zxazwkc6tyfmhayrkfpjhwtz5mp8j8guqe43k2q6m2kte03vrw27y3wmqyu5etmt9dnkwcnnpmu9gz9dekfhdevf42ucshphnrk38ra6hx8w5f8q5ru0xdhrjxmwqf6cused7zc5xvq43r0zscjglpwlptpwydhqw64xz7ptjdyeyzpq2zkxtmzg29gzjpvzva4d3l0cenn9xs297wf4y4ukwrunf57xj6pm7nvrkwvtrt8hwcmgv8x7ajw7258ugf9wvkmk4052ekg87tw5vnx8nq2swyzv77v8yqlwsenvamr0zssknwts8rrhfuwj7ykysnq9jxy0uv3kuyt22djszjdtvpz6d0s0kwh8ryynddzud92emeyvvyqktd0jtj7rvvg5gch25v8smlvny3kvn5gagyz475ze2y6q466xqmz2n3hs77lddeqyta2nch5k2u5yacuk9ywnwfdzvyejnucz724hj77hrrmakm7pr3kxsrxq22ejexlud9fy2kdqmkg5yncz7jm5wv2qjk5w5kvcpqsry2yqffh2la52dxfjkjq5rzhjzeyn6dupn0qwtyv7s4lwg3xdarsdlwe2y3tujy480y7z39q259fzx6jhd2j0f5hagqpcpees7hzc2yrk5cy788uk3s7qvp5cpepx24gvws3m2g433exgwppnkjscec8qu4y9z9r7vccexjcjaen42245lmgmxmuavg9alej92322gvvyy2t6267v09ch64y0m53jff0vjj96s0ypk60hr3jw4myd6m5hpn3xjstx7tl2szhpr5qe8jj08ydjc4wy2rch2fhuy3pdfjax5awe9j99ly5hkntzz9fe5zatgjvzdd0kgtxs25njnajyf6ssekp7gelxquusn4pt25czh3scj68kq79wdn5tgm6yvm9nzavrg043x3msnygf8dweknw5jmqd0uvny6ttsn09508k0c55zfnegrm9efhxpfqdkmhh6gjtqmwze9pyyzk3tlhl53k2ykx3qheyty7saeq0d3fzv49zc0k"

const dir = mkdtempSync(join(tmpdir(), "sluice-age-rcpt-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const sshKey = (type: string) => {
  const file = join(dir, `${n++}-id_${type}`)
  execFileSync("ssh-keygen", ["-q", "-t", type, ...(type === "rsa" ? ["-b", "2048"] : []), "-N", "", "-C", "me@host", "-f", file])
  return { text: readFileSync(file, "utf8"), pub: readFileSync(`${file}.pub`, "utf8").trim() }
}
const ed = sshKey("ed25519")
const rsa = sshKey("rsa")
const ecdsa = sshKey("ecdsa")

const kindOf = (text: string) => {
  const parsed = parseRecipient(text)
  return parsed._tag === "Recipient" ? parsed.recipient.kind : parsed.problem
}

describe("age recipients", () => {
  it("reads age1, age1pq1 and SSH Ed25519 and RSA public key lines", () => {
    expect([X25519_RECIPIENT, PQ_RECIPIENT, ed.pub, rsa.pub].map(kindOf)).toEqual(["X25519", "mlkem768x25519", "ssh-ed25519", "ssh-rsa"])
  })

  it("refuses what age refuses, saying what it is and never quoting it", () => {
    const identity = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
    expect(kindOf(identity)).toBe("an apparent identity given as a recipient")
    expect(kindOf(ecdsa.pub)).toBe("an SSH key of type ecdsa-sha2-nistp256, which age cannot encrypt to")
    expect(kindOf("age1yubikey1qqqqqqqqqq")).toBe("plugin recipients are not supported")
    expect(kindOf(`${X25519_RECIPIENT.slice(0, -1)}x`)).toBe("a malformed age1 recipient")
    expect(kindOf(X25519_RECIPIENT.toUpperCase())).toBe("an unknown recipient type")
    expect(kindOf(`${PQ_RECIPIENT.slice(0, -1)}q`)).toBe("a malformed age1pq1 recipient")
    expect(kindOf("github:someone")).toContain("removed")
    // u = 0 and u = 1, of low order: any file key wrapped to them would be readable by all.
    expect(kindOf(ageRecipient({ family: "okp", type: "x25519", publicKey: new Uint8Array(32) }))).toBe("an age1 recipient that is a low-order point")
    expect(kindOf(ageRecipient({ family: "okp", type: "x25519", publicKey: Uint8Array.of(1, ...new Uint8Array(31)) }))).toBe("an age1 recipient that is a low-order point")
    expect(JSON.stringify(parseRecipient(identity))).not.toContain("GFPYYSJZ")
  })

  it("reads a recipients file: comments, blank lines, CRLF, long age1pq1 lines; skips SSH keys age cannot use, naming their line", () => {
    const text = `# team\r\n${X25519_RECIPIENT}\r\n\n${PQ_RECIPIENT}\n${ecdsa.pub}\n${ed.pub}\n`
    const parsed = parseRecipientsFile(text)
    expect(parsed._tag).toBe("Recipients")
    if (parsed._tag !== "Recipients") return
    expect(parsed.recipients.map((r) => r.kind)).toEqual(["X25519", "mlkem768x25519", "ssh-ed25519"])
    expect(parsed.skipped).toEqual([{ line: 5, type: "ecdsa-sha2-nistp256" }])
  })

  it("names the line of a bad recipient in a file, never its text", () => {
    const identity = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
    expect(parseRecipientsFile(`${X25519_RECIPIENT}\n${identity}\n`)).toEqual({ _tag: "BadRecipient", line: 2, problem: "an apparent identity found in the recipients file" })
    expect(parseRecipientsFile("# x\nnot a recipient\n")).toEqual({ _tag: "BadRecipient", line: 2, problem: "a malformed recipient" })
    expect(parseRecipientsFile(`${"age1".padEnd(9000, "q")}\n`)).toEqual({ _tag: "BadRecipient", line: 1, problem: "the line is too long" })
    expect(parseRecipientsFile("# nothing\n\n")).toEqual({ _tag: "BadRecipient", problem: "no recipients found" })
  })
})

describe("age's rule on mixing recipients", () => {
  const parsed = (text: string) => (parseRecipient(text) as { recipient: AgeRecipient }).recipient
  const scrypt: AgeRecipient = { kind: "scrypt", passphrase: new TextEncoder().encode("pw") }

  it("refuses post-quantum with classic recipients in age's words, and allows each kind alone", () => {
    expect(checkRecipients([parsed(PQ_RECIPIENT), parsed(X25519_RECIPIENT)])).toEqual({ _tag: "IncompatibleRecipients", message: MIXED_PQ_MESSAGE })
    expect(checkRecipients([parsed(ed.pub), parsed(PQ_RECIPIENT)])?.message).toBe(MIXED_PQ_MESSAGE)
    expect(checkRecipients([parsed(PQ_RECIPIENT), parsed(PQ_RECIPIENT)])).toBeUndefined()
    expect(checkRecipients([parsed(X25519_RECIPIENT), parsed(ed.pub), parsed(rsa.pub)])).toBeUndefined()
  })

  it("holds a passphrase to be the only recipient", () => {
    expect(checkRecipients([scrypt])).toBeUndefined()
    expect(checkRecipients([scrypt, parsed(X25519_RECIPIENT)])?._tag).toBe("IncompatibleRecipients")
    expect(checkRecipients([scrypt, scrypt])?._tag).toBe("IncompatibleRecipients")
  })

  it("wraps nothing when the rule is broken", async () => {
    const result = await wrapFileKey(new Uint8Array(16), [parsed(PQ_RECIPIENT), parsed(X25519_RECIPIENT)], kernel)
    expect(result._tag).toBe("IncompatibleRecipients")
    expect((await wrapFileKey(new Uint8Array(16), [], kernel))._tag).toBe("NoRecipients")
  })
})

describe("wrapping a file key to recipients", () => {
  const fileKey = Uint8Array.from({ length: 16 }, (_, i) => 7 * i)
  const verifyMac = () => true
  const ids = (text: string): ReadonlyArray<AgeIdentity> => {
    const parsed = parseIdentityFile(text)
    if (parsed._tag !== "Identities") throw new Error(parsed.problem)
    return parsed.identities
  }

  it("gives one stanza a recipient, in order, each unwrapped by its own identity", async () => {
    const ageKey = join(dir, "key.txt")
    execFileSync("age-keygen", ["-o", ageKey], { stdio: "ignore" })
    const x = execFileSync("age-keygen", ["-y", ageKey], { encoding: "utf8" }).trim()
    const result = await wrapFileKey(fileKey, [x, ed.pub, rsa.pub].map((t) => (parseRecipient(t) as { recipient: AgeRecipient }).recipient), kernel)
    expect(result._tag).toBe("Stanzas")
    if (result._tag !== "Stanzas") return
    expect(result.stanzas.map((s) => s.type)).toEqual(["X25519", "ssh-ed25519", "ssh-rsa"])
    for (const text of [readFileSync(ageKey, "utf8"), ed.text, rsa.text]) {
      expect(await unwrapFileKey(result.stanzas, ids(text), { kernel, verifyMac })).toEqual({ _tag: "FileKey", fileKey })
    }
  })

  it("to hybrid recipients and to a passphrase", async () => {
    const seed = new Uint8Array(32).fill(5)
    const pq = await wrapFileKey(fileKey, [(parseRecipient(ageHybridRecipient(hybridPublicKey(seed))) as { recipient: AgeRecipient }).recipient], kernel)
    if (pq._tag !== "Stanzas") throw new Error(pq._tag)
    expect(await unwrapFileKey(pq.stanzas, ids(ageHybridIdentity(seed)), { kernel, verifyMac })).toEqual({ _tag: "FileKey", fileKey })
    const passphrase = new TextEncoder().encode("a long passphrase")
    const pw = await wrapFileKey(fileKey, [{ kind: "scrypt", passphrase, logN: 10 }], kernel)
    if (pw._tag !== "Stanzas") throw new Error(pw._tag)
    expect(await unwrapFileKey(pw.stanzas, [scryptIdentity(passphrase)], { kernel, verifyMac })).toEqual({ _tag: "FileKey", fileKey })
  })
})
