/** What a row shows when a file could not be hashed: a sentence for people, and the core's own message. */
export interface Failure {
  readonly title: string
  readonly detail: string
}

/** The shape of `FileFailed.reason`: a tagged reason whose `message` names the file. */
export interface FailureReason {
  readonly _tag: string
  readonly message: string
}

const TITLES: Readonly<Record<string, string>> = {
  FileNotFound: "This file is gone: it was moved or deleted after you picked it. Pick it again.",
  PermissionDenied: "The browser is not allowed to read this file.",
  IsADirectory: "This is a folder. Drop the folder itself, or use “Choose folder”, to hash the files in it.",
  ReadFailed:
    "The browser could not read this file. It may have changed, moved or been deleted since you picked it, " +
    "or another program may be holding it. If it changed, pick it again.",
  UnsupportedAlgorithm: "This browser cannot compute one of the chosen algorithms.",
  WorkerFailure: "The hashing worker stopped unexpectedly. Retrying usually helps."
}

export const describeFailure = (reason: FailureReason): Failure => ({
  title: TITLES[reason._tag] ?? "This file could not be hashed.",
  detail: reason.message
})

/** A defect (a bug, or the pool failing to start) rather than an expected failure. */
export const unexpectedFailure = (detail: string): Failure => ({
  title: "Something went wrong while hashing this file. Retrying may help.",
  detail
})
