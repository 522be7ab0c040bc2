/// <reference types="node" />
/** One case of BLAKE3's `test_vectors.json`: extended outputs (131 bytes) in hex. */
export interface Blake3Case {
  /** Input: this many bytes of the repeating sequence 0, 1, ..., 250. */
  readonly input_len: number
  /** Extended hash output; the default 32-byte digest is its first 64 hex digits. */
  readonly hash: string
  readonly keyed_hash: string
  readonly derive_key: string
}

export interface Blake3Vectors {
  readonly _comment: string
  /** The key of `keyed_hash` (32 ASCII bytes). */
  readonly key: string
  /** The context string of `derive_key`. */
  readonly context_string: string
  readonly cases: ReadonlyArray<Blake3Case>
}

/** One Wycheproof test; the other fields depend on the file's schema. */
export interface WycheproofTest {
  readonly tcId: number
  readonly comment: string
  readonly flags: ReadonlyArray<string>
  readonly result: "valid" | "invalid" | "acceptable"
  readonly [field: string]: unknown
}

export interface WycheproofGroup<T extends WycheproofTest = WycheproofTest> {
  readonly type: string
  readonly tests: ReadonlyArray<T>
  readonly [field: string]: unknown
}

export interface WycheproofFile<T extends WycheproofTest = WycheproofTest> {
  readonly algorithm: string
  readonly schema: string
  readonly numberOfTests: number
  readonly header?: ReadonlyArray<string>
  readonly notes?: Readonly<Record<string, unknown>>
  readonly testGroups: ReadonlyArray<WycheproofGroup<T>>
}

export declare const blake3VectorsPath: string
export declare const blake3Vectors: () => Blake3Vectors

export declare const wycheproofDir: string
export declare const wycheproofFiles: () => ReadonlyArray<string>
export declare const wycheproof: <T extends WycheproofTest = WycheproofTest>(name: string) => WycheproofFile<T>

export declare const ageCctvDir: string
export declare const ageCctvFiles: () => ReadonlyArray<string>
export declare const ageCctv: (name: string) => Buffer

/** One age test file: its `key: value` lines in order, and the age file (inflated when `compressed: zlib`). */
export interface AgeCctvVector {
  readonly fields: ReadonlyArray<readonly [string, string]>
  readonly file: Uint8Array
}
export declare const ageCctvVector: (name: string) => AgeCctvVector
