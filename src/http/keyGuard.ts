/** Failed key lookups an address may make a minute; past them its requests with keys not seen to work are refused. */
export const FAILED_LOOKUPS_PER_MINUTE = 30

const WINDOW_MS = 60_000

/** Addresses and keys remembered at most; past that the oldest half is forgotten (a flood must not grow memory). */
const MAX_TRACKED = 10_000

const forgetOldest = <K, V>(map: Map<K, V>) => {
  if (map.size <= MAX_TRACKED) return
  let drop = map.size / 2
  for (const key of map.keys()) {
    if (drop-- <= 0) break
    map.delete(key)
  }
}

/**
 * Keeps a flood of unknown keys from reaching the database: each address gets `FAILED_LOOKUPS_PER_MINUTE` failed
 * lookups a minute (a fixed window); once they are spent, its requests are refused before any lookup, unless they
 * carry a key (by its hash) that was accepted within the last minute, so a real client behind the same address goes on.
 */
export const makeKeyGuard = (nowMs: () => number = Date.now) => {
  const failures = new Map<string, { readonly since: number; count: number }>()
  const accepted = new Map<string, number>()
  return {
    /** Milliseconds until the address may look an unknown key up again: 0 when it may now. */
    waitMs: (address: string, keyHash: string): number => {
      const now = nowMs()
      if (now - (accepted.get(keyHash) ?? Number.NEGATIVE_INFINITY) < WINDOW_MS) return 0
      const window = failures.get(address)
      if (window === undefined || now - window.since >= WINDOW_MS || window.count < FAILED_LOOKUPS_PER_MINUTE) return 0
      return window.since + WINDOW_MS - now
    },
    failed: (address: string) => {
      const now = nowMs()
      const window = failures.get(address)
      if (window === undefined || now - window.since >= WINDOW_MS) {
        failures.delete(address)
        failures.set(address, { since: now, count: 1 })
        forgetOldest(failures)
      } else window.count += 1
    },
    accepted: (keyHash: string) => {
      accepted.delete(keyHash)
      accepted.set(keyHash, nowMs())
      forgetOldest(accepted)
    }
  }
}

export type KeyGuard = ReturnType<typeof makeKeyGuard>
