/** A file mapped into memory and being hashed (opaque). */
export interface FileHandle {
  readonly __sluiceNativeFile: unique symbol
}

/**
 * BLAKE3 of `data` (32 bytes) on `threads` threads: 1 (the default) this thread alone,
 * 0 one a core (rayon's pool), N a pool of N.
 */
export function hash(data: Uint8Array, threads?: number): Buffer

/**
 * Maps the file at `path` (its bytes, as the system names it) for hashing; undefined when
 * it is not a regular file or cannot be mapped. Throws an Error whose `code` is `errno:N` for the system's errors.
 */
export function fileOpen(path: Uint8Array): FileHandle | undefined

/** The file's size when it was opened. */
export function fileSize(file: FileHandle): number

/** Hashes the next `length` bytes (fewer at the end) on `threads` threads; returns the bytes hashed so far. */
export function fileUpdate(file: FileHandle, length: number, threads: number): number

/**
 * `fileUpdate` off the JavaScript thread (Node-API async work on libuv's thread pool, and
 * rayon's with `threads` other than 1): `callback(null, position)` once the slice is hashed,
 * or `callback(error)`. One call at a time on a handle, and no other call on it meanwhile.
 */
export function fileUpdateAsync(
  file: FileHandle,
  length: number,
  threads: number,
  callback: (error: (Error & { readonly code?: string }) | null, position?: number) => void
): void

/**
 * The 32-byte digest once every byte is hashed; releases the map. Throws with code
 * `ECHANGED` when the file's size changed since it was opened.
 */
export function fileDigest(file: FileHandle): Buffer

/** Releases the map and the file now. */
export function fileClose(file: FileHandle): void

/** What this kernel is: `sluice-native <version> (blake3 <version>, rayon)`. */
export function version(): string

/**
 * age's STREAM chunks (64 KiB, a 16-byte tag after each; nonce = 11-byte big-endian counter
 * + final flag) sealed in one call by the OpenSSL this Node exports: chunk `i` of `plaintext`
 * into `out` at `i * 65552`, the nonces counting from `firstChunk`, the last flagged final
 * when `final`. `plaintext` is apart from `out` or exactly its tail. Throws with code
 * `ENOCIPHER` where the process exports no OpenSSL.
 */
export function sealChunks(key: Uint8Array, firstChunk: number, final: boolean, plaintext: Uint8Array, out: Uint8Array): void

/**
 * Opens a run of age chunks into `out` (chunk `i`'s plaintext at `i * 65536`; `out` apart
 * from `ciphertext` or starting where it does); returns how many opened: fewer than all
 * names the first whose tag failed, which leaves no plaintext (zeroed, or in one buffer its
 * ciphertext put back); chunks after it are untouched.
 */
export function openChunks(key: Uint8Array, firstChunk: number, final: boolean, ciphertext: Uint8Array, out: Uint8Array): number

/** The OpenSSL that `sealChunks` and `openChunks` call (`OpenSSL 3.5.8 ...`), or undefined where there is none. */
export function aeadVersion(): string | undefined

/**
 * A whole age STREAM payload sealed (`encrypt`) or opened file to file on `threads` threads
 * (0: one a core) as Node-API async work: `inLength` bytes of `inFd` from `inOffset` (read at
 * their own offsets), into `outFd` at `outOffset` and on when `positional` (a regular file,
 * /dev/null), else in order (a pipe). `control`: 16 bytes, 8-aligned: the bytes written so
 * far (u64, written between windows) and a cancel flag at byte 8 (set it to 1 to stop).
 * `callback(null, bytesWritten, rejection, chunk)`; `rejection` (`Tampered`, `Truncated`,
 * `TrailingData`, `EmptyLastChunk`, core's AgeError reasons) names why the payload does not
 * open and `chunk` its chunk (bytes written in order stop before it); `callback(error)` on a
 * system error (code `read:errno:N`, `read:ECHANGED` or `write:errno:N`), `ECANCELED` or `ENOCIPHER`.
 * A plaintext is read through a map where it can be (guarded: one cut short meanwhile fails
 * with `read:ECHANGED`, the process lives), a ciphertext with pread.
 */
export function ageFileAsync(
  key: Uint8Array,
  encrypt: boolean,
  inFd: number,
  inOffset: number,
  inLength: number,
  outFd: number,
  outOffset: number,
  positional: boolean,
  threads: number,
  control: Uint8Array,
  callback: (
    error: (Error & { readonly code?: string }) | null,
    bytesWritten?: number,
    rejection?: "Tampered" | "Truncated" | "TrailingData" | "EmptyLastChunk",
    chunk?: number
  ) => void
): void

/**
 * A test of the SIGBUS guard (src/sigbus.rs): maps the file at `path` (guarded, or not), cuts
 * it to `keep` bytes, reads every byte of the map; -1 when no read faulted, else how many
 * bytes past `keep` read as other than zero (0). Unguarded, a file cut short ends the process.
 */
export function mapTruncateProbe(path: Uint8Array, keep: number, guarded: boolean): number
