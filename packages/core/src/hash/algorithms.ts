/**
 * The algorithms' table and what is derived from it, without Effect: what a program that
 * only reads or prints checksum lines needs (the CLI's lean `check`). HashAlgorithm.ts adds
 * the schema and re-exports all of this.
 */
/**
 * Which implementations of an algorithm exist. Each platform's kernel takes one
 * (hash/kernels/HashKernel.ts, node/NodeHashKernel.ts): node:crypto where OpenSSL has it,
 * else hash-wasm, else Sluice's own BLAKE3; without WebAssembly, @noble/hashes.
 */
export interface AlgorithmKernels {
  /** The name `crypto.createHash` takes (OpenSSL's), or undefined where OpenSSL has none. */
  readonly nodeCrypto: string | undefined
  /** hash-wasm (WebAssembly) has it; its state can be saved and loaded. */
  readonly hashWasm: boolean
  /** @noble/hashes (pure JS) has it; its state cannot be saved. */
  readonly noble: boolean
  /** Sluice's own kernel (hash/kernels/blake3Tree.ts: WebAssembly SIMD or JS); saves its state, splits a file over workers. */
  readonly sluice: boolean
  /**
   * `@napi-rs/blake-hash` has it: a native addon (Node only, prebuilt binaries in the npm
   * package), faster than the others where its binary loads; its state cannot be saved.
   */
  readonly native: boolean
}

/** Everything Sluice knows about one algorithm; every other table is derived from these. */
export interface AlgorithmDescriptor {
  /** How people read it (the web app's pickers and lists): `SHA-256`, `BLAKE2b-512`. */
  readonly label: string
  /** The tag `--tag` lines print (coreutils', b3sum's for BLAKE3): `SHA256`, `BLAKE2b`, `BLAKE3`. */
  readonly bsdTag: string
  readonly spellings: {
    /**
     * What `-a` and `parseAlgorithm` accept, written in the form they are compared in:
     * lower case, without `-`, `_` and blanks, without a trailing `sum` (so `SHA2-256`,
     * `sha_256` and `sha256sum` are all `sha2256` or `sha256`). The id is among them.
     */
    readonly names: ReadonlyArray<string>
    /** The tags of `--tag` lines `cksum -c` accepts for it, compared in exact case (bsdTag among them). */
    readonly tags: ReadonlyArray<string>
  }
  /** Digest length in bytes. */
  readonly digestBytes: number
  /** The coreutils program that prints and checks it (b3sum for BLAKE3), or undefined: `cksum -a` only. */
  readonly coreutilsTool: string | undefined
  /** How `cksum` selects it (coreutils >= 9.0; SHA3 >= 9.8), or undefined where it cannot (BLAKE3). */
  readonly cksum: string | undefined
  /** The name of the checksum file it is published in: `SHA256SUMS`, `B2SUMS`. */
  readonly sumsFile: string
  /** Broken for collision resistance, still published next to many downloads (the web app marks it). */
  readonly legacy: boolean
  readonly kernels: AlgorithmKernels
  /** A hash of it can be checkpointed and resumed: some kernel of it saves its state (`kernels`). */
  readonly resumable: boolean
}

/**
 * The algorithms, in the order they are listed everywhere (help text, pickers). The ids are
 * the CLI's `-a` spellings. `satisfies` makes a missing or mistyped field a compile error.
 */
