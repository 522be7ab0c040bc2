/**
 * The facts of HashAlgorithm.ts' ALGORITHMS checked against things that do not read the
 * table: node:crypto, the kernels' real output, the coreutils tools installed here, and
 * the parsers. A tool that is not installed skips its checks (and says so in the title).
 */
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import * as NodeHashKernel from "../node/NodeHashKernel.js"
import { parseChecksumLine } from "./checksumLine.js"
import {
  ALGORITHMS,
  type AlgorithmsWith,
  digestLength,
  HASH_ALGORITHMS,
  HashAlgorithm,
  type HashAlgorithm as Id,
  hasKernel,
  parseAlgorithm
} from "./HashAlgorithm.js"
import { HashKernel, layerPortable, layerPureJs } from "./kernels/HashKernel.js"
import { toHex } from "./kernels/IncrementalHasher.js"

const ABC = new TextEncoder().encode("abc")

const run = (cmd: string, args: ReadonlyArray<string>, input?: Uint8Array) =>
  spawnSync(cmd, args, { encoding: "utf8", ...(input === undefined ? {} : { input }) })
const installed = (cmd: string): boolean => run(cmd, ["--version"]).status === 0

const digestOf = (layer: typeof layerPortable, algorithm: Id) =>
  Effect.runPromise(Effect.gen(function*() {
    const hasher = yield* (yield* HashKernel).make(algorithm)
    hasher.update(ABC)
    return hasher.digest()
  }).pipe(Effect.provide(layer)))

const kernels = { "node:crypto": NodeHashKernel.layer, portable: layerPortable, "pure JS": layerPureJs }

describe("ALGORITHMS", () => {
  it("lists the ids of the HashAlgorithm schema, in its order", () => {
    expect(Object.keys(ALGORITHMS)).toEqual([...HASH_ALGORITHMS])
    for (const id of HASH_ALGORITHMS) expect(HashAlgorithm.literals).toContain(id)
  })

  describe.each(HASH_ALGORITHMS.map((id) => [id] as const))("%s", (id) => {
    const facts = ALGORITHMS[id]

    it("has the digest size node:crypto gives (where OpenSSL has it)", () => {
      const openssl = facts.kernels.nodeCrypto
      if (openssl === undefined) return
      expect(createHash(openssl).update(ABC).digest().length).toBe(facts.digestBytes)
    })

    it.each(Object.entries(kernels))("has the digest size the %s kernel gives", async (_name, layer) => {
      expect((await digestOf(layer, id)).length).toBe(facts.digestBytes)
      expect(digestLength(id)).toBe(facts.digestBytes)
    })

    it("is resumable exactly when the portable kernel can save its state, and from pure JS only with our kernel", async () => {
      const saved = await Effect.runPromise(Effect.gen(function*() {
        const kernel = yield* HashKernel
        const hasher = yield* kernel.makeResumable(id)
        hasher.update(ABC)
        return { state: hasher.save(), resumable: kernel.resumable(id) }
      }).pipe(Effect.provide(layerPortable), Effect.result))
      expect(saved._tag === "Success" && saved.success.resumable).toBe(facts.resumable)
      const pure = await Effect.runPromise(Effect.gen(function*() {
        return yield* (yield* HashKernel).makeResumable(id)
      }).pipe(Effect.provide(layerPureJs), Effect.result))
      expect(pure._tag === "Success").toBe(facts.kernels.sluice)
    })

    it("names kernels that exist: exactly one of hash-wasm and our own, and @noble/hashes with hash-wasm", () => {
      expect(facts.kernels.hashWasm !== facts.kernels.sluice).toBe(true)
      expect(facts.kernels.noble).toBe(facts.kernels.hashWasm)
      expect(hasKernel(id, "nodeCrypto")).toBe(facts.kernels.nodeCrypto !== undefined)
    })

    const tool = facts.coreutilsTool
    const toolHere = tool !== undefined && installed(tool)
    it.skipIf(!toolHere)(`${tool === undefined ? "has no coreutils tool" : `matches ${tool}${toolHere ? "" : " (not installed here)"}`}: its digest of "abc" and its --tag`, async () => {
      const plain = run(tool!, [], ABC)
      expect(plain.status).toBe(0)
      const hex = plain.stdout.split(/\s/)[0]
      expect(hex).toBe(toHex(await digestOf(NodeHashKernel.layer, id)))
      expect(hex!.length).toBe(facts.digestBytes * 2)
      const tagged = run(tool!, ["--tag"], ABC)
      // b3sum has --tag since 1.7.0.
      if (tagged.status === 0) expect(tagged.stdout).toBe(`${facts.bsdTag} (-) = ${hex}\n`)
    })

    const cksumHere = facts.cksum !== undefined && run("cksum", [...facts.cksum.split(" "), "/dev/null"]).status === 0
    it.skipIf(!cksumHere)(`${facts.cksum === undefined ? "is not in cksum" : `is \`cksum ${facts.cksum}\`${cksumHere ? "" : " (not in this cksum)"}`}, which prints its tag`, async () => {
      const printed = run("cksum", facts.cksum!.split(" "), ABC)
      expect(printed.stdout).toBe(`${facts.bsdTag} (-) = ${toHex(await digestOf(NodeHashKernel.layer, id))}\n`)
    })

    it("parses back from every spelling: names in any case, with `-`/`_`/`sum`; tags in exact case", () => {
      expect(facts.spellings.names).toContain(id.replace(/-/g, ""))
      for (const name of facts.spellings.names) {
        for (const spelled of [name, name.toUpperCase(), `${name}sum`, `${name.slice(0, 1)}-${name.slice(1)}`, ` ${name}_ `]) {
          expect(parseAlgorithm(spelled)).toBe(id)
        }
      }
      if (tool !== undefined) expect(parseAlgorithm(tool)).toBe(id)
      expect(parseAlgorithm(facts.bsdTag)).toBe(id)
      expect(parseAlgorithm(facts.label)).toBe(id)
      expect(facts.spellings.tags).toContain(facts.bsdTag)
      const hex = "ab".repeat(facts.digestBytes)
      for (const tag of facts.spellings.tags) {
        expect(parseChecksumLine(`${tag} (f) = ${hex}`)).toMatchObject({ _tag: "Parsed", algorithm: id })
        if (tag.toLowerCase() !== tag) expect(parseChecksumLine(`${tag.toLowerCase()} (f) = ${hex}`)._tag).toBe("Malformed")
      }
    })

    it("is published in the file its tool's name (or its tag) gives: SHA256SUMS, B2SUMS, SHA3-256SUMS", () => {
      expect(facts.sumsFile).toBe(`${(tool === undefined ? facts.bsdTag : tool.replace(/sum$/, "")).toUpperCase()}SUMS`)
    })
  })

  it("gives no spelling or tag to two algorithms", () => {
    const names = HASH_ALGORITHMS.flatMap((id) => ALGORITHMS[id].spellings.names)
    const tags = HASH_ALGORITHMS.flatMap((id) => ALGORITHMS[id].spellings.tags)
    expect(new Set(names).size).toBe(names.length)
    expect(new Set(tags).size).toBe(tags.length)
  })

  it("narrows by kernel at the type level as it does at run time", () => {
    const wasm: ReadonlyArray<AlgorithmsWith<"hashWasm">> = HASH_ALGORITHMS.filter((a) => hasKernel(a, "hashWasm"))
    expect(wasm).toEqual(HASH_ALGORITHMS.filter((a) => a !== "blake3"))
    expect(HASH_ALGORITHMS.filter((a) => hasKernel(a, "sluice"))).toEqual(["blake3"])
  })
})
