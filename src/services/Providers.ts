import { Context, Data, type Duration, type Effect, type Option } from "effect"
import type { ProviderConfig, ProviderType } from "../domain/company.ts"
import type { CompanyId } from "../domain/ids.ts"
import type { Job, Routing } from "../domain/job.ts"

/**
 * A provider call failed. `retryable`: try again later (network, timeout, 5xx); `rate_limited`: the provider asked to
 * slow down (429), wait `retryAfter` when it said; `permanent`: trying again will not help (validation, rejected
 * credentials, missing configuration).
 */
export class ProviderError extends Data.TaggedError("ProviderError")<{
  readonly kind: "retryable" | "rate_limited" | "permanent"
  readonly message: string
  readonly retryAfter: Option.Option<Duration.Duration>
  /** The call may have taken effect at the provider (it timed out or the connection dropped mid-answer). */
  readonly outcomeUnknown?: boolean
}> {}

/** What a provider needs to deliver one routing: the routing, its job, and the company's association (credentials opened). */
export interface LeadRequest {
  readonly companyId: CompanyId
  readonly routing: Routing
  readonly job: Job
  readonly config: ProviderConfig
  readonly credentials: Readonly<Record<string, string>> | null
}

/** One field-service system. */
export interface ProviderClient {
  /** Creates the lead, carrying the routing id as its external reference; answers the provider's id for it. */
  readonly createLead: (request: LeadRequest) => Effect.Effect<{ readonly externalId: string }, ProviderError>
  /** The lead already made for this routing, where the provider can look it up by external reference. */
  readonly findLead: (request: LeadRequest) => Effect.Effect<Option.Option<{ readonly externalId: string }>, ProviderError>
}

/** The provider client for each association type. */
export class Providers extends Context.Tag("Providers")<Providers, {
  readonly forType: (type: ProviderType) => Option.Option<ProviderClient>
}>() {}
