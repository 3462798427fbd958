import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import type { OutboxEvent } from "../../src/domain/events.ts"
import { type CompanyId, EventId } from "../../src/domain/ids.ts"
import type { Job } from "../../src/domain/job.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { SlaRepo } from "../../src/services/Sla.ts"
import { Transactions } from "../../src/services/Transactions.ts"
import { at, makeCompany, makeJob, uuid } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

const MINUTE = 60_000

const later = (date: Date, ms: number) => new Date(date.getTime() + ms)

/** A creating company and `receivers` receiving ones, written. */
const companies = (receivers: number) =>
  Effect.gen(function*() {
    const made = Array.from({ length: receivers + 1 }, () => makeCompany())
    yield* Effect.forEach(made, (yield* CompanyRepo).insert)
    return { creator: made[0]!.id, receivers: made.slice(1).map((c) => c.id) }
  })

/** A job accepted at `createdAt` to deliver after `deliverAfter`, its routings in `status`, written. */
const scheduledJob = (
  creator: CompanyId,
  receivers: ReadonlyArray<CompanyId>,
  createdAt: Date,
  deliverAfter: Date,
  status: "scheduled" | "pending" = "scheduled"
) =>
  Effect.gen(function*() {
    const job = makeJob(creator, receivers, { createdAt, deliverAfter })
    const written: Job = { ...job, routings: job.routings.map((r) => ({ ...r, syncStatus: status })) }
    yield* (yield* JobRepo).insert([written])
    return written
  })

/** The `routing.created` event of each routing of the job, made at its acceptance and held until `availableAt`. */
const heldEvents = (job: Job, availableAt: Date): ReadonlyArray<OutboxEvent> =>
  job.routings.map((r) => ({
    id: EventId.make(uuid()),
    aggregateId: r.id,
    type: "routing.created",
    payload: { routing_id: r.id, job_id: job.id, company_id: r.companyId },
    traceparent: null,
    createdAt: job.createdAt,
    availableAt
  }))

const statusesOf = (id: Job["id"]) =>
  Effect.map(Effect.flatMap(JobRepo, (jobs) => jobs.get(id)), (job) => Option.getOrThrow(job).routings.map((r) => r.syncStatus))

