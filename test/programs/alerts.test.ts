import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import { settleAlerts } from "../../programs/alertsWatch.ts"
import { provisionStreams } from "../../programs/brokerTopology.ts"
import { setProvider } from "../../programs/companies.ts"
import { credentialsFailed, credentialsWorked } from "../../programs/credentialAlerts.ts"
import { deleteDeadLetter, listDeadLetters, requeueFailed, sendToDeadLetters } from "../../programs/deadLetters.ts"
import type { ActorState } from "../../programs/actorState.ts"
import { logSlaBreaches } from "../../programs/sla.ts"
import type { AlertKind } from "../../src/domain/alerts.ts"
import type { CompanyId } from "../../src/domain/ids.ts"
import { now } from "../../src/domain/time.ts"
import { AlertRepo } from "../../src/services/Alerts.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { ProviderError } from "../../src/services/Providers.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { DeliverySettings } from "../../src/services/Settings.ts"
import { at, makeCompany } from "../support/fixtures.ts"
import { defaultDelivery, layerMemoryServices } from "../support/services.ts"
import { routedJob } from "../support/sla.ts"
import { advance, companyWithRoutings, startActor } from "./delivery.support.ts"

const run = <A, E>(program: Effect.Effect<A, E, any>) => program.pipe(Effect.provide(layerMemoryServices)) as Effect.Effect<A, E>

const asAdmin = Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null })

/** The payloads of the outbox events of `type` about `companyId`, in the order written. */
const eventsOf = (type: string, companyId: CompanyId) =>
  Effect.map(Effect.flatMap(OutboxRepo, (outbox) => outbox.pending(10_000)), (events) =>
    events.filter((e) => e.type === type && (e.payload as { company_id?: string }).company_id === companyId)
      .map((e) => e.payload as Record<string, unknown>))

/** The company's open alerts of `kind`. */
const openAlerts = (kind: AlertKind, companyId: CompanyId) =>
  Effect.map(Effect.flatMap(AlertRepo, (alerts) => alerts.open(100)), (open) =>
    open.items.filter((a) => a.kind === kind && a.companyId === companyId))

const refused = (status: number) =>
  new ProviderError({ kind: "permanent", message: `HTTP ${status}`, retryAfter: Option.none(), status })

