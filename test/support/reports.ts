import { Effect } from "effect"
import type { CompanyId } from "../../src/domain/ids.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { routedJob } from "./sla.ts"

/** What became of a delivered lead: left open, completed with a revenue, or canceled at the provider or by us. */
export type LeadOutcome = "open" | { readonly revenue: number } | "canceled_at_provider" | "canceled_by_us"

/**
 * A job of `creator` accepted at `acceptedAt`, its routing to `receiver` delivered `deliveredAfterMs` later and then
 * moved to `outcome` through the repositories, as status polling or a cancel would.
 */
export const deliveredLead = (
  creator: CompanyId,
  receiver: CompanyId,
  acceptedAt: Date,
  deliveredAfterMs: number,
  outcome: LeadOutcome = "open"
) =>
  Effect.gen(function*() {
    const { routingId } = yield* routedJob(creator, receiver, acceptedAt, { deliveredAfterMs })
    const routings = yield* RoutingRepo
    const later = new Date(acceptedAt.getTime() + deliveredAfterMs + 1000)
    if (outcome === "canceled_by_us") {
      yield* routings.cancelDelivered(routingId, { outcome: "canceled_locally", note: null, at: later, durationMs: 0 })
    } else if (outcome === "canceled_at_provider") {
      yield* routings.recordStatus(routingId, { externalStatus: "canceled", revenue: null, completedAt: null }, later)
    } else if (outcome !== "open") {
      yield* routings.recordStatus(routingId, { externalStatus: "completed", revenue: outcome.revenue, completedAt: later }, later)
    }
    return routingId
  })
