import { Context } from "effect"

/**
 * Writes key files on the thread that made the keys, so that a private key never crosses
 * to the caller (`GenerateKeysRequest.files.dir`), into a directory the caller made: never
 * one of its own, so a worker still finishing a batch after its run ended (failed,
 * interrupted, its staging directory removed) cannot make it again. Provided where a worker can write files
 * (Node); absent in a browser, where a request with a directory fails. Each call throws
 * the platform's error (with an errno `code`) when it cannot.
 */
export class KeyFileWriter extends Context.Service<KeyFileWriter, {
  /**
   * Writes one file whole: created new with `mode` (0600 for a private form: never wider,
   * not even for a moment), the bytes, closed. A file left at `path` by an earlier attempt
   * of the same batch (its worker died) is replaced: the paths are the caller's own staging
   * names.
   */
  readonly write: (path: string, bytes: Uint8Array, mode: number) => void
}>()("@sluice/core/KeyFileWriter") {}
