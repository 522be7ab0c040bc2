/**
 * Wycheproof's HKDF and PBKDF2 files (`hkdf_test_schema_v1.json`, `pbkdf_test_schema.json`)
 * as `derive` parameters. Test code only: the files come from `@sluice/vectors`.
 */
import type { DeriveParams, HKDF_ALGORITHMS, PBKDF2_ALGORITHMS } from "./DeriveParams.js"

/** The algorithms Wycheproof has files for (it has none for scrypt or Argon2id). */
export type WycheproofKdf = typeof PBKDF2_ALGORITHMS[number] | typeof HKDF_ALGORITHMS[number]

interface WycheproofTest {
  readonly tcId: number
  readonly comment: string
  readonly flags: ReadonlyArray<string>
  readonly result: "valid" | "invalid" | "acceptable"
  readonly [field: string]: unknown
}

export interface WycheproofFile {
  readonly algorithm: string
  readonly testGroups: ReadonlyArray<{ readonly tests: ReadonlyArray<WycheproofTest> }>
}

export interface KdfCase {
  readonly name: string
  readonly params: DeriveParams
  readonly result: "valid" | "invalid" | "acceptable"
  /** The expected key in hex; empty for an invalid case. */
  readonly hex: string
}

/** The files `derive` runs, by the algorithm they test. */
export const WYCHEPROOF_KDF_FILES: Record<WycheproofKdf, string> = {
  "hkdf-sha256": "hkdf_sha256_test.json",
  "hkdf-sha512": "hkdf_sha512_test.json",
  "pbkdf2-sha256": "pbkdf2_hmacsha256_test.json",
  "pbkdf2-sha512": "pbkdf2_hmacsha512_test.json"
}

const bytes = (hex: unknown) => Uint8Array.from(String(hex).match(/../g) ?? [], (pair) => parseInt(pair, 16))

export const kdfCases = (algorithm: WycheproofKdf, file: WycheproofFile): Array<KdfCase> =>
  file.testGroups.flatMap((group) =>
    group.tests.map((test): KdfCase => {
      const name = `tcId ${test.tcId}${test.comment === "" ? "" : ` (${test.comment})`} [${test.flags.join(", ")}]`
      if (algorithm === "hkdf-sha256" || algorithm === "hkdf-sha512") {
        return {
          name,
          result: test.result,
          hex: String(test["okm"]),
          params: { algorithm, ikm: bytes(test["ikm"]), salt: bytes(test["salt"]), info: bytes(test["info"]), length: Number(test["size"]) }
        }
      }
      return {
        name,
        result: test.result,
        hex: String(test["dk"]),
        // Wycheproof tests the function, short salts included: a caller reproducing such a key says so.
        params: {
          algorithm,
          password: bytes(test["password"]),
          salt: bytes(test["salt"]),
          iterations: Number(test["iterationCount"]),
          length: Number(test["dkLen"]),
          allowShortSalt: true
        }
      }
    })
  )
