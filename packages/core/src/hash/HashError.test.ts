import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  FileNotFound,
  HashError,
  IsADirectory,
  isTransient,
  MalformedChecksumLine,
  PermissionDenied,
  ReadFailed,
  UnsupportedAlgorithm,
  WorkerFailure
} from "./HashError.js"

describe("isTransient", () => {
  it.each([
    new WorkerFailure({ detail: "exited with code 1", kind: "crashed" }),
    new WorkerFailure({ detail: "no answer in 3 s", kind: "timeout" }),
    new WorkerFailure({ detail: "blocked by CSP", kind: "spawn" }),
    new ReadFailed({ path: "a", code: "EAGAIN" }),
    new ReadFailed({ path: "a", code: "EBUSY" }),
    new ReadFailed({ path: "a", code: "EMFILE" })
  ])("%s is transient: worth another attempt", (reason) => {
    expect(isTransient(reason)).toBe(true)
  })

  it.each([
    new FileNotFound({ path: "a" }),
    new PermissionDenied({ path: "a" }),
    new IsADirectory({ path: "a" }),
    new ReadFailed({ path: "a", code: "ECHANGED" }),
    new ReadFailed({ path: "a", code: "EIO" }),
    new UnsupportedAlgorithm({ algorithm: "sha7" }),
    new MalformedChecksumLine({ file: "SUMS", line: 3, detail: "no digest" })
  ])("%s is permanent: never retried", (reason) => {
    expect(isTransient(reason)).toBe(false)
  })
})

describe("HashError across threads", () => {
  it("a worker failure with its kind survives the JSON codec the worker protocol uses", () => {
    const codec = Schema.toCodecJson(HashError)
    const error = new HashError({ reason: new WorkerFailure({ detail: "killed", kind: "crashed" }) })
    const decoded = Schema.decodeUnknownSync(codec)(JSON.parse(JSON.stringify(Schema.encodeSync(codec)(error))))
    expect(decoded.reason).toEqual(error.reason)
    expect(isTransient(decoded.reason)).toBe(true)
  })
})