/** Scheduled jobs in storage: held outbox events, the release of due routings, cancel and the SLA; run against every layer. */
export const scheduledContract = <E>(name: string, repositories: Layer.Layer<Repositories | SlaRepo, E>) =>
  layer(repositories)(`scheduled jobs: ${name}`, (it) => {
    it.effect("a scheduled job reads back with its deliver_after and its routings scheduled; cancel takes them", () =>
      Effect.gen(function*() {
        const { creator, receivers } = yield* companies(2)
        const job = yield* scheduledJob(creator, receivers, at(-50 * MINUTE), at(-20 * MINUTE))
        const jobs = yield* JobRepo
        expect(Option.getOrThrow(yield* jobs.get(job.id))).toEqual(job)
        expect((yield* jobs.list({ status: null, involving: creator, createdAfter: null, priority: null, after: null, limit: 10 }))
          .map((j) => j.deliverAfter)).toEqual([at(-20 * MINUTE)])
        const routings = yield* RoutingRepo
        expect(yield* routings.cancel(job.routings[0]!.id, at(-49 * MINUTE))).toBe(true)
        expect([...(yield* jobs.cancelUndelivered(job.id, at(-48 * MINUTE)))]).toEqual([job.routings[1]!.id])
        expect(yield* statusesOf(job.id)).toEqual(["canceled", "canceled"])
      }))

    it.effect("the routings of due held events become pending: not before, not canceled ones, not once published", () =>
      Effect.gen(function*() {
        const { creator, receivers } = yield* companies(2)
        const base = at(10 * 86_400_000)
        const due = later(base, 10 * MINUTE)
        const soon = yield* scheduledJob(creator, receivers, base, due)
        const afterwards = yield* scheduledJob(creator, receivers, base, later(due, MINUTE))
        const published = yield* scheduledJob(creator, receivers.slice(0, 1), base, due)
        const outbox = yield* OutboxRepo
        const routings = yield* RoutingRepo
        const publishedEvents = heldEvents(published, due)
        yield* outbox.append([...heldEvents(soon, due), ...heldEvents(afterwards, later(due, MINUTE)), ...publishedEvents])
        yield* outbox.markPublished(publishedEvents.map((e) => e.id), base)
        yield* routings.cancel(soon.routings[1]!.id, base)

        yield* routings.releaseDue(later(due, -1))
        expect(yield* statusesOf(soon.id)).toEqual(["scheduled", "canceled"])
        expect(yield* routings.releaseDue(due)).toBe(1)
        expect(yield* statusesOf(soon.id)).toEqual(["pending", "canceled"])
        expect(yield* statusesOf(afterwards.id)).toEqual(["scheduled", "scheduled"])
        expect(yield* statusesOf(published.id)).toEqual(["scheduled"])
        const released = Option.getOrThrow(yield* routings.get(soon.routings[0]!.id)).routing
        expect(released.updatedAt).toEqual(due)
        expect(yield* routings.releaseDue(due)).toBe(0)
      }))

    it.effect("a scheduled routing is no breach, and a released one counts from deliver_after, not acceptance", () =>
      Effect.gen(function*() {
        const { creator, receivers } = yield* companies(1)
        const sla = yield* SlaRepo
        const routings = yield* RoutingRepo
        const base = at(20 * 86_400_000)
        const to = later(base, 60 * MINUTE)
        const waiting = yield* scheduledJob(creator, receivers, base, later(base, 40 * MINUTE))
        const released = yield* scheduledJob(creator, receivers, base, later(base, 20 * MINUTE), "pending")
        const delivered = yield* scheduledJob(creator, receivers, base, later(base, 30 * MINUTE), "pending")
        const id = delivered.routings[0]!.id
        yield* routings.claim(id, later(base, 30 * MINUTE), later(base, 31 * MINUTE))
        yield* routings.finish([{
          id,
          leaseUntil: later(base, 31 * MINUTE),
          result: { _tag: "Synced", externalId: `lead-${id}`, outcome: "created" },
          timing: { at: later(base, 32 * MINUTE), durationMs: 5 }
        }])

        expect(yield* sla.summary({ from: base, to: later(base, 24 * MINUTE), limitMs: 5 * MINUTE })).toMatchObject({
          delivered: 1,
          p50Ms: 2 * MINUTE,
          breaches: 0
        })
        expect(yield* sla.summary({ from: base, to, limitMs: 5 * MINUTE })).toMatchObject({ breaches: 1 })
        // Other tests' routings, due earlier, may be handed out too.
        const jobIds = new Set([waiting.id, released.id, delivered.id])
        const claimBreaches = (dueBefore: Date) =>
          Effect.map(sla.claimBreaches(dueBefore, to, 100), (breaches) => breaches.filter((b) => jobIds.has(b.jobId)))
        expect(yield* claimBreaches(later(base, 19 * MINUTE))).toEqual([])
        expect(yield* claimBreaches(later(base, 50 * MINUTE))).toEqual([{
          routingId: released.routings[0]!.id,
          jobId: released.id,
          companyId: receivers[0],
          dueAt: later(base, 20 * MINUTE),
          syncStatus: "pending"
        }])
      }))

    it.effect("held events are claimed, and counted as backlog, only once due, in the order they came due", () =>
      Effect.gen(function*() {
        const outbox = yield* OutboxRepo
        const transactions = yield* Transactions
        const base = at(400 * 86_400_000)
        const event = (createdAt: Date, availableAt?: Date): OutboxEvent => ({
          id: EventId.make(uuid()),
          aggregateId: uuid(),
          type: "routing.created",
          payload: { n: 1 },
          traceparent: null,
          createdAt,
          ...(availableAt === undefined ? {} : { availableAt })
        })
        const now = event(base)
        const inTen = event(base, later(base, 10 * MINUTE))
        const inFive = event(later(base, 1), later(base, 5 * MINUTE))
        yield* outbox.append([inTen, now, inFive])
        const ids = new Set([now.id, inTen.id, inFive.id])
        const claim = (at: Date) =>
          Effect.map(
            transactions.run(Effect.zipWith(
              outbox.claimUnpublished(10_000, at, "immediate"),
              outbox.claimUnpublished(10_000, at, "held"),
              (immediate, held) => [...immediate, ...held]
            )),
            (events) => events.filter((e) => ids.has(e.id))
          )

        expect(yield* claim(later(base, MINUTE))).toEqual([now])
        expect(yield* claim(later(base, 11 * MINUTE))).toEqual([now, inFive, inTen])
        expect(yield* outbox.nextHeld(later(base, MINUTE))).toEqual(Option.some(later(base, 5 * MINUTE)))
        expect(yield* outbox.nextHeld(later(base, 5 * MINUTE))).toEqual(Option.some(later(base, 10 * MINUTE)))
        expect(yield* outbox.nextHeld(later(base, 10 * MINUTE))).toEqual(Option.none())

        yield* outbox.markPublished([now.id], base)
        const early = yield* outbox.backlog(later(base, MINUTE))
        const due = yield* outbox.backlog(later(base, 6 * MINUTE))
        expect(due.pending - early.pending).toBe(1)
        expect(due.oldestDueAt).not.toBeNull()
        expect(due.oldestDueAt!.getTime()).toBeLessThanOrEqual(later(base, 5 * MINUTE).getTime())
        expect((yield* outbox.pending(10_000)).filter((e) => ids.has(e.id))).toEqual([inTen, inFive])
      }))
  })
