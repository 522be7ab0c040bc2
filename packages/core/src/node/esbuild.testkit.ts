import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"

export interface EsbuildOutput {
  readonly path: string
  readonly contents: Uint8Array
}

export interface Esbuild {
  build(options: Record<string, unknown>): Promise<{
    outputFiles: Array<EsbuildOutput>
    metafile: { inputs: Record<string, unknown> }
  }>
}

/** esbuild comes with tsup, the package's bundler; it is not a dependency of its own. */
export const loadEsbuild = async (): Promise<Esbuild> => {
  const fromTsup = createRequire(createRequire(import.meta.url).resolve("tsup"))
  return await import(pathToFileURL(fromTsup.resolve("esbuild")).href) as Esbuild
}
