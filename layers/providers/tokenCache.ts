import { Clock, Duration, Effect } from "effect"
import type { ProviderError } from "../../src/services/Providers.ts"

/** An access token as the provider issued it. */
export interface IssuedToken {
  readonly accessToken: string
  readonly expiresIn: Duration.Duration
}

interface Cached {
  readonly accessToken: string
  /** Epoch milliseconds after which the token is refreshed rather than used. */
  readonly refreshAt: number
}

/** A token is refreshed this long before it expires, or at half its life when that is shorter. */
const REFRESH_MARGIN = Duration.seconds(60)

/**
 * Access tokens by key (a tenant, a company), each fetched once and reused until shortly before it expires. Requests
 * for a key wait for a fetch already under way instead of starting another.
 */
export const makeTokenCache = Effect.sync(() => {
  const tokens = new Map<string, Cached>()
  const locks = new Map<string, Effect.Semaphore>()
  const lockFor = (key: string) => {
    let lock = locks.get(key)
    if (lock === undefined) {
      lock = Effect.unsafeMakeSemaphore(1)
      locks.set(key, lock)
    }
    return lock
  }

  return {
    /** The key's token: the cached one while it is fresh, else one from `issue`. */
    get: <R>(key: string, issue: Effect.Effect<IssuedToken, ProviderError, R>) =>
      lockFor(key).withPermits(1)(Effect.gen(function*() {
        const nowMs = yield* Clock.currentTimeMillis
        const cached = tokens.get(key)
        if (cached !== undefined && cached.refreshAt > nowMs) return cached.accessToken
        const issued = yield* issue
        const life = Duration.toMillis(issued.expiresIn)
        const margin = Math.min(Duration.toMillis(REFRESH_MARGIN), life / 2)
        tokens.set(key, { accessToken: issued.accessToken, refreshAt: nowMs + life - margin })
        return issued.accessToken
      })),
    /** Forgets the key's token if it is still `accessToken` (the provider refused it), so the next `get` fetches one. */
    invalidate: (key: string, accessToken: string) =>
      Effect.sync(() => {
        if (tokens.get(key)?.accessToken === accessToken) tokens.delete(key)
      })
  }
})

export type TokenCache = Effect.Effect.Success<typeof makeTokenCache>

/**
 * Runs `call` with the key's token; when the provider answers 401, forgets the token and tries once more with a fresh
 * one. A second 401 means the credentials are rejected: a permanent failure.
 */
export const withToken = <A, R1, R2>(
  cache: TokenCache,
  key: string,
  issue: Effect.Effect<IssuedToken, ProviderError, R1>,
  call: (accessToken: string) => Effect.Effect<A, ProviderError, R2>
) =>
  Effect.gen(function*() {
    const token = yield* cache.get(key, issue)
    return yield* call(token).pipe(
      Effect.catchIf((error) => error.status === 401, () =>
        cache.invalidate(key, token).pipe(
          Effect.zipRight(cache.get(key, issue)),
          Effect.flatMap(call),
          Effect.mapError((error) => (error.status === 401 ? Object.assign(error, { kind: "permanent" as const }) : error))
        ))
    )
  })
