import { describe, expect, it } from "vitest"
import { ageHybridIdentity, ageHybridRecipient, parseAgeHybridRecipient, parseAgeHybridSecret } from "../../keys/formats/age.js"
import { decodeBase64, encodeBase64 } from "../base64.js"
import { cctv, readHeader } from "../cctv.testkit.js"
import { hybridPublicKey, isHybridPublicKey, unwrap, wrap } from "./hybrid.js"

// The spec's example keys [C2SP age §The MLKEM768-X25519 hybrid recipient type].
const SPEC_IDENTITY = "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR"
const SPEC_RECIPIENT =
  "age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshfg87pzf5zrqtzdxz95paef6caq5aapdmwjjqpjfdyxnzr2zampc3uxy0dg4z2n2gm9su72p0pc3u0jvev55l694v78snxg3yzvcl7yda0eyytqj6a0ec477lnhcy5hzpz4zq3pxanve4cn62gqj3pjy5lqj9c6kyj4v2z8alktn8zh99970x79gjkv7522hv9kfz35zsnxhsx8wwtmu9cy3ftzjgwcp4sshn3llnylnpdsyz5jm72vefv4x5vfwytrefxg4wq3mv42wcrvkj742479zrxzpvp2p3e9fed9f0739vcu80r7ma28qfhnvlv4gfzel9q654dj3zmuvvz893azhxdvs9fxd0r7jzchzcfcs5mkyyjxhw0n2z6dvp9yn9qfdp29h0azxqyjw6v7fhyuzj7zel0uq6j9rd7wgrpz7mf5dnj43jwsgvrc8qcnhy7tu6dkdujuxzkp9xj43xe8h92ktre2a3u3s8mm5mrp9nr9pwkgtz4mdlq9hgn4fps4k57ff6wddn2fy23t47sm20r8km8sd2pcyyafnet8f0dajsrlyjeah4n3mssr6aseevuuskdvq5lzguyvpgwpta742c6698vgutzqgny8usfg0w2he7kq5vyxjd0f9hqg8xk26y9e4th0gezq92q4cpp5p2y9hf5f2cje5l0c3sa3a2qxmm38pxxvhxh99yzmfz0zk7r2s64nnwjhkfgfr3gf8xnmppcgmaykvh5sh6g7vk9790rf8ws0axmr2t7z8aae5fq2029uvcn2ghgt4fu4wgwdc0k0cz52qkvwmuzj8p8k5jgf3xzk5zmrkavjekjrpeq408xz3zxazwkc6tyfmhayrkfpjhwtz5mp8j8guqe43k2q6m2kte03vrw27y3wmqyu5etmt9dnkwcnnpmu9gz9dekfhdevf42ucshphnrk38ra6hx8w5f8q5ru0xdhrjxmwqf6cused7zc5xvq43r0zscjglpwlptpwydhqw64xz7ptjdyeyzpq2zkxtmzg29gzjpvzva4d3l0cenn9xs297wf4y4ukwrunf57xj6pm7nvrkwvtrt8hwcmgv8x7ajw7258ugf9wvkmk4052ekg87tw5vnx8nq2swyzv77v8yqlwsenvamr0zssknwts8rrhfuwj7ykysnq9jxy0uv3kuyt22djszjdtvpz6d0s0kwh8ryynddzud92emeyvvyqktd0jtj7rvvg5gch25v8smlvny3kvn5gagyz475ze2y6q466xqmz2n3hs77lddeqyta2nch5k2u5yacuk9ywnwfdzvyejnucz724hj77hrrmakm7pr3kxsrxq22ejexlud9fy2kdqmkg5yncz7jm5wv2qjk5w5kvcpqsry2yqffh2la52dxfjkjq5rzhjzeyn6dupn0qwtyv7s4lwg3xdarsdlwe2y3tujy480y7z39q259fzx6jhd2j0f5hagqpcpees7hzc2yrk5cy788uk3s7qvp5cpepx24gvws3m2g433exgwppnkjscec8qu4y9z9r7vccexjcjaen42245lmgmxmuavg9alej92322gvvyy2t6267v09ch64y0m53jff0vjj96s0ypk60hr3jw4myd6m5hpn3xjstx7tl2szhpr5qe8jj08ydjc4wy2rch2fhuy3pdfjax5awe9j99ly5hkntzz9fe5zatgjvzdd0kgtxs25njnajyf6ssekp7gelxquusn4pt25czh3scj68kq79wdn5tgm6yvm9nzavrg043x3msnygf8dweknw5jmqd0uvny6ttsn09508k0c55zfnegrm9efhxpfqdkmhh6gjtqmwze9pyyzk3tlhl53k2ykx3qheyty7saeq0d3fzv49zc0k"

