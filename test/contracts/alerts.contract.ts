import { expect, layer } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { type Alert, AlertId, type AlertKind } from "../../src/domain/alerts.ts"
import type { CompanyId, JobId, RoutingId } from "../../src/domain/ids.ts"
import { AlertRepo } from "../../src/services/Alerts.ts"
import { CircuitStore } from "../../src/services/Circuits.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { at, makeCompany, uuid } from "../support/fixtures.ts"
import { routedJob } from "../support/sla.ts"
import type { Repositories } from "./repositories.ts"

const alertOf = (
  kind: AlertKind,
  companyId: CompanyId,
  openedAt: Date,
  routing: { readonly routingId: RoutingId; readonly jobId: JobId } | null = null,
  message = `${kind} of ${companyId}`
): Alert => ({
  id: AlertId.make(uuid()),
  kind,
  companyId,
  routingId: routing?.routingId ?? null,
  jobId: routing?.jobId ?? null,
  message,
  openedAt,
  resolvedAt: null
})

/** The behaviour every implementation of the alerts store must have; run against each layer. */
export const alertsContract = <E>(name: string, services: Layer.Layer<Repositories | AlertRepo | CircuitStore, E>) =>
  layer(services)(`alerts: ${name}`, (it) => {
    it.effect("opens one alert per key until it is resolved, lists the open ones newest first with their count", () =>
      Effect.gen(function*() {
        const alerts = yield* AlertRepo
        const [a, b] = [makeCompany(), makeCompany()]
        yield* Effect.forEach([a, b], (yield* CompanyRepo).insert)
        const before = (yield* alerts.open(100)).total

        expect(yield* alerts.raise(alertOf("circuit.opened", a.id, at(1000), null, "first"))).toBe(true)
        expect(yield* alerts.raise(alertOf("circuit.opened", a.id, at(2000), null, "second"))).toBe(false)
        expect(yield* alerts.raise(alertOf("circuit.opened", b.id, at(3000)))).toBe(true)
        expect(yield* alerts.raise(alertOf("provider.credentials_invalid", a.id, at(4000)))).toBe(true)
        const open = yield* alerts.open(100)
        expect(open.total).toBe(before + 3)
        const mine = open.items.filter((x) => x.companyId === a.id || x.companyId === b.id)
        expect(mine.map((x) => [x.kind, x.companyId, x.message])).toEqual([
          ["provider.credentials_invalid", a.id, `provider.credentials_invalid of ${a.id}`],
          ["circuit.opened", b.id, `circuit.opened of ${b.id}`],
          ["circuit.opened", a.id, "second"]
        ])
        expect(mine[2]).toMatchObject({ openedAt: at(1000), resolvedAt: null, routingId: null, jobId: null })
        expect((yield* alerts.open(1)).items).toHaveLength(1)

        expect(yield* alerts.resolve({ kind: "circuit.opened", companyId: a.id, routingId: null }, at(5000))).toBe(true)
        expect(yield* alerts.resolve({ kind: "circuit.opened", companyId: a.id, routingId: null }, at(6000))).toBe(false)
        expect((yield* alerts.open(100)).total).toBe(before + 2)
        // Resolved, the key opens again.
        expect(yield* alerts.raise(alertOf("circuit.opened", a.id, at(7000)))).toBe(true)
        expect((yield* alerts.open(100)).total).toBe(before + 3)
        // Resolved ones are deleted once old enough; open ones never.
        expect(yield* alerts.forgetResolved(at(5000))).toBe(0)
        expect(yield* alerts.forgetResolved(at(5001))).toBeGreaterThanOrEqual(1)
        expect(yield* alerts.resolve({ kind: "circuit.opened", companyId: a.id, routingId: null }, at(8000))).toBe(true)
        expect(yield* alerts.forgetResolved(at(100_000))).toBeGreaterThanOrEqual(1)
        expect((yield* alerts.open(100)).total).toBe(before + 2)
      }))

    it.effect("resolves routing alerts whose cause passed: SLA breaches once delivered, canceled or failed, dead letters once not failed", () =>
      Effect.gen(function*() {
        const alerts = yield* AlertRepo
        const [creator, receiver] = [makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, receiver], (yield* CompanyRepo).insert)
        const route = (fate: Parameters<typeof routedJob>[3]) =>
          Effect.map(routedJob(creator.id, receiver.id, at(0), fate), ({ job, routingId }) => ({ routingId, jobId: job.id }))
        const delivered = yield* route({ deliveredAfterMs: 1000 })
        const canceled = yield* route("canceled")
        const pending = yield* route("pending")
        const failed = yield* route("failed")
        const retrying = yield* route("retrying")
        const gone = { routingId: uuid() as RoutingId, jobId: uuid() as JobId }
        for (const r of [delivered, canceled, pending, failed, gone]) {
          expect(yield* alerts.raise(alertOf("sla.breached", receiver.id, at(10), r))).toBe(true)
        }
        for (const r of [failed, retrying]) expect(yield* alerts.raise(alertOf("dead_letter.added", receiver.id, at(10), r))).toBe(true)
        // A second alert of the same kind for the same routing is the same alert.
        expect(yield* alerts.raise(alertOf("sla.breached", receiver.id, at(11), pending))).toBe(false)

        yield* alerts.resolveSettled(at(20))
        const open = (yield* alerts.open(100)).items.filter((x) => x.companyId === receiver.id)
        expect(open.map((x) => [x.kind, x.routingId]).sort()).toEqual(
          [["sla.breached", pending.routingId], ["dead_letter.added", failed.routingId]].sort()
        )
        expect(yield* alerts.resolveSettled(at(30))).toBe(0)
      }))

    it.effect("resolves the open alerts of many keys in one step; a key with no open alert is passed over", () =>
      Effect.gen(function*() {
        const alerts = yield* AlertRepo
        const a = makeCompany()
        yield* (yield* CompanyRepo).insert(a)
        const [first, second, other] = [0, 1, 2].map(() => ({ routingId: uuid() as RoutingId, jobId: uuid() as JobId }))
        for (const r of [first!, second!, other!]) yield* alerts.raise(alertOf("dead_letter.added", a.id, at(10), r))
        yield* alerts.raise(alertOf("circuit.opened", a.id, at(10)))
        const keyOf = (r: { readonly routingId: RoutingId }) => ({ kind: "dead_letter.added" as const, companyId: a.id, routingId: r.routingId })

        expect(yield* alerts.resolveMany([], at(20))).toBe(0)
        expect(yield* alerts.resolveMany([keyOf(first!), keyOf(second!), { kind: "circuit.opened", companyId: a.id, routingId: null }], at(20)))
          .toBe(3)
        expect(yield* alerts.resolveMany([keyOf(first!), { kind: "sla.breached", companyId: a.id, routingId: other!.routingId }], at(30)))
          .toBe(0)
        const open = (yield* alerts.open(100)).items.filter((x) => x.companyId === a.id)
        expect(open.map((x) => [x.kind, x.routingId])).toEqual([["dead_letter.added", other!.routingId]])
      }))

    it.effect("claims a circuit announcement at most once a minute per company and only for a change; finds changes held back", () =>
      Effect.gen(function*() {
        const alerts = yield* AlertRepo
        const circuits = yield* CircuitStore
        const a = makeCompany()
        yield* (yield* CompanyRepo).insert(a)
        const minuteBefore = (ms: number) => at(ms - 60_000)
        const mine = (found: ReadonlyArray<{ readonly companyId: CompanyId }>) => found.filter((x) => x.companyId === a.id)

        expect(yield* alerts.claimCircuitAnnouncement(a.id, "open", at(0), minuteBefore(0))).toBe(true)
        yield* circuits.opened({ companyId: a.id, opened: 1, until: at(30_000) })
        expect(yield* alerts.claimCircuitAnnouncement(a.id, "open", at(1000), minuteBefore(1000))).toBe(false)
        // Closed 20 s after it opened: held back.
        yield* circuits.closed(a.id)
        expect(yield* alerts.claimCircuitAnnouncement(a.id, "closed", at(20_000), minuteBefore(20_000))).toBe(false)
        expect(mine(yield* alerts.circuitsToAnnounce(minuteBefore(30_000)))).toEqual([])
        expect(mine(yield* alerts.circuitsToAnnounce(minuteBefore(60_000)))).toEqual([{ companyId: a.id, state: "closed" }])
        expect(yield* alerts.claimCircuitAnnouncement(a.id, "closed", at(60_000), minuteBefore(60_000))).toBe(true)
        expect(mine(yield* alerts.circuitsToAnnounce(minuteBefore(200_000)))).toEqual([])
        // Open again a minute later: announced.
        yield* circuits.opened({ companyId: a.id, opened: 1, until: at(150_000) })
        expect(mine(yield* alerts.circuitsToAnnounce(minuteBefore(120_000)))).toEqual([{ companyId: a.id, state: "open" }])
        expect(yield* alerts.claimCircuitAnnouncement(a.id, "open", at(120_000), minuteBefore(120_000))).toBe(true)
      }))
  })
