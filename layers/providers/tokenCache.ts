import { Clock, Duration, Effect } from "effect"
import { makeKeyedLock } from "../../src/KeyedLock.ts"
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
  // Dropped when unused: a lock per company ever seen would grow with the fleet.
  const locks = makeKeyedLock()

  return {
    /**
     * The key's token: the cached one while it is fresh, else one from `issue`, told the token it replaces (expired or
     * refused), so it does not answer that one again.
     */
    get: <R>(key: string, issue: (stale: string | undefined) => Effect.Effect<IssuedToken, ProviderError, R>) =>
      locks.withLock(key)(Effect.gen(function*() {
        const nowMs = yield* Clock.currentTimeMillis
        const cached = tokens.get(key)
        if (cached !== undefined && cached.refreshAt > nowMs) return cached.accessToken
        const issued = yield* issue(cached?.accessToken)
        const life = Duration.toMillis(issued.expiresIn)
        const margin = Math.min(Duration.toMillis(REFRESH_MARGIN), life / 2)
        tokens.set(key, { accessToken: issued.accessToken, refreshAt: nowMs + life - margin })
        return issued.accessToken
      })),
    /** Marks the key's token stale if it is still `accessToken` (the provider refused it), so the next `get` fetches one. */
    invalidate: (key: string, accessToken: string) =>
      Effect.sync(() => {
        const cached = tokens.get(key)
        if (cached?.accessToken === accessToken) tokens.set(key, { accessToken, refreshAt: 0 })
      }),
    /** How many keys have a fetch under way or awaited. */
    fetching: locks.size
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
  issue: (stale: string | undefined) => Effect.Effect<IssuedToken, ProviderError, R1>,
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
