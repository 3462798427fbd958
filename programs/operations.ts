import { Clock, Effect, Option } from "effect"
import { NotFound } from "../src/domain/errors.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { Broker } from "../src/services/Broker.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { MockLeadStore } from "../src/services/MockLeads.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { DeliveryDirectory } from "../src/services/Actors.ts"
import { currentTopology } from "./brokerTopology.ts"
import { requireAdmin, requireSeesAll } from "./access.ts"
import { deploymentActors } from "./replicas.ts"

/**
 * Every company actor of the deployment (see `deploymentActors`), with the messages stored for its company, and every
 * partition's consumer as the broker reports it.
 */
export const listWorkers = Effect.fn("Operations.workers")(function*() {
  yield* requireSeesAll
  const broker = yield* Broker
  const names = yield* currentTopology
  const actors = yield* deploymentActors
  const stored = new Map<string, number>()
  for (const filter of names.workSubjects) {
    for (const [subject, count] of yield* broker.subjectCounts(names.workStream, filter)) {
      const companyId = names.companyOfSubject(subject)
      if (companyId !== null) stored.set(companyId, (stored.get(companyId) ?? 0) + count)
    }
  }
  const consumers = new Map((yield* broker.consumers(names.workStream)).map((c) => [c.name, c]))
  return {
    actors: actors.map(({ replica, status }) => ({ replica, status, stored: stored.get(status.companyId) ?? 0 })),
    partitions: Array.from({ length: names.partitions }, (_, partition) => ({
      partition,
      consumer: Option.fromNullable(consumers.get(names.partitionConsumer(partition)))
    }))
  }
})

/**
 * Pauses or resumes delivery to a company. This process's actor has the pause before the answer, so no provider call for
 * the company starts here after it; other processes pick it up within a couple of seconds.
 */
export const setDeliveryPaused = Effect.fn("Operations.setDeliveryPaused")(function*(companyId: CompanyId, paused: boolean) {
  yield* requireAdmin
  const updated = yield* (yield* CompanyRepo).update(companyId, { deliveryPaused: paused }, yield* now)
  if (Option.isNone(updated)) return yield* new NotFound({ resource: "company", id: companyId })
  yield* (yield* DeliveryDirectory).setPaused(companyId, paused)
  yield* Effect.logInfo(paused ? "delivery paused" : "delivery resumed").pipe(Effect.annotateLogs({ company_id: companyId }))
  return updated.value
})

/** The streams the service owns, and the consumers of its work stream. */
export const listStreams = Effect.fn("Operations.streams")(function*() {
  yield* requireSeesAll
  const broker = yield* Broker
  const names = yield* currentTopology
  return yield* Effect.forEach([names.workStream, names.deadLetterStream], (stream) =>
    Effect.all({ stream: broker.streamState(stream), consumers: broker.consumers(stream) }).pipe(
      Effect.map(({ stream: state, consumers }) => ({ name: stream, state, consumers }))
    ))
})

/** How many outbox events due wait to be published, and for how long the longest waiting has (held ones not counted). */
export const outboxBacklog = Effect.fn("Operations.outbox")(function*() {
  yield* requireSeesAll
  const nowMs = yield* Clock.currentTimeMillis
  const backlog = yield* (yield* OutboxRepo).backlog(new Date(nowMs))
  return {
    pending: backlog.pending,
    oldestPendingAgeMs: backlog.oldestDueAt === null ? 0 : Math.max(0, nowMs - backlog.oldestDueAt.getTime())
  }
})

/** What the mock provider received. */
export const listMockLeads = Effect.fn("Operations.mockLeads")(function*(companyId: CompanyId | null, limit: number) {
  yield* requireSeesAll
  return yield* (yield* MockLeadStore).list(companyId, limit)
})
