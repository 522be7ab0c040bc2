/**
 * Sinks in Node: a file by path, opened by whichever thread writes it and written at
 * offsets (a worker writes the chunks it made, no bytes cross threads), and standard
 * output, written in order with backpressure.
 */
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import { isMainThread } from "./NodeByteSource.js"
import { ByteSink, type ByteWriter } from "../engine/ByteSink.js"
import { OutputFailed } from "../engine/errors.js"
import { type Sink, sinkName } from "../engine/Sink.js"

const codeOf = (cause: unknown): string => (cause as NodeJS.ErrnoException | undefined)?.code ?? "EIO"

/**
 * The file must exist (the caller's `writeAtomically` made it): a sink never creates
 * files, so it never leaves one behind either.
 */
const openPath = (path: string) =>
  Effect.acquireRelease(
    Effect.try({ try: () => fs.openSync(path, "r+"), catch: (cause) => new OutputFailed({ path, code: codeOf(cause) }) }),
    (fd) => Effect.sync(() => fs.closeSync(fd))
  ).pipe(Effect.map((fd): ByteWriter => ({
    positional: true,
    write: (bytes, position = 0) =>
      (isMainThread()
        // Never block the main thread: libuv's pool does the write.
        ? Effect.tryPromise({
          try: async () => {
            let done = 0
            while (done < bytes.length) {
              const { bytesWritten } = await new Promise<{ bytesWritten: number }>((resolve, reject) =>
                fs.write(fd, bytes, done, bytes.length - done, position + done, (error, bytesWritten) =>
                  error ? reject(error) : resolve({ bytesWritten })))
              done += bytesWritten
            }
          },
          catch: (cause) => new OutputFailed({ path, code: codeOf(cause) })
        })
        : Effect.try({
          try: () => {
            let done = 0
            while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done)
          },
          catch: (cause) => new OutputFailed({ path, code: codeOf(cause) })
        }))
  })))

const stdout: ByteWriter = {
  positional: false,
  write: (bytes) =>
    Effect.callback<void, OutputFailed>((resume) => {
      process.stdout.write(bytes, (error) =>
        resume(error ? Effect.fail(new OutputFailed({ path: "-", code: codeOf(error) })) : Effect.void))
    })
}

export const open = (sink: Sink) => sink._tag === "PathSink" ? openPath(sinkName(sink)) : Effect.succeed(stdout)

export const layer: Layer.Layer<ByteSink> = Layer.succeed(ByteSink)({ open })
