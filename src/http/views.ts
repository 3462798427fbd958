import type { z } from "@hono/zod-openapi"
import { Option } from "effect"
import type { DeadLetter } from "../../programs/deadLetters.ts"
import type { ApiKey } from "../domain/apiKey.ts"
import type { Company, Technician } from "../domain/company.ts"
import type { Exclusion } from "../domain/companyIndex.ts"
import type { Job, Routing } from "../domain/job.ts"
import type { MatchSeen } from "../domain/access.ts"
import type { Alert } from "../domain/alerts.ts"
import type { SlaSummary } from "../domain/sla.ts"
import type { Webhook, WebhookAttempt } from "../domain/webhook.ts"
import type { MockLead } from "../services/MockLeads.ts"
import type { RoutingAttempt } from "../services/Routings.ts"
import type { MinuteCounts } from "../services/Sla.ts"
import { AlertView } from "./schemas/alerts.ts"
import { ApiKeyView } from "./schemas/apiKeys.ts"
import { CompanyView, TechnicianView } from "./schemas/companies.ts"
import type { ConsumerState, StreamState } from "../services/Broker.ts"
import type { ReplicaRecord } from "../services/Partitions.ts"
import type { ActorStatus } from "../services/Actors.ts"
import { type ExclusionView, JobView, type MatchView, RoutingView } from "./schemas/jobs.ts"
import {
  DeadLetterView,
  MockLeadsView,
  type PartitionView,
  type ReplicaView,
  RoutingDetailView,
  type StreamView,
  type WorkerView
} from "./schemas/operations.ts"
import { SlaView, ThroughputView } from "./schemas/sla.ts"
import { WebhookAttemptView, WebhookView } from "./schemas/webhooks.ts"
import { viewOf } from "./viewOf.ts"

/** Domain values as the API shows them: snake_case, RFC 3339 UTC timestamps, secrets never included. */
const iso = (d: Date): string => d.toISOString()

/** A page of a list as every list answers it: its items, and the cursor of the next page (null on the last). */
export const pageView = <A, V>(
  page: { readonly items: ReadonlyArray<A>; readonly nextCursor: string | null },
  view: (item: A) => V
) => ({
  items: page.items.map((item) => view(item)),
  next_cursor: page.nextCursor
})

/** A company as every route answers it: its provider's credentials only as whether they are set. */
export const companyView = (c: Company): z.input<typeof CompanyView> =>
  viewOf(CompanyView, c, {
    provider: c.provider === null ? null : {
      type: c.provider.type,
      config: c.provider.config,
      credentials_set: c.provider.credentials !== null,
      active: c.provider.active
    }
  })

/** A technician. */
export const technicianView = (t: Technician): z.input<typeof TechnicianView> => viewOf(TechnicianView, t)

/** A routing: `company_id_received` is the company it is delivered to. */
export const routingView = (r: Routing): z.input<typeof RoutingView> =>
  viewOf(RoutingView, r, { company_id_received: r.companyId })

/** A routing with its delivery attempts. */
export const routingDetailView = (
  detail: { readonly routing: Routing; readonly attempts: ReadonlyArray<RoutingAttempt> }
): z.input<typeof RoutingDetailView> => ({
  ...routingView(detail.routing),
  attempts_log: detail.attempts.map((a) => viewOf(RoutingDetailView.shape.attempts_log.element, a))
})

/** A live job with its routings. */
export const jobView = (j: Job): z.input<typeof JobView> =>
  viewOf(JobView, j, {
    address: viewOf(JobView.shape.address, j.address),
    routings: j.routings.map(routingView),
    archived: false
  })

/** A job read by id: live, or from the archive. */
export const foundJobView = (found: { readonly job: Job; readonly archived: boolean }): z.input<typeof JobView> => ({
  ...jobView(found.job),
  archived: found.archived
})

export const matchView = (m: MatchSeen): z.input<typeof MatchView> => ({
  ...(m.companyId === undefined ? {} : { company_id: m.companyId }),
  ...(m.companyName === undefined ? {} : { company_name: m.companyName }),
  score: m.score,
  matched_skills: [...m.matchedSkills],
  reason: m.reason
})

