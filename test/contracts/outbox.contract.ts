import { expect, layer } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { EventId } from "../../src/domain/ids.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { Transactions } from "../../src/services/Transactions.ts"
import { at, uuid } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

/** The behaviour every implementation of the outbox repository must have; run against each layer. */
export const outboxContract = <E>(name: string, repositories: Layer.Layer<Repositories, E>) =>
  layer(repositories)(`repositories: ${name}`, (it) => {
    it.effect("outbox events wait, oldest first, until published", () =>
      Effect.gen(function*() {
        const outbox = yield* OutboxRepo
        const aggregate = uuid()
        const events = [2, 1].map((n) => ({
          id: EventId.make(uuid()),
          aggregateId: aggregate,
          type: "routing.created",
          payload: { n },
          traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`,
          createdAt: at(-1_000_000 + n)
        }))
        yield* outbox.append(events)
        const pending = (yield* outbox.pending(1000)).filter((e) => e.aggregateId === aggregate)
        expect(pending).toEqual([events[1], events[0]])
      }))

    it.effect("the outbox hands out unpublished events to claim and forgets them once marked published", () =>
      Effect.gen(function*() {
        const outbox = yield* OutboxRepo
        const transactions = yield* Transactions
        const event = {
          id: EventId.make(uuid()),
          aggregateId: uuid(),
          type: "routing.created",
          payload: { x: 1 },
          traceparent: null,
          createdAt: at(-900_000_000)
        }
        yield* outbox.append([event])
        const backlog = yield* outbox.backlog(new Date())
        expect(backlog.pending).toBeGreaterThanOrEqual(1)
        expect(backlog.oldestDueAt!.getTime()).toBeLessThanOrEqual(event.createdAt.getTime())
        const claimed = yield* transactions.run(outbox.claimUnpublished(10_000, new Date(), "immediate"))
        expect(claimed.map((e) => e.id)).toContain(event.id)
        yield* outbox.markPublished([event.id], at(1))
        expect((yield* outbox.pending(10_000)).map((e) => e.id)).not.toContain(event.id)
      }))
  })