export const ALGORITHMS = {
  sha256: {
    label: "SHA-256",
    bsdTag: "SHA256",
    spellings: { names: ["sha256", "sha2256"], tags: ["SHA256", "SHA2-256"] },
    digestBytes: 32,
    coreutilsTool: "sha256sum",
    cksum: "-a sha256",
    sumsFile: "SHA256SUMS",
    legacy: false,
    kernels: { nodeCrypto: "sha256", hashWasm: true, noble: true, sluice: false, native: false },
    resumable: true
  },
  sha384: {
    label: "SHA-384",
    bsdTag: "SHA384",
    spellings: { names: ["sha384", "sha2384"], tags: ["SHA384", "SHA2-384"] },
    digestBytes: 48,
    coreutilsTool: "sha384sum",
    cksum: "-a sha384",
    sumsFile: "SHA384SUMS",
    legacy: false,
    kernels: { nodeCrypto: "sha384", hashWasm: true, noble: true, sluice: false, native: false },
    resumable: true
  },
  sha512: {
    label: "SHA-512",
    bsdTag: "SHA512",
    // Untagged `SHA2` is 512 bits, as in cksum's algorithm_bits.
    spellings: { names: ["sha512", "sha2512"], tags: ["SHA512", "SHA2", "SHA2-512"] },
    digestBytes: 64,
    coreutilsTool: "sha512sum",
    cksum: "-a sha512",
    sumsFile: "SHA512SUMS",
    legacy: false,
    kernels: { nodeCrypto: "sha512", hashWasm: true, noble: true, sluice: false, native: false },
    resumable: true
  },
  sha1: {
    label: "SHA-1",
    bsdTag: "SHA1",
    spellings: { names: ["sha1"], tags: ["SHA1"] },
    digestBytes: 20,
    coreutilsTool: "sha1sum",
    cksum: "-a sha1",
    sumsFile: "SHA1SUMS",
    legacy: true,
    kernels: { nodeCrypto: "sha1", hashWasm: true, noble: true, sluice: false, native: false },
    resumable: true
  },
  md5: {
    label: "MD5",
    bsdTag: "MD5",
    spellings: { names: ["md5"], tags: ["MD5"] },
    digestBytes: 16,
    coreutilsTool: "md5sum",
    cksum: "-a md5",
    sumsFile: "MD5SUMS",
    legacy: true,
    kernels: { nodeCrypto: "md5", hashWasm: true, noble: true, sluice: false, native: false },
    resumable: true
  },
  "sha3-256": {
    label: "SHA3-256",
    bsdTag: "SHA3-256",
    spellings: { names: ["sha3256"], tags: ["SHA3-256"] },
    digestBytes: 32,
    coreutilsTool: undefined,
    cksum: "-a sha3 -l 256",
    sumsFile: "SHA3-256SUMS",
    legacy: false,
    kernels: { nodeCrypto: "sha3-256", hashWasm: true, noble: true, sluice: false, native: false },
    resumable: true
  },
  "sha3-512": {
    label: "SHA3-512",
    bsdTag: "SHA3-512",
    // Untagged `SHA3` is 512 bits, as in cksum's algorithm_bits.
    spellings: { names: ["sha3512"], tags: ["SHA3", "SHA3-512"] },
    digestBytes: 64,
    coreutilsTool: undefined,
    cksum: "-a sha3 -l 512",
    sumsFile: "SHA3-512SUMS",
    legacy: false,
    kernels: { nodeCrypto: "sha3-512", hashWasm: true, noble: true, sluice: false, native: false },
    resumable: true
  },
  "blake2b-512": {
    label: "BLAKE2b-512",
    // coreutils prints `BLAKE2b` (no length) for 512 bits.
    bsdTag: "BLAKE2b",
    spellings: { names: ["blake2b", "blake2b512", "b2"], tags: ["BLAKE2b", "BLAKE2b-512"] },
    digestBytes: 64,
    coreutilsTool: "b2sum",
    cksum: "-a blake2b",
    sumsFile: "B2SUMS",
    legacy: false,
    kernels: { nodeCrypto: "blake2b512", hashWasm: true, noble: true, sluice: false, native: true },
    resumable: true
  },
  blake3: {
    label: "BLAKE3",
    // b3sum's (>= 1.7).
    bsdTag: "BLAKE3",
    spellings: { names: ["blake3", "b3"], tags: ["BLAKE3"] },
    digestBytes: 32,
    coreutilsTool: "b3sum",
    cksum: undefined,
    sumsFile: "B3SUMS",
    legacy: false,
    kernels: { nodeCrypto: undefined, hashWasm: false, noble: false, sluice: true, native: true },
    resumable: true
  }
} as const satisfies Readonly<Record<string, AlgorithmDescriptor>>

type Ids = keyof typeof ALGORITHMS

/** The digests Sluice computes; ids match the `-a` spellings of the CLI. */
export type HashAlgorithm = Ids

export const HASH_ALGORITHMS = Object.keys(ALGORITHMS) as ReadonlyArray<HashAlgorithm>

/** The algorithms one kind of kernel has (`"hashWasm"`: those hash-wasm answers for). */
export type AlgorithmsWith<K extends keyof AlgorithmKernels> = {
  [A in Ids]: (typeof ALGORITHMS)[A]["kernels"][K] extends false | undefined ? never : A
}[Ids]

/** Whether a kind of kernel has `algorithm`; narrows it to the ones it has. */
export const hasKernel = <K extends keyof AlgorithmKernels>(
  algorithm: HashAlgorithm,
  kernel: K
): algorithm is AlgorithmsWith<K> => {
  const has: AlgorithmKernels[K] = ALGORITHMS[algorithm].kernels[kernel]
  return has !== false && has !== undefined
}

/** Digest length in bytes. */
export const digestLength = (algorithm: HashAlgorithm): number => ALGORITHMS[algorithm].digestBytes

const byName: ReadonlyMap<string, HashAlgorithm> = new Map(
  HASH_ALGORITHMS.flatMap((id) => ALGORITHMS[id].spellings.names.map((name) => [name, id] as const))
)

/**
 * Accepts our ids, coreutils tags and program names, case-insensitively and
 * ignoring `-`, `_` and blanks: `SHA256`, `sha-256`, `sha256sum`, `SHA2-256`,
 * `SHA3-512`, `blake2b`, `BLAKE2b-512`, `b2`, `b2sum`, `BLAKE3`, `b3sum`.
 */
export const parseAlgorithm = (name: string): HashAlgorithm | undefined =>
  byName.get(name.toLowerCase().replace(/[-_\s]/g, "").replace(/sum$/, ""))