export const exclusionView = (e: MatchSeen<Exclusion>): z.input<typeof ExclusionView> => ({
  ...(e.companyId === undefined ? {} : { company_id: e.companyId }),
  ...(e.companyName === undefined ? {} : { company_name: e.companyName }),
  reason: e.reason
})

/** An API key: what it is and when it was used, never the key or its hash. */
export const apiKeyView = (k: ApiKey): z.input<typeof ApiKeyView> => viewOf(ApiKeyView, k)

/** A webhook; never its secret. */
export const webhookView = (hook: Webhook): z.input<typeof WebhookView> => viewOf(WebhookView, hook)

/** One delivery attempt of a webhook: `delivered` when the receiver answered 2xx. */
export const webhookAttemptView = (attempt: WebhookAttempt): z.input<typeof WebhookAttemptView> =>
  viewOf(WebhookAttemptView, attempt, { status: attempt.error === null ? "delivered" : "failed" })

/** An open alert: `type` is its kind, the event that announced it. */
export const alertView = (alert: Alert): z.input<typeof AlertView> => viewOf(AlertView, alert, { type: alert.kind })

/** The delivery SLA over a window. */
export const slaView = (sla: SlaSummary & { readonly window: string; readonly from: Date; readonly to: Date }) =>
  viewOf(SlaView, sla)

/** Jobs accepted and routings delivered in one minute. */
export const minuteView = (minute: MinuteCounts) => viewOf(ThroughputView.shape.items.element, minute)

/** A lead the mock provider received. */
export const mockLeadView = (lead: MockLead) => viewOf(MockLeadsView.shape.items.element, lead)

/** A company actor: `pending` counts the company's messages stored in the work stream, `ack_pending` those it holds or works on. */
export const workerView = (
  entry: { readonly replica: string; readonly status: ActorStatus; readonly stored: number }
): z.input<typeof WorkerView> => {
  const { status } = entry
  return {
    company_id: status.companyId,
    replica: entry.replica,
    state: status.paused || status.rateLimitedUntil !== null ? "paused" : status.inFlight > 0 ? "running" : "idle",
    consumer: status.consumer,
    pending: Math.max(0, entry.stored - status.held - status.inFlight),
    ack_pending: status.held + status.inFlight,
    redelivered: null,
    in_flight: status.inFlight,
    circuit: status.circuit,
    tokens: status.tokens,
    rate_limited_until: status.rateLimitedUntil === null ? null : iso(status.rateLimitedUntil),
    last_error: status.lastError
  }
}

export const replicaView = (
  replica: ReplicaRecord & { readonly alive: boolean; readonly self: boolean }
): z.input<typeof ReplicaView> => ({
  id: replica.id,
  host: replica.host,
  version: replica.version,
  partitions: [...replica.partitions],
  started_at: iso(replica.startedAt),
  last_seen_at: iso(replica.heartbeatAt),
  alive: replica.alive,
  self: replica.self,
  actors: replica.actors.length
})

export const partitionView = (
  entry: { readonly partition: number; readonly consumer: Option.Option<ConsumerState> }
): z.input<typeof PartitionView> => {
  const consumer = Option.getOrNull(entry.consumer)
  return {
    partition: entry.partition,
    consumer: consumer?.name ?? "",
    pending: consumer?.pending ?? null,
    ack_pending: consumer?.ackPending ?? null,
    redelivered: consumer?.redelivered ?? null
  }
}

export const streamView = (entry: {
  readonly name: string
  readonly state: Option.Option<StreamState>
  readonly consumers: ReadonlyArray<ConsumerState>
}): z.input<typeof StreamView> => {
  const state = Option.getOrNull(entry.state)
  return {
    name: entry.name,
    exists: state !== null,
    subjects: [...(state?.subjects ?? [])],
    messages: state?.messages ?? 0,
    bytes: state?.bytes ?? 0,
    first_seq: state?.firstSequence ?? 0,
    last_seq: state?.lastSequence ?? 0,
    consumers: entry.consumers.map((c) => ({ name: c.name, pending: c.pending, ack_pending: c.ackPending, redelivered: c.redelivered }))
  }
}

/** A dead letter: `subject` is the subject its message was first published on. */
export const deadLetterView = (d: DeadLetter): z.input<typeof DeadLetterView> =>
  viewOf(DeadLetterView, d, { subject: d.originalSubject })
