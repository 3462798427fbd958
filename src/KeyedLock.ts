import { Effect } from "effect"

interface Entry {
  readonly semaphore: Effect.Semaphore
  /** Fibers holding or waiting for the lock. */
  users: number
}

/**
 * Mutual exclusion per key (a company, a tenant): effects of one key run one at a time, those of different keys at
 * once. A key's lock exists only while some fiber holds or waits for it, so keys seen once do not pile up.
 */
export const makeKeyedLock = () => {
  const entries = new Map<string, Entry>()
  const enter = (key: string) =>
    Effect.sync(() => {
      let entry = entries.get(key)
      if (entry === undefined) {
        entry = { semaphore: Effect.unsafeMakeSemaphore(1), users: 0 }
        entries.set(key, entry)
      }
      entry.users++
      return entry
    })
  const leave = (key: string, entry: Entry) =>
    Effect.sync(() => {
      if (--entry.users === 0) entries.delete(key)
    })
  return {
    /** Runs `self` holding the key's lock. */
    withLock: (key: string) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(enter(key), (entry) => entry.semaphore.withPermits(1)(self), (entry) => leave(key, entry)),
    /** How many keys have a lock now (held or awaited). */
    size: () => entries.size
  }
}

export type KeyedLock = ReturnType<typeof makeKeyedLock>
