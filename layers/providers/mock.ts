import { Duration, Effect, Option, Random, Schema } from "effect"
import { now } from "../../src/domain/time.ts"
import { MockLeadStore } from "../../src/services/MockLeads.ts"
import { type LeadRequest, type ProviderClient, ProviderError } from "../../src/services/Providers.ts"

/** The mock provider's settings, from the company's provider `config`; all optional. */
const MockConfig = Schema.Struct({
  latency_ms: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 60_000)), { default: () => 0 }),
  failure_rate: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 0 }),
  rate_limited_rate: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 0 })
})

/** How long the mock asks to wait when it answers 429. */
const RETRY_AFTER = Duration.seconds(1)

const settingsOf = (request: LeadRequest) =>
  Schema.decodeUnknown(MockConfig)(request.config).pipe(
    Effect.mapError((error) =>
      new ProviderError({ kind: "permanent", message: `invalid mock config: ${error.message}`, retryAfter: Option.none() })
    )
  )

const storeFailure = (error: { readonly message: string }) =>
  new ProviderError({ kind: "retryable", message: `mock lead store: ${error.message}`, retryAfter: Option.none() })

/**
 * The mock field-service system: it answers after `latency_ms` (half before it records the lead, half after, so a
 * timeout can leave a lead behind, as with a real provider), fails with a retryable error at `failure_rate`, answers 429
 * at `rate_limited_rate`, and records every lead it accepts in its store.
 */
export const make = Effect.map(MockLeadStore, (store): ProviderClient => ({
  createLead: (request) =>
    Effect.gen(function*() {
      const settings = yield* settingsOf(request)
      const half = Duration.millis(settings.latency_ms / 2)
      yield* Effect.sleep(half)
      if ((yield* Random.next) < settings.rate_limited_rate) {
        return yield* new ProviderError({ kind: "rate_limited", message: "mock provider: 429 Too Many Requests", retryAfter: Option.some(RETRY_AFTER) })
      }
      if ((yield* Random.next) < settings.failure_rate) {
        return yield* new ProviderError({ kind: "retryable", message: "mock provider: 503 Service Unavailable", retryAfter: Option.none() })
      }
      const leadId = `mock-${crypto.randomUUID()}`
      yield* store.record({
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
      }).pipe(Effect.mapError(storeFailure))
      yield* Effect.sleep(half)
      return { externalId: leadId }
    }),

  findLead: (request) =>
    store.findByExternalId(request.companyId, request.routing.id).pipe(
      Effect.mapError(storeFailure),
      Effect.map(Option.map((lead) => ({ externalId: lead.leadId })))
    )
}))
