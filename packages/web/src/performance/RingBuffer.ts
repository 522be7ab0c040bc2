/**
 * The last `capacity` items, oldest first: the Performance page's points, so that a page
 * left open for hours keeps a fixed number of them and charts stay cheap to draw.
 */
export interface RingBuffer<A> {
  readonly capacity: number
  readonly size: number
  readonly push: (item: A) => void
  /** Oldest first; a new array (React sees a change), never the buffer itself. */
  readonly toArray: () => ReadonlyArray<A>
  readonly last: () => A | undefined
  readonly clear: () => void
}

export const makeRingBuffer = <A>(capacity: number): RingBuffer<A> => {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`)
  const items: Array<A | undefined> = new Array(capacity)
  // `next` is where the next item goes; `size` how many are held.
  let next = 0
  let size = 0
  return {
    capacity,
    get size() {
      return size
    },
    push: (item) => {
      items[next] = item
      next = (next + 1) % capacity
      size = Math.min(size + 1, capacity)
    },
    toArray: () => {
      const out: Array<A> = []
      for (let i = 0, at = (next - size + capacity) % capacity; i < size; i++, at = (at + 1) % capacity) out.push(items[at] as A)
      return out
    },
    last: () => (size === 0 ? undefined : items[(next - 1 + capacity) % capacity]),
    clear: () => {
      items.fill(undefined)
      next = 0
      size = 0
    }
  }
}
