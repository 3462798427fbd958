import { Duration, Effect, Exit, Scope, TestClock } from "effect"
import { provisionStreams } from "../../programs/brokerTopology.ts"
import { startDelivery } from "../../programs/deliveryRuntime.ts"
import { createJob } from "../../programs/createJob.ts"
import { relayBatch } from "../../programs/relayOutbox.ts"
import type { Company, ProviderConfig } from "../../src/domain/company.ts"
import type { RoutingId } from "../../src/domain/ids.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { type DeliveryOptions, DeliverySettings } from "../../src/services/Settings.ts"
import { makeCompany, makeNewJob, skill, uniqueSkill } from "../support/fixtures.ts"

const asAdmin = Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null })

/**
 * A company on the mock provider with `config` (and the company's fields in `options.company`), and `jobs` jobs routed
 * to it alone; answers the company and routings.
 */
export const companyWithRoutings = (
  config: ProviderConfig,
  jobs: number,
  options: { readonly rateLimitPerMinute?: number; readonly company?: Partial<Company> } = {}
) =>
  Effect.gen(function*() {
    const companies = yield* CompanyRepo
    const trade = uniqueSkill("trade")
    const receiver = makeCompany({
      skills: [skill(trade, "expert", true)],
      provider: { type: "mock", config, credentials: null, active: true },
      rateLimitPerMinute: options.rateLimitPerMinute ?? 50,
      ...options.company
    })
    const creator = makeCompany({ provider: null })
    yield* Effect.forEach([receiver, creator], companies.insert)
    const routings: Array<RoutingId> = []
    for (let i = 0; i < jobs; i++) {
      const { job } = yield* createJob(
        makeNewJob({ summary: `job ${i}`, requiredSkills: [trade], skillLevels: {}, category: null, createdByCompanyId: creator.id }),
        null
      ).pipe(asAdmin)
      routings.push(job.routings[0]!.id)
    }
    yield* provisionStreams
    yield* relayBatch()
    return { companyId: receiver.id, routings }
  })

/**
 * Starts delivery (partition runners, and an actor for each company with work), the companies' delivered leads polled
 * every `pollInterval` unless they say otherwise, with `more` of the delivery settings; answers a way to stop it.
 */
export const startActor = (pollInterval = Duration.minutes(30), more: Partial<DeliveryOptions> = {}) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const settings = yield* DeliverySettings
    yield* startDelivery.pipe(Scope.extend(scope), Effect.provideService(DeliverySettings, { ...settings, pollInterval, ...more }))
    return { stop: Scope.close(scope, Exit.void) }
  })

/** Moves the test clock forward by `ms` in steps, letting every fiber run between them. */
export const advance = (ms: number, step = 50) =>
  Effect.gen(function*() {
    for (let t = 0; t < ms; t += step) {
      yield* TestClock.adjust(`${Math.min(step, ms - t)} millis`)
      yield* Effect.yieldNow()
    }
  })

export const routingOf = (id: RoutingId) =>
  Effect.flatMap(RoutingRepo, (r) => r.get(id)).pipe(Effect.map((found) => found._tag === "Some" ? found.value.routing : undefined))

export const attemptsOf = (id: RoutingId) => Effect.flatMap(RoutingRepo, (r) => r.attempts(id))