const fileKey = Uint8Array.from({ length: 16 }, (_, i) => 200 - i)
const alice = { seed: new Uint8Array(32).fill(3) }
const bob = { seed: new Uint8Array(32).fill(4) }

describe("age's hybrid keys", () => {
  it("computes the spec's recipient from the spec's identity, and writes both back as given", () => {
    const seed = parseAgeHybridSecret(SPEC_IDENTITY)
    const publicKey = hybridPublicKey(seed)
    expect(publicKey).toHaveLength(1216)
    expect(ageHybridRecipient(publicKey)).toBe(SPEC_RECIPIENT)
    expect(parseAgeHybridRecipient(SPEC_RECIPIENT)).toEqual(publicKey)
    expect(ageHybridIdentity(seed)).toBe(SPEC_IDENTITY)
    expect(isHybridPublicKey(publicKey)).toBe(true)
  })

  it("refuses an X25519 identity or recipient where a hybrid one is asked, and mixed case", () => {
    expect(() => parseAgeHybridSecret("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")).toThrow()
    expect(() => parseAgeHybridRecipient("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")).toThrow()
    expect(() => parseAgeHybridSecret(SPEC_IDENTITY.toLowerCase())).toThrow("not upper case")
  })

  it("tells a public key whose ML-KEM part fails FIPS 203's modulus check", () => {
    const bad = hybridPublicKey(alice.seed)
    bad.fill(0xff, 0, 384)
    expect(isHybridPublicKey(bad)).toBe(false)
  })
})

describe("the mlkem768x25519 stanza", () => {
  it("unwraps what it wraps, and is no match for another identity or another type", () => {
    const stanza = wrap(fileKey, hybridPublicKey(alice.seed))
    expect(stanza.type).toBe("mlkem768x25519")
    expect(stanza.body).toHaveLength(32)
    expect(unwrap(stanza, alice)).toEqual({ _tag: "FileKey", fileKey })
    expect(unwrap(stanza, bob)).toEqual({ _tag: "NoMatch" })
    expect(unwrap({ ...stanza, type: "MLKEM768X25519" }, alice)).toEqual({ _tag: "NoMatch" })
  })

  it("unwraps the CCTV hybrid vector to its file key", () => {
    const vector = cctv("hybrid")
    const [stanza] = readHeader(vector)!.stanzas
    expect(unwrap(stanza!, { seed: parseAgeHybridSecret(vector.identities[0]!) })).toEqual({ _tag: "FileKey", fileKey: vector.fileKey! })
  })

  it("rejects a wrong argument count, a wrong-length enc and a body not of 32 bytes", () => {
    const stanza = wrap(fileKey, hybridPublicKey(alice.seed))
    const enc = stanza.args[0]!
    const tags = [
      unwrap({ ...stanza, args: [] }, alice),
      unwrap({ ...stanza, args: [enc, enc] }, alice),
      unwrap({ ...stanza, args: [encodeBase64(new Uint8Array(1119))] }, alice),
      unwrap({ ...stanza, args: [encodeBase64(new Uint8Array(1121))] }, alice),
      unwrap({ ...stanza, args: [encodeBase64(new Uint8Array(32))] }, alice),
      unwrap({ ...stanza, body: stanza.body.subarray(1) }, alice)
    ].map((r) => r._tag)
    expect(tags).toEqual(Array(6).fill("Malformed"))
  })

  it("rejects an X25519 share of low order in the enc", () => {
    const stanza = wrap(fileKey, hybridPublicKey(alice.seed))
    const enc = new Uint8Array(1120)
    enc.set(decodeBase64(stanza.args[0]!)!.subarray(0, 1088))
    expect(unwrap({ ...stanza, args: [encodeBase64(enc)] }, alice)).toMatchObject({ _tag: "Malformed", detail: expect.stringContaining("all-zero") })
  })
})
