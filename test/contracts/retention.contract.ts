import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { CompanyId, EventId } from "../../src/domain/ids.ts"
import type { WebhookEvent } from "../../src/domain/webhook.ts"
import { ArchiveRepo } from "../../src/services/Archive.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { IdempotencyRepo } from "../../src/services/Idempotency.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { MockLeadStore } from "../../src/services/MockLeads.ts"
import { WebhookRepo } from "../../src/services/Webhooks.ts"
import { at, makeCompany, makeHook, makeJob, uuid } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

const DAY = 86_400_000

const leadAt = (companyId: CompanyId, ms: number) => ({
  leadId: `mock-${uuid()}`,
  companyId,
  externalId: uuid(),
  payload: {},
  receivedAt: at(ms)
})

/** Calls `deleteBatch` until it deletes nothing; answers how many it deleted in all. */
const drain = (deleteBatch: Effect.Effect<number, unknown>): Effect.Effect<number, unknown> =>
  Effect.flatMap(deleteBatch, (n) => n === 0 ? Effect.succeed(0) : Effect.map(drain(deleteBatch), (rest) => rest + n))

/** What the retention sweep deletes, table by table; run against every implementation of the repositories. */
export const retentionContract = <E>(
  name: string,
  repositories: Layer.Layer<Repositories | ArchiveRepo | WebhookRepo, E>
) =>
  layer(repositories)(`retention: ${name}`, (it) => {
    it.effect("idempotency keys created before the cutoff are deleted, oldest first, and their keys are free again", () =>
      Effect.gen(function*() {
        const repo = yield* IdempotencyRepo
        const [k1, k2, k3] = [uuid(), uuid(), uuid()]
        const claim = (key: string, ms: number) =>
          repo.claim([{ scope: "admin", key, requestHash: key }], { now: at(ms), expiresBefore: at(-100 * DAY) })
        yield* claim(k1, -3000)
        yield* claim(k2, -2000)
        yield* claim(k3, -1000)
        yield* repo.complete([k1, k2, k3].map((key) => ({ scope: "admin", key, response: { key } })))

        expect(yield* repo.deleteExpired(at(-1500), 1)).toBe(1)
        expect(yield* repo.deleteExpired(at(-1500), 10)).toBe(1)
        expect(yield* repo.deleteExpired(at(-1500), 10)).toBe(0)
        expect(yield* claim(k3, 0)).toEqual([{ _tag: "Held", requestHash: k3, response: { key: k3 } }])
        expect(yield* claim(k1, 0)).toEqual([{ _tag: "Claimed" }])
        expect(yield* claim(k2, 0)).toEqual([{ _tag: "Claimed" }])
      }))

    it.effect("finished webhook deliveries enqueued before the cutoff go with their attempts; pending ones stay", () =>
      Effect.gen(function*() {
        const repo = yield* WebhookRepo
        const hook = makeHook({ createdAt: at(-100 * DAY) })
        yield* repo.insert(hook)
        const event = (): WebhookEvent => {
          const id = EventId.make(uuid())
          return { id, type: "routing.synced", companyId: null, createdAt: at(-50 * DAY), body: `{"id":"${id}"}` }
        }
        const [delivered, failed, pending, recent] = [event(), event(), event(), event()]
        yield* repo.enqueue([delivered, failed, pending], at(-40 * DAY))
        yield* repo.enqueue([recent], at(-1 * DAY))
        const attemptOf = (eventId: EventId, ms: number) =>
          ({ eventId, type: "routing.synced", at: at(ms), statusCode: 500, durationMs: 5, error: "500" })
        const due = yield* repo.claimDue(at(0), at(1000), 10)
        const byEvent = (id: EventId) => due.find((d) => d.eventId === id)!
        yield* repo.recordAttempt(byEvent(delivered.id), attemptOf(delivered.id, -40 * DAY), { _tag: "Delivered" })
        yield* repo.recordAttempt(byEvent(failed.id), attemptOf(failed.id, -40 * DAY), { _tag: "Failed" })
        yield* repo.recordAttempt(byEvent(pending.id), attemptOf(pending.id, -40 * DAY), { _tag: "Retry", nextAttemptAt: at(2000) })
        yield* repo.recordAttempt(byEvent(recent.id), attemptOf(recent.id, -1 * DAY), { _tag: "Delivered" })

        expect(yield* repo.deleteFinishedBefore(at(-30 * DAY), 1)).toBe(1)
        expect(yield* repo.deleteFinishedBefore(at(-30 * DAY), 10)).toBe(1)
        expect(yield* repo.deleteFinishedBefore(at(-30 * DAY), 10)).toBe(0)
        expect((yield* repo.attempts(hook.id, 10)).map((a) => a.eventId).sort()).toEqual([pending.id, recent.id].sort())
        expect((yield* repo.claimDue(at(3000), at(4000), 10)).map((d) => d.eventId)).toEqual([pending.id])
        yield* repo.delete(hook.id)
      }))

    it.effect("mock leads received before the cutoff are deleted in bounded batches, sweeps at once deleting each once", () =>
      Effect.gen(function*() {
        const leads = yield* MockLeadStore
        const company = CompanyId.make(uuid())
        yield* leads.record(Array.from({ length: 30 }, (_, i) => leadAt(company, -60 * DAY + i)))
        yield* leads.record([leadAt(company, -DAY)])

        expect(yield* leads.deleteReceivedBefore(at(-30 * DAY), 4)).toBe(4)
        const swept = yield* Effect.all(
          Array.from({ length: 3 }, () => drain(leads.deleteReceivedBefore(at(-30 * DAY), 4))),
          { concurrency: "unbounded" }
        )
        expect(swept.reduce((a, b) => a + b, 0)).toBe(26)
        const page = yield* leads.list(company, 10)
        expect(page.total).toBe(1)
        expect(page.items[0]?.receivedAt).toEqual(at(-DAY))
      }))

    it.effect("jobs archived before the cutoff are deleted from the archive; later ones stay", () =>
      Effect.gen(function*() {
        const archive = yield* ArchiveRepo
        const jobs = yield* JobRepo
        const [creator, receiver] = [makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, receiver], (yield* CompanyRepo).insert)
        const finished = () => makeJob(creator.id, [receiver.id], { createdAt: at(-900 * DAY), status: "completed" })
        const [old, young] = [finished(), finished()]
        yield* jobs.insert([old])
        expect(yield* archive.archiveBatch(at(-800 * DAY), at(-400 * DAY), 10)).toEqual([old.id])
        yield* jobs.insert([young])
        expect(yield* archive.archiveBatch(at(-800 * DAY), at(-10 * DAY), 10)).toEqual([young.id])

        expect(yield* archive.deleteArchivedBefore(at(-365 * DAY), 10)).toBe(1)
        expect(yield* archive.deleteArchivedBefore(at(-365 * DAY), 10)).toBe(0)
        expect(yield* archive.findArchivedJob(old.id)).toEqual(Option.none())
        expect(Option.isSome(yield* archive.findArchivedJob(young.id))).toBe(true)
      }))
  })
