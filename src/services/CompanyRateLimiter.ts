import { Context, type Duration, type Effect } from "effect"
import type { CompanyId } from "../domain/ids.ts"

/** A turn at the provider: how long to wait before the call, and the calls the company's limit has left once it is made. */
export interface RateLimitTurn {
  readonly delay: Duration.Duration
  readonly remaining: number
}

/**
 * Each company's `rate_limit_per_minute` on its provider calls in this process, kept across its actor's lives: at most
 * `limit` calls start in any minute, and callers over it go in the order they asked (see `CallWindow`). Time is read
 * through `Clock`.
 */
export class CompanyRateLimiter extends Context.Tag("CompanyRateLimiter")<CompanyRateLimiter, {
  /** Takes the company's next turn under `limit` calls a minute (the limit read at each call, so a change holds at once). */
  readonly take: (companyId: CompanyId, limit: number) => Effect.Effect<RateLimitTurn>
  /** Counts calls the company started elsewhere (another replica, before a hand-over), at these epoch milliseconds. */
  readonly seed: (companyId: CompanyId, calls: ReadonlyArray<number>) => Effect.Effect<void>
  /** Forgets the companies with no call in the last minute. */
  readonly sweep: Effect.Effect<void>
}>() {}
