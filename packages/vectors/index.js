// Loaders for the published test vectors in this folder. Test code only: nothing a package
// ships may import this module. Every file is found relative to this module, so the vectors
// travel with the repository (see README.md for where each folder comes from).
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

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
