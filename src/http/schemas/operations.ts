import { z } from "@hono/zod-openapi"
import { CompanyId } from "../../domain/ids.ts"
import { DateTimeInput, idOf, rawText, Timestamp } from "./common.ts"
import { RoutingView } from "./jobs.ts"

export const RoutingDetailView = RoutingView.extend({
  attempts_log: z.array(z.object({
    at: Timestamp,
    outcome: z.string(),
    duration_ms: z.number().int(),
    error: z.string().nullable()
  }))
}).openapi("RoutingDetail")

export const WorkerView = z.object({
  company_id: z.string().openapi({ format: "uuid" }),
  /** The replica the actor runs in (see `GET /admin/replicas`). */
  replica: z.string(),
  state: z.enum(["running", "paused", "idle"]),
  consumer: z.string(),
  pending: z.number().int().nullable(),
  ack_pending: z.number().int().nullable(),
  redelivered: z.number().int().nullable(),
  in_flight: z.number().int(),
  circuit: z.enum(["closed", "open", "half_open"]),
  tokens: z.number().nullable(),
  rate_limited_until: Timestamp.nullable(),
  last_error: z.string().nullable()
}).openapi("Worker")

export const ReplicaView = z.object({
  id: z.string(),
  host: z.string(),
  version: z.string(),
  /** The partitions of the work stream it held at its last heartbeat. */
  partitions: z.array(z.number().int()),
  started_at: Timestamp,
  last_seen_at: Timestamp,
  /** Its last heartbeat is within a partition lease (`PARTITION_LEASE_SECONDS`). */
  alive: z.boolean(),
  /** The replica that answered. */
  self: z.boolean(),
  actors: z.number().int()
}).openapi("Replica")

export const PartitionView = z.object({
  partition: z.number().int(),
  consumer: z.string(),
  pending: z.number().int().nullable(),
  ack_pending: z.number().int().nullable(),
  redelivered: z.number().int().nullable()
}).openapi("Partition")

const ConsumerView = z.object({
  name: z.string(),
  pending: z.number().int(),
  ack_pending: z.number().int(),
  redelivered: z.number().int()
})

export const StreamView = z.object({
  name: z.string(),
  exists: z.boolean(),
  subjects: z.array(z.string()),
  messages: z.number().int(),
  bytes: z.number().int(),
  first_seq: z.number().int(),
  last_seq: z.number().int(),
  consumers: z.array(ConsumerView)
}).openapi("Stream")

export const DeadLetterView = z.object({
  id: z.number().int().openapi({ description: "The dead letter's sequence in the dead-letter stream" }),
  routing_id: z.string().nullable(),
  company_id: z.string().nullable(),
  reason: z.string(),
  attempts: z.number().int(),
  failed_at: Timestamp,
  subject: z.string().nullable()
}).openapi("DeadLetter")

export const DeadLetterIdParam = z.object({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "id", in: "path" }, type: "integer" })
})

export const DeadLetterQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) })

export const OutboxView = z.object({ pending: z.number().int(), oldest_pending_age_ms: z.number() }).openapi("OutboxBacklog")

export const MockLeadsQuery = z.object({
  company_id: idOf(CompanyId).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100)
})

export const MockLeadsView = z.object({
  items: z.array(z.object({
    external_id: z.string(),
    lead_id: z.string(),
    company_id: z.string().openapi({ format: "uuid" }),
    received_at: Timestamp
  })),
  total: z.number().int(),
  duplicates: z.number().int()
}).openapi("MockLeads")

/** `POST /admin/dlq/replay`: which dead letters; each field narrows, none takes every one. */
export const ReplayDeadLettersBody = z.strictObject({
  company_id: idOf(CompanyId).optional().openapi({ description: "Only the dead letters of this company" }),
  reason_contains: rawText(200).min(1).optional()
    .openapi({ description: "Only those whose reason contains this text, whatever its case" }),
  before: DateTimeInput.optional().openapi({ type: "string", format: "date-time", description: "Only those that failed before this" })
}).openapi("ReplayDeadLetters")

/** What a bulk replay did. */
export const ReplayDeadLettersView = z.object({
  count: z.number().int().openapi({ description: "Routings delivered again (their dead letters removed)" }),
  skipped: z.number().int().openapi({ description: "Dead letters matched but left: no routing named, or the routing is no longer failed" }),
  batches: z.number().int().openapi({ description: "Pages of the dead-letter stream read" })
}).openapi("ReplayDeadLettersResult")

/** `POST /admin/routings/retry`: the company whose failed routings are delivered again. */
export const RetryRoutingsBody = z.strictObject({
  company_id: idOf(CompanyId),
  status: z.literal("failed").openapi({ description: "Only failed routings are retried" })
}).openapi("RetryRoutings")

/** What a bulk retry did. */
export const RetryRoutingsView = z.object({
  count: z.number().int().openapi({ description: "Routings put back to pending and queued again" }),
  batches: z.number().int().openapi({ description: "Transactions it took (500 routings each)" })
}).openapi("RetryRoutingsResult")