describe("alerts as events (memory layers, TestClock)", () => {
  it.effect("announces a circuit's opening, holds back its close within the minute, and announces it late; the alert follows the circuit", () =>
    run(Effect.gen(function*() {
      const { companyId } = yield* companyWithRoutings({ failure_rate: 1 }, 8, { company: { name: "Acme Plumbing" } })
      const actor = yield* startActor()
      yield* advance(10_000)
      const opened = yield* eventsOf("circuit.opened", companyId)
      expect(opened).toEqual([expect.objectContaining({
        company_id: companyId,
        message: expect.stringMatching(/^Acme Plumbing's mock provider circuit opened after 5 failures in a row; calls resume at \d\d:\d\d UTC$/),
        resume_at: expect.any(String)
      })])
      expect(yield* openAlerts("circuit.opened", companyId)).toHaveLength(1)

      // Healthy again: the probe ~20 s later closes the circuit, within a minute of the opening's announcement.
      const repo = yield* CompanyRepo
      yield* repo.setProvider(companyId, { type: "mock", config: {}, credentials: null, active: true }, yield* now)
      yield* advance(25_000)
      expect(yield* openAlerts("circuit.opened", companyId)).toEqual([])
      expect(yield* eventsOf("circuit.closed", companyId)).toEqual([])
      expect((yield* settleAlerts()).announced).toBe(0)

      yield* TestClock.adjust("40 seconds")
      expect((yield* settleAlerts()).announced).toBe(1)
      expect(yield* eventsOf("circuit.closed", companyId)).toEqual([
        expect.objectContaining({ company_id: companyId, message: "Acme Plumbing's mock provider circuit closed; calls flow again" })
      ])
      expect((yield* settleAlerts()).announced).toBe(0)
      expect(yield* eventsOf("circuit.opened", companyId)).toHaveLength(1)
      yield* actor.stop
    }).pipe(Effect.provideService(DeliverySettings, { ...defaultDelivery, attempts: 100 }))))

  it.effect("announces refused credentials once until they work again or the provider changes; other failures are no alert", () =>
    run(Effect.gen(function*() {
      const company = makeCompany({ name: "Bolt Electric", provider: { type: "housecallpro", config: {}, credentials: null, active: true } })
      yield* (yield* CompanyRepo).insert(company)
      let revision = 1
      // Only what the credentials alerts read of a actor.
      const actor = { companyId: company.id, credentials: "unknown", directoryRevision: () => revision } as unknown as ActorState

      yield* credentialsFailed(actor, refused(500), null)
      yield* credentialsFailed(actor, refused(401), null)
      yield* credentialsFailed(actor, refused(401), null)
      const events = yield* eventsOf("provider.credentials_invalid", company.id)
      expect(events).toEqual([{
        company_id: company.id,
        message: "Bolt Electric's Housecall Pro credentials were refused (HTTP 401); its deliveries fail until the provider settings are fixed",
        status: 401,
        routing_id: null,
        job_id: null
      }])
      expect(yield* openAlerts("provider.credentials_invalid", company.id)).toHaveLength(1)

      yield* credentialsWorked(actor)
      expect(yield* openAlerts("provider.credentials_invalid", company.id)).toEqual([])
      yield* credentialsFailed(actor, refused(403), null)
      expect(yield* eventsOf("provider.credentials_invalid", company.id)).toHaveLength(2)
      // The provider changed (another revision) and is refused still: the open alert stays the one announced.
      revision = 2
      yield* credentialsFailed(actor, refused(403), null)
      expect(yield* eventsOf("provider.credentials_invalid", company.id)).toHaveLength(2)
      expect(yield* openAlerts("provider.credentials_invalid", company.id)).toHaveLength(1)

      yield* setProvider(company.id, { type: "mock", config: {}, credentials: undefined, active: true }).pipe(asAdmin)
      expect(yield* openAlerts("provider.credentials_invalid", company.id)).toEqual([])
    })))

  it.effect("announces each SLA breach once, in the claim, and resolves it once the routing is delivered", () =>
    run(Effect.gen(function*() {
      yield* TestClock.setTime(at(0).getTime())
      const [creator, receiver] = [makeCompany(), makeCompany({ name: "Cool Air" })]
      yield* Effect.forEach([creator, receiver], (yield* CompanyRepo).insert)
      const late = yield* routedJob(creator.id, receiver.id, at(0), "pending")
      yield* TestClock.adjust("6 minutes")
      expect(yield* logSlaBreaches()).toBe(1)
      expect(yield* logSlaBreaches()).toBe(0)
      expect(yield* eventsOf("sla.breached", receiver.id)).toEqual([{
        company_id: receiver.id,
        message: `Job ${late.job.id} is not delivered to Cool Air 5 minutes after it was due (00:00 UTC)`,
        routing_id: late.routingId,
        job_id: late.job.id,
        due_at: at(0).toISOString()
      }])
      expect(yield* openAlerts("sla.breached", receiver.id)).toMatchObject([{ routingId: late.routingId, jobId: late.job.id }])

      const routings = yield* RoutingRepo
      const t = yield* now
      yield* routings.claim(late.routingId, t, new Date(t.getTime() + 30_000))
      yield* routings.finish([{
        id: late.routingId,
        leaseUntil: new Date(t.getTime() + 30_000),
        result: { _tag: "Synced", externalId: "lead-1", outcome: "created" },
        timing: { at: t, durationMs: 5 }
      }])
      expect((yield* settleAlerts()).resolved).toBe(1)
      expect(yield* openAlerts("sla.breached", receiver.id)).toEqual([])
    })))

  it.effect("announces a dead letter once per routing and attempt; a retry or the dead letter's deletion resolves it", () =>
    run(Effect.gen(function*() {
      yield* provisionStreams
      const [creator, receiver] = [makeCompany(), makeCompany({ name: "Drain Pros" })]
      yield* Effect.forEach([creator, receiver], (yield* CompanyRepo).insert)
      const { job, routingId } = yield* routedJob(creator.id, receiver.id, at(0), "failed")
      const letter = (attempts: number) =>
        sendToDeadLetters({
          subject: "test.work",
          data: new TextEncoder().encode("{}"),
          headers: {},
          routingId,
          jobId: job.id,
          companyId: receiver.id,
          attempts,
          reason: "gave up after 8 attempts: mock provider: 503 Service Unavailable"
        })
      yield* letter(8)
      yield* letter(8)
      expect(yield* eventsOf("dead_letter.added", receiver.id)).toEqual([{
        company_id: receiver.id,
        message: `Job ${job.id} could not be delivered to Drain Pros after 8 attempts and was dead-lettered: gave up after 8 attempts: mock provider: 503 Service Unavailable`,
        routing_id: routingId,
        job_id: job.id,
        attempts: 8,
        reason: "gave up after 8 attempts: mock provider: 503 Service Unavailable"
      }])
      expect(yield* openAlerts("dead_letter.added", receiver.id)).toHaveLength(1)

      yield* requeueFailed(routingId)
      expect(yield* openAlerts("dead_letter.added", receiver.id)).toEqual([])

      yield* letter(9)
      expect(yield* eventsOf("dead_letter.added", receiver.id)).toHaveLength(2)
      const letters = yield* listDeadLetters(10).pipe(asAdmin)
      yield* Effect.forEach(letters, (l) => deleteDeadLetter(l.id).pipe(asAdmin), { discard: true })
      expect(yield* openAlerts("dead_letter.added", receiver.id)).toEqual([])
    })))
})
