/**
 * Stage three of the page's load (main.tsx): the rest of Effect the runtime is built on
 * (layers, streams, the managed runtime), in a task of its own.
 */
import { Layer, ManagedRuntime, Stream } from "effect"

export const loaded = [Layer.empty, ManagedRuntime.make, Stream.empty] as const
