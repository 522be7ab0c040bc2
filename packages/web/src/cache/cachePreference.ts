/**
 * Whether jobs use the result cache: on unless the person turned it off, remembered on this
 * device (localStorage holds "on" or "off", nothing else). Storage may be off, which is fine:
 * the choice then lasts for this visit.
 */
const KEY = "sluice.useCache"

export interface CachePreference {
  readonly get: () => boolean
  readonly set: (on: boolean) => void
  readonly subscribe: (listener: () => void) => () => void
}

type Storage = Pick<globalThis.Storage, "getItem" | "setItem">

const load = (storage: Storage | undefined): boolean => {
  try {
    return storage?.getItem(KEY) !== "off"
  } catch {
    return true
  }
}

export const makeCachePreference = (storage: Storage | undefined = globalThis.localStorage): CachePreference => {
  let on = load(storage)
  const listeners = new Set<() => void>()
  return {
    get: () => on,
    set: (next) => {
      if (next === on) return
      on = next
      try {
        storage?.setItem(KEY, on ? "on" : "off")
      } catch {
        // Private browsing or storage disabled.
      }
      for (const listener of listeners) listener()
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    }
  }
}
