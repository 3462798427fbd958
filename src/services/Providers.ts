import { Context, Data, Duration, Effect, type Either, Option, Schema } from "effect"
import type { ProviderConfig, ProviderType } from "../domain/company.ts"
import type { CompanyId } from "../domain/ids.ts"
import type { Job, Routing } from "../domain/job.ts"

/**
 * A provider call failed. `retryable`: try again later (network, timeout, 5xx); `rate_limited`: the provider asked to
 * slow down (429), wait `retryAfter` when it said; `permanent`: trying again will not help (validation, rejected
 * credentials, plan or permission refusal, missing configuration). Messages never carry credentials.
 */
export class ProviderError extends Data.TaggedError("ProviderError")<{
  readonly kind: "retryable" | "rate_limited" | "permanent"
  readonly message: string
  readonly retryAfter: Option.Option<Duration.Duration>
  /** The call may have taken effect at the provider (it timed out or the connection dropped mid-answer). */
  readonly outcomeUnknown?: boolean
  /** The HTTP status of the provider's answer, when the failure came from one. */
  readonly status?: number
}> {}

/**
 * Bounds a provider call: past `duration` it fails as retryable, with an unknown outcome when the call may have taken
 * effect at the provider.
 */
export const boundedBy = (duration: Duration.Duration, options: { readonly outcomeUnknown: boolean }) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | ProviderError, R> =>
  Effect.timeoutFail(self, {
    duration,
    onTimeout: () =>
      new ProviderError({
        kind: "retryable",
        message: `no answer within ${Duration.format(duration)}`,
        retryAfter: Option.none(),
        ...(options.outcomeUnknown ? { outcomeUnknown: true } : {})
      })
  })

/** Where a lead stands in the provider's system, on the set common to every provider. */
export const LeadStatus = Schema.Literal("pending", "scheduled", "in_progress", "completed", "canceled")
export type LeadStatus = typeof LeadStatus.Type

/** A company's account at its provider: its settings and its credentials, opened. */
export interface ProviderAccount {
  readonly companyId: CompanyId
  readonly config: ProviderConfig
  readonly credentials: Readonly<Record<string, string>> | null
}

/** What a provider needs to deliver one routing: the routing, its job, and the company's account. */
export interface LeadRequest extends ProviderAccount {
  readonly routing: Routing
  readonly job: Job
}

/** A lead as the provider has it now, followed into the job it became once converted. */
export interface LeadState {
  /** The id `createLead` answered for it. */
  readonly externalId: string
  readonly status: LeadStatus
  /** The provider's job, once the lead became one. */
  readonly jobId: Option.Option<string>
  /** The job's total, in cents, where the provider has one. */
  readonly revenueCents: Option.Option<number>
  readonly completedAt: Option.Option<Date>
}

/** One field-service system. */
export interface ProviderClient {
  /**
   * The most calls one `createLead` (or lookup) may make in a row (token requests and steps included), each bounded by
   * the provider timeout; delivery bounds the whole by that many timeouts.
   */
  readonly maxCallsPerLead: number
  /** Creates the lead, carrying the routing id as its external reference; answers the provider's id for it. */
  readonly createLead: (request: LeadRequest) => Effect.Effect<{ readonly externalId: string }, ProviderError>
  /**
   * The lead already made for this routing, looked up by external reference; none when the provider cannot look leads
   * up that way (then an uncertain attempt is followed by a new create).
   */
  readonly findLead: Option.Option<
    (request: LeadRequest) => Effect.Effect<Option.Option<{ readonly externalId: string }>, ProviderError>
  >
  /**
   * Cancels the lead (by the id `createLead` answered) at the provider; none when the provider's API cannot cancel a
   * lead, and then it is canceled here only.
   */
  readonly cancelLead: Option.Option<(account: ProviderAccount, externalId: string) => Effect.Effect<void, ProviderError>>
  /** The states of these leads (by the ids `createLead` answered), batched as the provider allows; unknown ids are left out. */
  readonly statuses: (
    account: ProviderAccount,
    externalIds: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<LeadState>, ProviderError>
  /** Succeeds when the provider accepts the account's credentials (fetching a fresh token where it uses them). */
  readonly checkCredentials: (account: ProviderAccount) => Effect.Effect<void, ProviderError>
}

/** The provider client for each association type. */
export class Providers extends Context.Tag("Providers")<Providers, {
  readonly forType: (type: ProviderType) => Option.Option<ProviderClient>
}>() {}

/** What a refresh of stored credentials ends with: the credentials to store in their place, if any, and its outcome. */
export interface CredentialRefresh<A> {
  readonly store: Option.Option<Readonly<Record<string, string>>>
  readonly outcome: Either.Either<A, ProviderError>
}

/**
 * Keeps credentials a provider rotates (Jobber's refresh tokens), sealed, in the company's association, so every
 * process uses the latest.
 */
export class ProviderCredentialStore extends Context.Tag("ProviderCredentialStore")<ProviderCredentialStore, {
  /**
   * Runs `refresh` with the company's stored credentials (none when its association is no longer of this provider)
   * while no other refresh of the company runs, in any process sharing the storage, and stores the credentials it
   * answers before answering its outcome: a new token is never used before it is stored, and the next refresh reads it.
   */
  readonly refresh: <A>(
    companyId: CompanyId,
    refresh: (stored: Option.Option<Readonly<Record<string, string>>>) => Effect.Effect<CredentialRefresh<A>>
  ) => Effect.Effect<A, ProviderError>
}>() {}
