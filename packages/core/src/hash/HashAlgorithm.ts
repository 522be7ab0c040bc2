import { Schema } from "effect"
import { ALGORITHMS, type HashAlgorithm as Ids } from "./algorithms.js"

export {
  type AlgorithmDescriptor,
  type AlgorithmKernels,
  ALGORITHMS,
  type AlgorithmsWith,
  digestLength,
  HASH_ALGORITHMS,
  hasKernel,
  parseAlgorithm
} from "./algorithms.js"

/** The digests Sluice computes; ids match the `-a` spellings of the CLI. */
export const HashAlgorithm = Schema.Literals(Object.keys(ALGORITHMS) as ReadonlyArray<Ids>)
export type HashAlgorithm = typeof HashAlgorithm.Type
