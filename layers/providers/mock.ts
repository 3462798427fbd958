import { Clock, Duration, Effect, Either, Option, Random, Schema } from "effect"
import * as GroupCommit from "../../src/GroupCommit.ts"
import { MockConfig } from "../../src/domain/providerSettings.ts"
import { now } from "../../src/domain/time.ts"
import { type MockLead, MockLeadStore } from "../../src/services/MockLeads.ts"
import { type LeadState, type LeadStatus, type ProviderAccount, type ProviderClient, ProviderError } from "../../src/services/Providers.ts"

/** How long the mock asks to wait when it answers 429. */
const RETRY_AFTER = Duration.seconds(1)

/** The statuses a mock lead goes through, one per `status_step_seconds` after it was received. */
const PROGRESSION: ReadonlyArray<LeadStatus> = ["pending", "scheduled", "in_progress", "completed"]

/** Settings decoded from an account's config, kept while the account is: an actor keeps its company's account. */
const decodedSettings = new WeakMap<object, MockConfig>()

const settingsOf = (account: ProviderAccount) => {
  const known = decodedSettings.get(account.config)
  return known !== undefined ? Effect.succeed(known) : Schema.decodeUnknown(MockConfig)(account.config).pipe(
    Effect.tap((settings) => Effect.sync(() => decodedSettings.set(account.config, settings))),
    Effect.mapError((error) =>
      new ProviderError({ kind: "permanent", message: `invalid mock config: ${error.message}`, retryAfter: Option.none() })
    )
  )
}

/** A provider that is down fails every call, lookups and status polls as well as lead creation. */
const downAt = (settings: MockConfig) =>
  Effect.flatMap(Random.next, (draw) =>
    draw < settings.failure_rate
      ? Effect.fail(
        new ProviderError({
          kind: "retryable",
          message: "mock provider: 503 Service Unavailable",
          retryAfter: Option.none(),
          status: 503
        })
      )
      : Effect.void)

const storeFailure = (error: { readonly message: string }) =>
  new ProviderError({ kind: "retryable", message: `mock lead store: ${error.message}`, retryAfter: Option.none() })

/**
 * A lead write that failed: the write may have committed before the database went away (its answer lost), so the call's
 * outcome is unknown and the next attempt looks the lead up first, as after a real provider's lost answer.
 */
const recordFailure = (error: { readonly message: string }) =>
  new ProviderError({ kind: "retryable", message: `mock lead store: ${error.message}`, retryAfter: Option.none(), outcomeUnknown: true })

/** A lead's state `elapsedMs` after it was received; completed leads carry a revenue derived from their id. */
const stateOf = (lead: MockLead, step: Duration.Duration, nowMs: number): LeadState => {
  const elapsed = nowMs - lead.receivedAt.getTime()
  const index = Math.min(PROGRESSION.length - 1, Math.floor(elapsed / Math.max(1, Duration.toMillis(step))))
  const status = PROGRESSION[index]!
  const completed = status === "completed"
  const revenueCents = [...lead.leadId].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) % 90_000, 0) + 10_000
  return {
    externalId: lead.leadId,
    status,
    jobId: index > 0 ? Option.some(`job-${lead.leadId}`) : Option.none(),
    revenueCents: completed ? Option.some(revenueCents) : Option.none(),
    completedAt: completed
      ? Option.some(new Date(lead.receivedAt.getTime() + (PROGRESSION.length - 1) * Duration.toMillis(step)))
      : Option.none()
  }
}

/** The most leads one write of the mock's store takes. */
const MAX_RECORD_BATCH = 200

/**
 * The mock field-service system: it answers after `latency_ms` (half before it records the lead, half after, so a
 * timeout can leave a lead behind, as with a real provider), fails each call (lookups and status polls too) with a
 * retryable error at `failure_rate`, answers 429 at `rate_limited_rate`, records every lead it accepts in its store
 * (the leads of concurrent calls in one write), finds leads by our reference, and moves each lead from pending to
 * completed one status every `status_step_seconds`.
 */
export const make = Effect.gen(function*() {
  const store = yield* MockLeadStore
  const record = yield* GroupCommit.make({
    name: "MockProvider.record",
    maxBatch: MAX_RECORD_BATCH,
    run: (leads: ReadonlyArray<MockLead>) => Effect.as(store.record(leads), leads.map(() => Either.right(undefined)))
  })
  return makeClient(store, record)
})

const makeClient = (
  store: typeof MockLeadStore.Service,
  record: (lead: MockLead) => Effect.Effect<void, { readonly message: string }>
): ProviderClient => ({
  maxCallsPerLead: 1,
  cancelLead: Option.none(),
  createLead: (request) =>
    Effect.gen(function*() {
      const settings = yield* settingsOf(request)
      // At latency 0 it answers with no timer at all: a timer's turn of the event loop would be most of the call.
      const half = settings.latency_ms > 0 ? Effect.sleep(Duration.millis(settings.latency_ms / 2)) : Effect.void
      yield* half
      if ((yield* Random.next) < settings.rate_limited_rate) {
        return yield* new ProviderError({
          kind: "rate_limited",
          message: "mock provider: 429 Too Many Requests",
          retryAfter: Option.some(RETRY_AFTER),
          status: 429
        })
      }
      yield* downAt(settings)
      const leadId = `mock-${crypto.randomUUID()}`
      yield* record({
        leadId,
        companyId: request.companyId,
        externalId: request.routing.id,
        payload: {
          job_id: request.job.id,
          summary: request.job.summary,
          address: request.job.address,
          homeowner: request.job.homeowner,
          priority: request.job.priority
        },
        receivedAt: yield* now
      }).pipe(Effect.mapError(recordFailure))
      yield* half
      return { externalId: leadId }
    }),

  findLead: Option.some((request) =>
    Effect.gen(function*() {
      yield* downAt(yield* settingsOf(request))
      const lead = yield* store.findByExternalId(request.companyId, request.routing.id).pipe(Effect.mapError(storeFailure))
      return Option.map(lead, (found) => ({ externalId: found.leadId }))
    })
  ),

  statuses: (account, externalIds) =>
    Effect.gen(function*() {
      const settings = yield* settingsOf(account)
      yield* downAt(settings)
      const leads = yield* store.findByLeadIds(account.companyId, externalIds).pipe(Effect.mapError(storeFailure))
      const nowMs = yield* Clock.currentTimeMillis
      return leads.map((lead) => stateOf(lead, Duration.seconds(settings.status_step_seconds), nowMs))
    }),

  checkCredentials: (account) => Effect.asVoid(settingsOf(account))
})
