/**
 * Stage two of the page's load (main.tsx): the core of Effect the runtime is built on,
 * evaluated in a task of its own before the app's modules (core's schemas, the runtime).
 */
export { Effect, Layer, ManagedRuntime, Stream } from "effect"
