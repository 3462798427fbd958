import { Effect } from "effect"
import { RoutingCreated } from "../src/domain/events.ts"
import type { RoutingId } from "../src/domain/ids.ts"
import { AlertRepo } from "../src/services/Alerts.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { outboxEvent } from "./outboxEvent.ts"

/**
 * Puts those of the routings that are `failed` back to `pending`, queues each again through the outbox (a
 * `routing.created` event, as at intake) and resolves its `dead_letter.added` alert, in one transaction; answers the ids
 * reopened. A routing no longer `failed` (retried already) is left alone, so running it twice over the same routings
 * queues each once.
 */
export const reopenRoutings = Effect.fn("Routings.reopenMany")(function*(ids: ReadonlyArray<RoutingId>, at: Date) {
  const routings = yield* RoutingRepo
  const outbox = yield* OutboxRepo
  const alerts = yield* AlertRepo
  return yield* (yield* Transactions).run(Effect.gen(function*() {
    const reopened = yield* routings.reopenMany(ids, at)
    const events = yield* Effect.forEach(reopened, (r) =>
      outboxEvent(
        "routing.created",
        r.routingId,
        RoutingCreated.make({ routing_id: r.routingId, job_id: r.jobId, company_id: r.companyId, priority: r.priority }),
        at
      ))
    if (events.length > 0) {
      yield* outbox.append(events)
      yield* alerts.resolveMany(reopened.map((r) => ({ kind: "dead_letter.added", companyId: r.companyId, routingId: r.routingId })), at)
    }
    return new Set<RoutingId>(reopened.map((r) => r.routingId))
  }))
})
