import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { CompanyId, EventId } from "../../src/domain/ids.ts"
import { type WebhookAttempt, type WebhookEvent, WebhookId } from "../../src/domain/webhook.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { Transactions } from "../../src/services/Transactions.ts"
import { WebhookRepo } from "../../src/services/Webhooks.ts"
import { at, makeCompany, makeHook, uuid } from "../support/fixtures.ts"

const makeEvent = (overrides: Partial<WebhookEvent> = {}): WebhookEvent => {
  const id = overrides.id ?? EventId.make(uuid())
  return { id, type: "routing.synced", companyId: null, createdAt: at(1000), body: `{"id":"${id}"}`, ...overrides }
}

const attemptOf = (eventId: EventId, ms: number, statusCode: number | null, error: string | null): WebhookAttempt => ({
  eventId,
  type: "routing.synced",
  at: at(ms),
  statusCode,
  durationMs: 12,
  error
})

/** The webhook repository's behaviour; run against every implementation. */
export const webhookContract = <E>(
  name: string,
  repositories: Layer.Layer<WebhookRepo | CompanyRepo | Transactions, E>
) =>
  layer(repositories)(`webhook repository: ${name}`, (it) => {
    it.effect("a hook reads back as written, is listed newest first in pages, and is deleted with its deliveries", () =>
      Effect.gen(function*() {
        const repo = yield* WebhookRepo
        const company = makeCompany()
        yield* (yield* CompanyRepo).insert(company)
        const older = makeHook({ createdAt: at(-2000) })
        const newer = makeHook({ createdAt: at(-1000), events: ["job.completed", "routing.failed"], companyId: company.id })
        yield* Effect.forEach([older, newer], repo.insert)
        expect(yield* repo.get(newer.id)).toEqual(Option.some(newer))
        const listed = (yield* repo.list({ limit: 100, after: null })).filter((h) => h.id === older.id || h.id === newer.id)
        expect(listed).toEqual([newer, older])
        const [first] = yield* repo.list({ limit: 1, after: { createdAt: newer.createdAt, id: newer.id } })
        expect(first).toEqual(older)
        expect(yield* repo.list({ limit: 1, after: { createdAt: older.createdAt, id: older.id } })).toEqual([])
        yield* repo.enqueue([makeEvent()], at(1000))
        expect(yield* repo.delete(older.id)).toBe(true)
        expect(yield* repo.delete(older.id)).toBe(false)
        expect(yield* repo.get(older.id)).toEqual(Option.none())
        expect(yield* repo.claimDue(at(10_000), at(20_000), 100)).toEqual([])
        yield* repo.delete(newer.id)
      }))

    it.effect("enqueue adds one delivery per subscribed, matching hook (held for a disabled one), none for a repeated event", () =>
      Effect.gen(function*() {
        const repo = yield* WebhookRepo
        const company = makeCompany()
        yield* (yield* CompanyRepo).insert(company)
        const all = makeHook()
        const scoped = makeHook({ companyId: company.id })
        const otherCompany = makeHook({ companyId: CompanyId.make(uuid()), createdAt: at(0) })
        const otherType = makeHook({ events: ["job.completed"] })
        const inactive = makeHook({ active: false, disabledAt: at(0) })
        const later = makeHook({ createdAt: at(5000) })
        yield* (yield* CompanyRepo).insert(makeCompany({ id: otherCompany.companyId! }))
        const hooks = [all, scoped, otherCompany, otherType, inactive, later]
        yield* Effect.forEach(hooks, repo.insert)
        const event = makeEvent({ companyId: company.id })
        expect(yield* (yield* Transactions).run(repo.enqueue([event], at(2000)))).toBe(3)
        expect(yield* repo.enqueue([event], at(3000))).toBe(0)
        const claimed = yield* repo.claimDue(at(2000), at(60_000), 100)
        expect(claimed.map((d) => d.webhookId).sort()).toEqual([all.id, scoped.id].sort())
        // Several events at once, one of them twice and one already in: each (hook, event) pair once.
        const unscoped = makeEvent()
        expect(yield* repo.enqueue([unscoped, event, unscoped], at(4000))).toBe(2)
        expect((yield* repo.claimDue(at(4000), at(60_000), 100)).map((d) => [d.webhookId, d.eventId])).toEqual([[all.id, unscoped.id]])
        expect(claimed[0]).toMatchObject({ eventId: event.id, type: "routing.synced", body: event.body, attempts: 0 })
        expect(claimed.find((d) => d.webhookId === all.id)).toMatchObject({ url: all.url, secret: all.secret })
        yield* Effect.forEach(hooks, (h) => repo.delete(h.id))
      }))

    it.effect("claims due deliveries under a lease, records attempts and outcomes, and lists attempts newest first", () =>
      Effect.gen(function*() {
        const repo = yield* WebhookRepo
        const hook = makeHook()
        yield* repo.insert(hook)
        const [first, second] = [makeEvent(), makeEvent()]
        yield* repo.enqueue([first], at(1000))
        yield* repo.enqueue([second], at(2000))
        expect(yield* repo.claimDue(at(999), at(50_000), 10)).toEqual([])
        const [claimed] = yield* repo.claimDue(at(1500), at(50_000), 10)
        expect(claimed?.eventId).toBe(first.id)
        expect(yield* repo.claimDue(at(1500), at(50_000), 10)).toEqual([])
        yield* repo.recordAttempt(claimed!, attemptOf(first.id, 1500, 500, "receiver answered 500"), {
          _tag: "Retry",
          nextAttemptAt: at(3000)
        })
        const due = yield* repo.claimDue(at(3000), at(50_000), 10)
        expect(due.map((d) => [d.eventId, d.attempts])).toEqual([[first.id, 1], [second.id, 0]])
        yield* repo.recordAttempt(due[0]!, attemptOf(first.id, 3000, 200, null), { _tag: "Delivered" })
        yield* repo.recordAttempt(due[1]!, attemptOf(second.id, 3000, null, "the connection failed"), { _tag: "Failed" })
        expect(yield* repo.claimDue(at(100_000), at(200_000), 10)).toEqual([])
        expect(yield* repo.attempts(hook.id, 10)).toEqual([
          attemptOf(second.id, 3000, null, "the connection failed"),
          attemptOf(first.id, 3000, 200, null),
          attemptOf(first.id, 1500, 500, "receiver answered 500")
        ])
        expect(yield* repo.attempts(hook.id, 1)).toHaveLength(1)
        yield* repo.delete(hook.id)
      }))

    it.effect("enable makes due again, with attempts anew, the events a disabled hook missed, and leaves an active one", () =>
      Effect.gen(function*() {
        const repo = yield* WebhookRepo
        const hook = makeHook()
        yield* repo.insert(hook)
        /** Enqueues an event at `ms` and claims it, alone. */
        const claimOne = (ms: number) =>
          Effect.gen(function*() {
            const event = makeEvent()
            yield* repo.enqueue([event], at(ms))
            const [claimed] = yield* repo.claimDue(at(ms), at(ms + 60_000), 10)
            expect(claimed?.eventId).toBe(event.id)
            return { event, claimed: claimed! }
          })
        const before = yield* claimOne(1000)
        yield* repo.recordAttempt(before.claimed, attemptOf(before.event.id, 1200, 500, "receiver answered 500"), { _tag: "Failed" })
        const delivered = yield* claimOne(1300)
        yield* repo.recordAttempt(delivered.claimed, attemptOf(delivered.event.id, 1500, 204, null), { _tag: "Delivered" })
        const givenUp = yield* claimOne(1600)
        yield* repo.recordAttempt(givenUp.claimed, attemptOf(givenUp.event.id, 2000, null, "the connection failed"), { _tag: "Failed" })
        const retrying = yield* claimOne(2050)
        yield* repo.recordAttempt(retrying.claimed, attemptOf(retrying.event.id, 2100, 503, "receiver answered 503"), {
          _tag: "Retry",
          nextAttemptAt: at(9000)
        })
        yield* repo.failed(hook.id, at(2200), 2)
        expect(yield* repo.failed(hook.id, at(2500), 2)).toBe(true)
        const whileDisabled = makeEvent()
        expect(yield* repo.enqueue([whileDisabled], at(3000))).toBe(1)
        expect(yield* repo.claimDue(at(10_000), at(70_000), 10)).toEqual([])

        expect(yield* repo.enable(hook.id, at(4000))).toEqual(Option.some(3))
        expect(Option.getOrThrow(yield* repo.get(hook.id))).toMatchObject({ active: true, consecutiveFailures: 0, disabledAt: null })
        // Due at once, each with its attempts anew: the event given up since the last delivery, the one being retried,
        // and the one that came while it was disabled; not the one given up before that delivery.
        const due = yield* repo.claimDue(at(4000), at(70_000), 10)
        expect(due.map((d) => [d.eventId, d.attempts])).toEqual([
          [givenUp.event.id, 0],
          [retrying.event.id, 0],
          [whileDisabled.id, 0]
        ])
        expect(yield* repo.enable(hook.id, at(5000))).toEqual(Option.some(0))
        expect(yield* repo.enable(WebhookId.make(uuid()), at(5000))).toEqual(Option.none())
        yield* repo.delete(hook.id)
      }))

    it.effect("counts consecutive failures, resets them on success, and disables the hook at the limit once", () =>
      Effect.gen(function*() {
        const repo = yield* WebhookRepo
        const hook = makeHook()
        yield* repo.insert(hook)
        yield* repo.enqueue([makeEvent()], at(1000))
        expect(yield* repo.failed(hook.id, at(1), 3)).toBe(false)
        expect(yield* repo.failed(hook.id, at(2), 3)).toBe(false)
        yield* repo.succeeded(hook.id)
        expect(Option.getOrThrow(yield* repo.get(hook.id)).consecutiveFailures).toBe(0)
        expect(yield* repo.failed(hook.id, at(3), 3)).toBe(false)
        expect(yield* repo.failed(hook.id, at(4), 3)).toBe(false)
        expect(yield* repo.failed(hook.id, at(5), 3)).toBe(true)
        expect(yield* repo.failed(hook.id, at(6), 3)).toBe(false)
        expect(Option.getOrThrow(yield* repo.get(hook.id))).toMatchObject({
          active: false,
          disabledAt: at(5),
          consecutiveFailures: 4
        })
        expect(yield* repo.claimDue(at(100_000), at(200_000), 10)).toEqual([])
        yield* repo.delete(hook.id)
      }))
  })
