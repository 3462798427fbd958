import { Schema } from "effect"
import { CompanyId, EventId, JobId, RoutingId } from "./ids.ts"

/** Payload of `routing.created`: a routing that must be delivered to its company's provider. */
export const RoutingCreated = Schema.Struct({
  routing_id: RoutingId,
  job_id: JobId,
  company_id: CompanyId
})
export type RoutingCreated = typeof RoutingCreated.Type

/** A row of the transactional outbox, written in the same transaction as the change it announces. */
export interface OutboxEvent {
  readonly id: EventId
  readonly aggregateId: string
  readonly type: string
  readonly payload: unknown
  readonly traceparent: string | null
  readonly createdAt: Date
}
