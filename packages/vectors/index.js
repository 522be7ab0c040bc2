// Loaders for the published test vectors in this folder. Test code only: nothing a package
// ships may import this module. Every file is found relative to this module, so the vectors
// travel with the repository (see README.md for where each folder comes from).
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { inflateSync } from "node:zlib"

const here = (relative) => fileURLToPath(new URL(relative, import.meta.url))

/** Path of BLAKE3's `test_vectors.json`. */
export const blake3VectorsPath = here("./blake3/test_vectors.json")

/** BLAKE3's official vectors, parsed (a fresh object on each call). */
export const blake3Vectors = () => JSON.parse(readFileSync(blake3VectorsPath, "utf8"))

/** Folder of the Wycheproof files (with a trailing separator). */
export const wycheproofDir = here("./wycheproof/")

/** Names of the Wycheproof files, sorted, e.g. `"hmac_sha256_test.json"`. */
export const wycheproofFiles = () => readdirSync(wycheproofDir).filter((name) => name.endsWith(".json")).sort()

/** One Wycheproof file, parsed; `name` with or without `.json`, e.g. `"aes_gcm_test"`. */
export const wycheproof = (name) => {
  const file = name.endsWith(".json") ? name : `${name}.json`
  if (!wycheproofFiles().includes(file)) {
    throw new Error(`no Wycheproof file ${JSON.stringify(file)} in @sluice/vectors (have: ${wycheproofFiles().join(", ")})`)
  }
  return JSON.parse(readFileSync(`${wycheproofDir}${file}`, "utf8"))
}

/** Folder of the C2SP CCTV age files (with a trailing separator). */
export const ageCctvDir = here("./age-cctv/")

/** Names of the age test files, sorted, e.g. `"x25519"`; each is a header, an empty line, then the age file. */
export const ageCctvFiles = () => readdirSync(ageCctvDir).sort()

/** The bytes of one age test file, exactly as published. */
export const ageCctv = (name) => {
  if (!ageCctvFiles().includes(name)) throw new Error(`no age test file ${JSON.stringify(name)} in @sluice/vectors`)
  return readFileSync(`${ageCctvDir}${name}`)
}

/**
 * One age test file read as CCTV's README describes it ("Test file format"): its `key: value`
 * lines in order, then the age file after the empty line, inflated when `compressed: zlib`.
 * Tests in platform-neutral folders read the vectors through this, not through node:zlib.
 */
export const ageCctvVector = (name) => {
  const bytes = ageCctv(name)
  const fields = []
  let at = 0
  for (;;) {
    const end = bytes.indexOf(0x0a, at)
    if (end === at) break
    const line = bytes.subarray(at, end).toString("utf8")
    const colon = line.indexOf(": ")
    fields.push([line.slice(0, colon), line.slice(colon + 2)])
    at = end + 1
  }
  const raw = bytes.subarray(at + 1)
  const compressed = fields.some(([key, value]) => key === "compressed" && value === "zlib")
  return { fields, file: new Uint8Array(compressed ? inflateSync(raw) : raw) }
}
