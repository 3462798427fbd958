import { Context, type Duration } from "effect"
import type { MatchLimits } from "../domain/matching.ts"

/** How many companies a job is routed to, and the lowest score that still gets a routing. */
export class MatchSettings extends Context.Tag("MatchSettings")<MatchSettings, MatchLimits>() {}

/** How long an `Idempotency-Key` is remembered. */
export class IdempotencySettings extends Context.Tag("IdempotencySettings")<IdempotencySettings, {
  readonly ttl: Duration.Duration
}>() {}

/** The SHA-256 of the admin key from configuration, when one is set. */
export class AdminKey extends Context.Tag("AdminKey")<AdminKey, { readonly hash: string | null }>() {}
