import { Schema } from "effect"
import { CompanyId, EventId, JobId, RoutingId } from "./ids.ts"
import { Priority } from "./job.ts"

/** The fields every routing event starts with: which routing, of which job, for which company. */
const routingFields = { routing_id: RoutingId, job_id: JobId, company_id: CompanyId }

/** The fields every alert event starts with: the company and a human message naming it. */
const alertFields = { company_id: CompanyId, message: Schema.String }

/** The fields of an alert about one routing. */
const routingAlertFields = { ...alertFields, routing_id: RoutingId, job_id: JobId }

/**
 * Payload of `routing.created`: a routing that must be delivered to its company's provider, with its job's priority
 * (which orders the company's deliveries; a message written before it was carried counts as `normal`).
 */
export const RoutingCreated = Schema.Struct({
  ...routingFields,
  priority: Schema.optionalWith(Priority, { default: () => "normal" })
})
export type RoutingCreated = typeof RoutingCreated.Type

/** Payload of `routing.synced`: the provider accepted the lead. */
export const RoutingSynced = Schema.Struct({
  ...routingFields,
  external_id: Schema.String,
  synced_at: Schema.String
})
export type RoutingSynced = typeof RoutingSynced.Type

/** Payload of `routing.failed`: delivery gave up (permanent failure or attempts exhausted); the routing is dead-lettered. */
export const RoutingFailed = Schema.Struct({
  ...routingFields,
  attempts: Schema.Int,
  error: Schema.String,
  failed_at: Schema.String
})
export type RoutingFailed = typeof RoutingFailed.Type

/** Payload of `routing.status_changed`: status polling found the lead further along at the provider. */
export const RoutingStatusChanged = Schema.Struct({
  ...routingFields,
  previous_status: Schema.NullOr(Schema.String),
  external_status: Schema.NullOr(Schema.String),
  revenue: Schema.NullOr(Schema.Number),
  completed_at: Schema.NullOr(Schema.String)
})
export type RoutingStatusChanged = typeof RoutingStatusChanged.Type

/** Payload of `job.completed`: a lead of the job was completed at its provider. */
export const JobCompleted = Schema.Struct({ job_id: JobId, completed_at: Schema.String })
export type JobCompleted = typeof JobCompleted.Type

/** Payload of `job.canceled`: every routing of the job is canceled. */
export const JobCanceled = Schema.Struct({ job_id: JobId, canceled_at: Schema.String })
export type JobCanceled = typeof JobCanceled.Type

/** Payload of `circuit.opened`: the company's circuit opened; its provider is not called until `resume_at`. */
export const CircuitOpened = Schema.Struct({
  ...alertFields,
  opened_at: Schema.String,
  resume_at: Schema.NullOr(Schema.String)
})
export type CircuitOpened = typeof CircuitOpened.Type

/** Payload of `circuit.closed`: a probe succeeded and the company's deliveries flow again. */
export const CircuitClosed = Schema.Struct({ ...alertFields, closed_at: Schema.String })
export type CircuitClosed = typeof CircuitClosed.Type

/** Payload of `provider.credentials_invalid`: the provider answered 401 or 403 to a call for the company. */
export const CredentialsInvalid = Schema.Struct({
  ...alertFields,
  status: Schema.Int,
  routing_id: Schema.NullOr(RoutingId),
  job_id: Schema.NullOr(JobId)
})
export type CredentialsInvalid = typeof CredentialsInvalid.Type

/** Payload of `dead_letter.added`: a routing was given up and copied to the dead letters. */
export const DeadLetterAdded = Schema.Struct({
  ...routingAlertFields,
  attempts: Schema.Int,
  reason: Schema.String
})
export type DeadLetterAdded = typeof DeadLetterAdded.Type

/** Payload of `sla.breached`: a routing is not delivered 5 minutes after it was due. */
export const SlaBreached = Schema.Struct({
  ...routingAlertFields,
  due_at: Schema.String
})
export type SlaBreached = typeof SlaBreached.Type

/** The alerts announced as events (see `domain/alerts.ts`); each carries `company_id` and a human `message`. */
export const AlertEventType = Schema.Literal(
  "circuit.opened",
  "circuit.closed",
  "provider.credentials_invalid",
  "dead_letter.added",
  "sla.breached"
)
export type AlertEventType = typeof AlertEventType.Type

/** The events the service announces to subscribers (through the outbox and the events stream). */
export const DomainEventType = Schema.Literal(
  "routing.synced",
  "routing.failed",
  "routing.status_changed",
  "job.completed",
  "job.canceled",
  ...AlertEventType.literals
)
export type DomainEventType = typeof DomainEventType.Type

export const isDomainEventType = Schema.is(DomainEventType)

/** A row of the transactional outbox, written in the same transaction as the change it announces. */
export interface OutboxEvent {
  readonly id: EventId
  readonly aggregateId: string
  readonly type: string
  readonly payload: unknown
  readonly traceparent: string | null
  readonly createdAt: Date
  /** Held until then: the relay publishes it no earlier. Absent: as soon as it is written. */
  readonly availableAt?: Date
}
